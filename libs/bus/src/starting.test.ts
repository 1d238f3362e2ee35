import { JetStreamApiError } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { whileStarting } from './starting.js';

const unavailable = (): JetStreamApiError => new JetStreamApiError({ code: 503, err_code: 10008, description: 'JetStream system temporarily unavailable' });

describe('a start-up request while the broker is not ready', () => {
  it('is tried again while the cluster answers 503, and returns what it then answers', async () => {
    let calls = 0;
    const answer = await whileStarting(
      () => {
        calls += 1;
        return calls < 3 ? Promise.reject(unavailable()) : Promise.resolve('consumer');
      },
      { firstDelayMs: 1 },
    );
    expect({ answer, calls }).toEqual({ answer: 'consumer', calls: 3 });
  });

  it('throws at once what a retry cannot fix, and the last 503 after its attempts', async () => {
    let calls = 0;
    const refused = new JetStreamApiError({ code: 403, err_code: 10000, description: 'permissions violation' });
    await expect(whileStarting(() => ((calls += 1), Promise.reject(refused)), { firstDelayMs: 1 })).rejects.toBe(refused);
    expect(calls).toBe(1);
    calls = 0;
    await expect(whileStarting(() => ((calls += 1), Promise.reject(unavailable())), { attempts: 4, firstDelayMs: 1 })).rejects.toThrow('temporarily unavailable');
    expect(calls).toBe(4);
  });
});
