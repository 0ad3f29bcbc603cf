import { describe, expect, it } from 'vitest';
import { AttemptTimeoutError, attemptWithin } from '../lambda/bounded-attempt.ts';

/** Work that settles when its signal aborts (as the AWS SDK does), or never. */
const hang = (signal: AbortSignal) =>
  new Promise<string>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

describe('attemptWithin', () => {
  it.each<
    [string, (signal: AbortSignal) => Promise<string>, { ok: boolean; value?: string; error?: string }]
  >([
    ['resolves in time', async () => 'v', { ok: true, value: 'v' }],
    ['rejects in time', async () => Promise.reject(new Error('boom')), { ok: false, error: 'boom' }],
    [
      'throws synchronously',
      () => {
        throw new Error('sync');
      },
      { ok: false, error: 'sync' },
    ],
    ['rejects with a non-Error', async () => Promise.reject('text'), { ok: false, error: 'text' }],
    ['does not answer', hang, { ok: false, error: 'no answer within 20 ms' }],
  ])('%s: the outcome is a Result, never a rejection', async (_name, work, expected) => {
    const result = await attemptWithin(20, work);
    expect(result.ok).toBe(expected.ok);
    if (result.ok) expect(result.value).toBe(expected.value);
    else expect(result.error.message).toBe(expected.error);
  });

  it('aborts the work at the bound with the timeout as the reason, which the work may explain', async () => {
    let seen: AbortSignal | undefined;
    const result = await attemptWithin(10, (signal) => {
      seen = signal;
      signal.addEventListener('abort', () => {
        (signal.reason as Error).cause = new Error('ThrottlingException');
      });
      return hang(signal);
    });
    expect(seen?.aborted).toBe(true);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toBeInstanceOf(AttemptTimeoutError);
      expect(result.error).toBe(seen?.reason);
      expect((result.error.cause as Error).message).toBe('ThrottlingException');
    }
  });

  it('does not abort work that finished in time', async () => {
    let seen: AbortSignal | undefined;
    await attemptWithin(1_000, async (signal) => {
      seen = signal;
      return 'v';
    });
    expect(seen?.aborted).toBe(false);
  });
});
