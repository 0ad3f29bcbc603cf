import { describe, expect, it } from 'vitest';
import { createMappingsSource, type MappingsSourceOptions } from '../../lambda/mappings/source.ts';
import { err, ok, type Result } from '../../lambda/result.ts';

/** A controllable clock and loader: each load returns the next queued text (or error, or never resolves). */
function harness(overrides: Partial<MappingsSourceOptions<string>> = {}) {
  let clock = 1_000_000;
  const queue: (string | Error | 'hang')[] = [];
  const loads: number[] = [];
  const failures: { kind: string; servingStale: boolean; message: string }[] = [];
  const loaded: { value: string; previous: string | undefined }[] = [];
  let release: (() => void) | undefined;
  const parse = (text: string): Result<string> =>
    text.startsWith('bad') ? err(new Error(`invalid: ${text}`)) : ok(text);
  const source = createMappingsSource<string>({
    load: (signal) => {
      loads.push(clock);
      const next = queue.shift() ?? new Error('nothing queued');
      if (next === 'hang') {
        return new Promise((_, reject) => {
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      }
      if (next instanceof Error) return Promise.reject(next);
      return new Promise((resolve) => {
        release = () => resolve(next);
        queueMicrotask(() => release?.());
      });
    },
    parse,
    ttlMs: 60_000,
    loadTimeoutMs: 50,
    refreshWaitMs: 20,
    retryAfterMs: 5_000,
    now: () => clock,
    onLoaded: ({ value, previous }) => loaded.push({ value, previous }),
    onLoadFailure: ({ error, kind, servingStale }) =>
      failures.push({ kind, servingStale, message: error.message }),
    ...overrides,
  });
  return {
    source,
    queue,
    loads,
    failures,
    loaded,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('createMappingsSource', () => {
  it('loads once for concurrent first requests (single flight), and they all get the value', async () => {
    const h = harness();
    h.queue.push('v1');
    const results = await Promise.all([h.source.current(), h.source.current(), h.source.current()]);
    expect(results.map((r) => r.value)).toEqual(['v1', 'v1', 'v1']);
    expect(h.loads).toHaveLength(1);
  });

  it('loads nothing until the first request: no work is started behind anything', async () => {
    const h = harness();
    h.queue.push('v1');
    expect(h.source.peek()).toMatchObject({ value: undefined, lastError: undefined });
    expect(h.loads).toHaveLength(0);
    expect((await h.source.current()).value).toBe('v1');
    expect(h.loads).toHaveLength(1);
  });

  it('serves from cache within the TTL; the first request after it runs the refresh and is served its result', async () => {
    const h = harness();
    h.queue.push('v1', 'v2');
    await h.source.current();
    h.advance(59_000);
    expect((await h.source.current()).value).toBe('v1');
    expect(h.loads).toHaveLength(1);
    h.advance(2_000);
    // Due: this request runs the refresh inside its own invocation (bounded) and gets the new value.
    expect(await h.source.current()).toMatchObject({ value: 'v2', stale: false, ageMs: 0 });
    expect(h.loads).toHaveLength(2);
    expect(h.loaded).toEqual([
      { value: 'v1', previous: undefined },
      { value: 'v2', previous: 'v1' },
    ]);
  });

  it('bounds the wait on a due refresh: a hung refresh is aborted at refreshWaitMs, the last good value served', async () => {
    const h = harness();
    h.queue.push('v1', 'hang', 'v2');
    await h.source.current();
    h.advance(61_000);
    expect(await h.source.current()).toMatchObject({
      value: 'v1',
      stale: true,
      lastError: 'no answer within 20 ms',
    });
    expect(h.failures).toEqual([{ kind: 'timeout', servingStale: true, message: 'no answer within 20 ms' }]);
    // Nothing is left in flight: the next request after the retry wait starts a new attempt and succeeds.
    h.advance(5_000);
    expect((await h.source.current()).value).toBe('v2');
    expect(h.loads).toHaveLength(3);
  });

  it('keeps the last good value when a refresh fails or the new document is invalid, and says so', async () => {
    const h = harness();
    h.queue.push('v1', new Error('ThrottlingException'), 'bad document');
    await h.source.current();
    h.advance(61_000);
    await h.source.current();
    expect(h.source.peek()).toMatchObject({ value: 'v1', stale: true, lastError: 'ThrottlingException' });
    h.advance(5_000);
    await h.source.current();
    expect(h.source.peek()).toMatchObject({ value: 'v1', lastError: 'invalid: bad document' });
    expect(h.failures).toEqual([
      { kind: 'fetch', servingStale: true, message: 'ThrottlingException' },
      { kind: 'invalid', servingStale: true, message: 'invalid: bad document' },
    ]);
  });

  it('waits after a failure before trying again, so a broken source is not hammered', async () => {
    const h = harness();
    h.queue.push(new Error('down'), 'v1');
    expect((await h.source.current()).value).toBeUndefined();
    await h.source.current();
    h.advance(4_999);
    await h.source.current();
    expect(h.loads).toHaveLength(1);
    h.advance(1);
    expect((await h.source.current()).value).toBe('v1');
    expect(h.loads).toHaveLength(2);
  });

  it('bounds the wait of a request with nothing to serve: a hung load is abandoned as a timeout', async () => {
    const h = harness();
    h.queue.push('hang');
    const snapshot = await h.source.current();
    expect(snapshot).toMatchObject({ value: undefined, lastError: 'no answer within 50 ms' });
    expect(h.failures).toEqual([{ kind: 'timeout', servingStale: false, message: 'no answer within 50 ms' }]);
  });

  it('survives a throwing reporter', async () => {
    const h = harness({
      onLoaded: () => {
        throw new Error('reporter bug');
      },
    });
    h.queue.push('v1');
    expect((await h.source.current()).value).toBe('v1');
  });
});
