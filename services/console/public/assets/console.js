// The console page: who is signed in, the live feed, and the view of the person's role.
import { post, replace } from './dom.js';
import { hotlineView } from './hotline.js';
import { operatorView } from './operator.js';
import { policeView } from './police.js';
import { createStore } from './store.js';

const me = await fetch('/api/me', { credentials: 'same-origin' });
if (me.status === 401) window.location.assign('/sign-in');
const session = await me.json();
const roleText = session.role.kind === 'hotline' ? `hotline ${session.role.hotline}` : session.role.kind === 'operator' ? 'operator' : `${session.role.kind} ${session.role.country}`;
document.getElementById('who').textContent = `${session.user} · ${roleText}`;
document.title = `${roleText} · Hotline Relay Console`;

document.getElementById('sign-out').addEventListener('click', async () => {
  await post('/api/sign-out', {}, session.csrf).catch(() => undefined);
  window.location.assign('/sign-in');
});

const store = createStore();
const view = document.getElementById('view');
const live = document.getElementById('live');
const views = { police: policeView, authority: policeView, hotline: hotlineView, operator: operatorView };
replace(view, views[session.role.kind](store, session));

// EventSource reconnects by itself and sends the last event id, so the server resumes right after it.
const feed = new EventSource('/api/events');
feed.addEventListener('open', () => {
  live.textContent = 'live';
  live.dataset.state = 'live';
});
feed.addEventListener('error', () => {
  live.textContent = 'reconnecting…';
  live.dataset.state = 'down';
});
feed.addEventListener('feed-error', () => {
  live.textContent = 'live feed refused';
  live.dataset.state = 'down';
});
// The session ended (signed out in another tab, or the account was removed or changed): sign in again.
feed.addEventListener('session-ended', () => {
  feed.close();
  window.location.assign('/sign-in');
});
feed.addEventListener('message', (e) => store.add(JSON.parse(e.data)));
