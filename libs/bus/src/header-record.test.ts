import { headers, MsgHdrsImpl } from '@nats-io/nats-core';
import { describe, expect, it } from 'vitest';
import { headerRecord, headersToRecord, headerValue } from './index.js';

const HOSTILE = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

describe('copying header names into a record', () => {
  it('carries every hostile name as an own entry with its value, and pollutes nothing', () => {
    const h = headers();
    for (const name of HOSTILE) h.set(name, `value of ${name}`);
    h.set('Relay-Type', 'relay.v1.StatusUpdate');

    const record = headersToRecord(h);

    expect(Object.keys(record).sort()).toEqual([...HOSTILE, 'Relay-Type'].sort());
    for (const name of HOSTILE) expect(headerValue(record, name)).toBe(`value of ${name}`);
    expect(Object.getPrototypeOf(record)).toBeNull();
    // Nothing reached Object.prototype or any other object.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(typeof ({} as { toString: unknown }).toString).toBe('function');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('never answers a lookup from a prototype: a name the message lacks is absent', () => {
    const record = headersToRecord(headers());
    for (const name of HOSTILE) {
      expect(record[name]).toBeUndefined();
      expect(headerValue(record, name)).toBeUndefined();
    }
    // Even on a record built from a plain object literal, headerValue reads own entries only.
    expect(headerValue({ a: 'b' }, 'constructor')).toBeUndefined();
  });

  it('keeps a __proto__ name through a merge of records, later records winning', () => {
    const first = headersToRecord(MsgHdrsImpl.fromRecord({ ['__proto__']: ['{"polluted":true}'], constructor: ['c'] }));
    const merged = headerRecord(first, { constructor: 'later' });
    expect(Object.keys(merged).sort()).toEqual(['__proto__', 'constructor']);
    expect(merged.__proto__).toBe('{"polluted":true}');
    expect(merged.constructor).toBe('later');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
