// What the live feed delivered so far, by kind, and who is told when it changes.

export function createStore() {
  const state = { referrals: new Map(), notices: [], statuses: [], dlq: new Map(), seen: new Set() };
  const listeners = new Set();
  let scheduled = false;
  const changed = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      for (const l of listeners) l(state);
    });
  };
  return {
    state,
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
    },
    /** Adds one feed event; the same stream and sequence twice is kept once. */
    add(event) {
      const key = `${event.stream}:${event.seq}`;
      if (state.seen.has(key)) return;
      state.seen.add(key);
      const item = { ...event.message, _seq: event.seq, _time: event.time, _subject: event.subject };
      if (event.type === 'relay.v1.Referral') state.referrals.set(item.id, item);
      else if (event.type === 'relay.v1.Notice') state.notices.push(item);
      else if (event.type === 'relay.v1.StatusUpdate') state.statuses.push(item);
      else if (event.stream === 'DLQ') state.dlq.set(event.seq, item);
      changed();
    },
    /** Drops a DLQ entry once it is redriven. */
    removeDlq(seq) {
      state.dlq.delete(seq);
      changed();
    },
  };
}
