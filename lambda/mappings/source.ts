/**
 * A cached, self-refreshing source of a parsed document (the mappings), independent of where the text comes
 * from (SSM, a file). The rules, each there for an operator:
 *
 * - Loading starts at cold start (`start()`), before the first request needs it.
 * - A value is served for `ttlMs`; after that the next request triggers a refresh. A request that finds a
 *   value (fresh or stale) never waits for a refresh: it is served at once and the refresh runs behind it.
 * - Only a request with no value at all waits, and never longer than `loadTimeoutMs`; then it gets
 *   `value: undefined` (the webhook allows the pod unchanged, with a warning) — never blocked, never a crash.
 * - At most one load is in flight. A failed load or an invalid document keeps the last good value and is
 *   reported through `onLoadFailure`; the next attempt waits `retryAfterMs`, so a broken parameter does not
 *   turn every request into an SSM call.
 */

/** What `current()` / `peek()` return. */
export interface MappingsSnapshot<T> {
  /** The last good value; `undefined` until a load succeeded. */
  readonly value: T | undefined;
  /** When the value was loaded (epoch ms). */
  readonly loadedAt: number | undefined;
  readonly ageMs: number | undefined;
  /** The value is older than the TTL (a refresh failed or is running). */
  readonly stale: boolean;
  /** The last load failure's message, cleared by the next success. */
  readonly lastError: string | undefined;
}

export interface MappingsSource<T> {
  /** Starts the first load (idempotent). */
  start(): void;
  /** The value to serve now; waits (bounded) only when there has never been one. Never rejects. */
  current(): Promise<MappingsSnapshot<T>>;
  /** The state without triggering anything. */
  peek(): MappingsSnapshot<T>;
  /** Loads now (a watched file changed), joining a load already in flight. Never rejects. */
  refresh(): Promise<MappingsSnapshot<T>>;
}

export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; error: Error };

/** Why a load did not produce a value. */
export type LoadFailureKind = 'fetch' | 'invalid' | 'timeout';

export interface MappingsSourceOptions<T> {
  /** Fetches the text; must honour the signal (aborted after `loadTimeoutMs`). */
  readonly load: (signal: AbortSignal) => Promise<string>;
  readonly parse: (text: string) => ParseOutcome<T>;
  readonly ttlMs: number;
  /** Longest a load may take before it is abandoned and counted as a failure. */
  readonly loadTimeoutMs: number;
  /** Wait after a failure before the next attempt. @default min(ttlMs, 5000) */
  readonly retryAfterMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
  readonly onLoaded?: (event: { value: T; previous: T | undefined; durationMs: number }) => void;
  readonly onLoadFailure?: (event: {
    error: Error;
    kind: LoadFailureKind;
    servingStale: boolean;
    durationMs: number;
  }) => void;
}

class LoadTimeoutError extends Error {
  override readonly name = 'LoadTimeoutError';
}

/** Creates the source; nothing is loaded until {@link MappingsSource.start} or the first `current()`. */
export function createMappingsSource<T>(options: MappingsSourceOptions<T>): MappingsSource<T> {
  const now = options.now ?? Date.now;
  const retryAfterMs = options.retryAfterMs ?? Math.min(options.ttlMs, 5_000);
  let value: T | undefined;
  let loadedAt: number | undefined;
  let lastError: string | undefined;
  let lastFailureAt: number | undefined;
  let inFlight: Promise<void> | undefined;

  const snapshot = (): MappingsSnapshot<T> => {
    const ageMs = loadedAt === undefined ? undefined : Math.max(0, now() - loadedAt);
    return { value, loadedAt, ageMs, stale: ageMs !== undefined && ageMs > options.ttlMs, lastError };
  };

  const fail = (error: Error, kind: LoadFailureKind, started: number) => {
    lastError = error.message;
    lastFailureAt = now();
    try {
      options.onLoadFailure?.({
        error,
        kind,
        servingStale: value !== undefined,
        durationMs: now() - started,
      });
    } catch {
      // Reporting must never break serving.
    }
  };

  const load = (): Promise<void> => {
    inFlight ??= (async () => {
      const started = now();
      const controller = new AbortController();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new LoadTimeoutError(`load took longer than ${options.loadTimeoutMs} ms`);
          controller.abort(error);
          reject(error);
        }, options.loadTimeoutMs);
      });
      let text: string;
      try {
        text = await Promise.race([options.load(controller.signal), timeout]);
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        fail(err, err instanceof LoadTimeoutError ? 'timeout' : 'fetch', started);
        return;
      } finally {
        clearTimeout(timer);
      }
      const parsed = options.parse(text);
      if (!parsed.ok) {
        fail(parsed.error, 'invalid', started);
        return;
      }
      const previous = value;
      value = parsed.value;
      loadedAt = now();
      lastError = undefined;
      lastFailureAt = undefined;
      try {
        options.onLoaded?.({ value: parsed.value, previous, durationMs: now() - started });
      } catch {
        // as above
      }
    })().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const due = (): boolean => {
    if (inFlight !== undefined) return false;
    if (lastFailureAt !== undefined && now() - lastFailureAt < retryAfterMs) return false;
    return loadedAt === undefined || now() - loadedAt >= options.ttlMs;
  };

  return {
    start() {
      if (value === undefined && inFlight === undefined && lastFailureAt === undefined) void load();
    },
    async current() {
      if (due()) void load();
      // Only a request with nothing to serve waits, and only for the load in flight (itself bounded).
      if (value === undefined && inFlight !== undefined) await inFlight;
      return snapshot();
    },
    peek: snapshot,
    async refresh() {
      await load();
      return snapshot();
    },
  };
}
