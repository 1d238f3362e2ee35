import { describe, expect, it } from 'vitest';
import { backoffMs, createBreaker } from './index.js';

describe('the circuit breaker of an endpoint', () => {
  it('opens after the configured failures in a row, lets one trial through after the open time, and closes on its success', async () => {
    let now = 0;
    const breaker = createBreaker({ failures: 3, openMs: 1_000 }, () => now);
    const signal = new AbortController().signal;
    for (let i = 0; i < 3; i++) {
      await breaker.acquire(signal);
      breaker.record(false);
    }
    expect(breaker.state()).toBe('open');
    let allowed = false;
    const waiting = breaker.acquire(signal).then(() => (allowed = true));
    await new Promise((r) => setTimeout(r, 150));
    expect(allowed).toBe(false);
    now = 1_000;
    await waiting;
    // One trial at a time: a second request waits while the trial is out.
    expect(breaker.state()).toBe('open');
    breaker.record(true);
    expect(breaker.state()).toBe('closed');
  });

  it('opens again for another period when the trial fails', async () => {
    let now = 0;
    const breaker = createBreaker({ failures: 1, openMs: 500 }, () => now);
    const signal = new AbortController().signal;
    await breaker.acquire(signal);
    breaker.record(false);
    now = 500;
    await breaker.acquire(signal);
    breaker.record(false);
    expect(breaker.state()).toBe('open');
    now = 999;
    expect(breaker.state()).toBe('open');
    now = 1_000;
    expect(breaker.state()).toBe('half-open');
  });

  it('stops waiting when the courier stops', async () => {
    const breaker = createBreaker({ failures: 1, openMs: 60_000 });
    const stop = new AbortController();
    await breaker.acquire(stop.signal);
    breaker.record(false);
    const waiting = breaker.acquire(stop.signal);
    stop.abort();
    await expect(waiting).rejects.toThrow();
  });
});

describe('the backoff between attempts', () => {
  it('doubles per attempt up to the longest wait, each drawn from the upper half of its step', () => {
    const policy = { initialMs: 1_000, maxDelayMs: 10_000, maxAgeMs: 60_000 };
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffMs(policy, n, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffMs(policy, n, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 5_000, 5_000]);
  });
});
