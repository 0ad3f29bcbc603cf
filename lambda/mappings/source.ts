/**
 * A cached source of a parsed document (the mappings), independent of where the text comes from (SSM, a file),
 * built for Lambda's lifecycle: the process is frozen as soon as a response is returned, so nothing may run
 * behind a response (see ../bounded-attempt.ts). The rules, each there for an operator:
 *
 * - A value is served for `ttlMs`. The first request after that runs the refresh itself, inside its own
 *   invocation, and waits for it at most `refreshWaitMs`: it is served the new value when the source answers in
 *   time, the last good one otherwise (the attempt is aborted and counted), and a later request tries again.
 * - A request with no value at all (cold start) waits at most `loadTimeoutMs`; then it gets `value: undefined`
 *   (the webhook allows the pod unchanged, with a warning) — never blocked, never a crash.
 * - Every attempt is awaited by the request that started it and ends within it, so a failure is always one that
 *   happened while the process ran: one failure per attempt, never one per thaw.
 * - At most one attempt is in flight (concurrent requests on the local server join it). A failed attempt or an
 *   invalid document keeps the last good value and is reported through `onLoadFailure`; the next attempt waits
 *   `retryAfterMs`, so a broken parameter does not turn every request into an SSM call.
 */
import { AttemptTimeoutError, attemptWithin } from '../bounded-attempt.ts';
import { LOAD_BOUNDS } from '../constants.ts';
import type { Result } from '../result.ts';

/** What `current()` / `peek()` return. */
export interface MappingsSnapshot<T> {
  /** The last good value; `undefined` until a load succeeded. */
  readonly value: T | undefined;
  /** When the value was loaded (epoch ms). */
  readonly loadedAt: number | undefined;
  readonly ageMs: number | undefined;
  /** The value is older than the TTL (the last refresh attempt failed, or none was due yet). */
  readonly stale: boolean;
  /**
   * Set exactly when the last load attempt failed: its message (fetch error, timeout, or the validation error
   * with its JSON path). Cleared by the next successful attempt.
   */
  readonly lastError: string | undefined;
}

export interface MappingsSource<T> {
  /**
   * The value to serve now. Runs a due load first, inside the caller's invocation, and waits for it at most
   * `refreshWaitMs` (`loadTimeoutMs` when there is no value yet). Never rejects.
   */
  current(): Promise<MappingsSnapshot<T>>;
  /** The state without triggering anything. */
  peek(): MappingsSnapshot<T>;
  /** Loads now (a watched file changed), joining an attempt in flight. Never rejects. */
  refresh(): Promise<MappingsSnapshot<T>>;
}

/** Why a load attempt did not produce a value. */
export type LoadFailureKind = 'fetch' | 'invalid' | 'timeout';

export interface MappingsSourceOptions<T> {
  /** Fetches the text; must honour the signal (aborted at the attempt's bound). */
  readonly load: (signal: AbortSignal) => Promise<string>;
  readonly parse: (text: string) => Result<T>;
  readonly ttlMs: number;
  /** Longest a request with no value yet waits for a load (cold start). */
  readonly loadTimeoutMs: number;
  /** Longest a request that has a value waits for a due refresh. @default LOAD_BOUNDS.mappingsRefreshWaitMs */
  readonly refreshWaitMs?: number;
  /** Wait after a failure before the next attempt. @default min(ttlMs, LOAD_BOUNDS.mappingsRetryAfterMs) */
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

/** Calls a reporter; reporting must never break serving. */
function report<E>(reporter: ((event: E) => void) | undefined, event: E): void {
  try {
    reporter?.(event);
  } catch {
    // ignored on purpose
  }
}

/** Creates the source; nothing is loaded until the first `current()` or `refresh()`. */
export function createMappingsSource<T>(options: MappingsSourceOptions<T>): MappingsSource<T> {
  const now = options.now ?? Date.now;
  const refreshWaitMs = options.refreshWaitMs ?? LOAD_BOUNDS.mappingsRefreshWaitMs;
  const retryAfterMs = options.retryAfterMs ?? Math.min(options.ttlMs, LOAD_BOUNDS.mappingsRetryAfterMs);
  let value: T | undefined;
  let loadedAt: number | undefined;
  let lastError: string | undefined;
  let lastFailureAt: number | undefined;
  let inFlight: Promise<void> | undefined;

  const snapshot = (): MappingsSnapshot<T> => {
    const ageMs = loadedAt === undefined ? undefined : Math.max(0, now() - loadedAt);
    return {
      value,
      loadedAt,
      ageMs,
      stale: ageMs !== undefined && ageMs > options.ttlMs,
      lastError,
    };
  };

  const fail = (error: Error, kind: LoadFailureKind, started: number) => {
    lastError = error.message;
    lastFailureAt = now();
    report(options.onLoadFailure, {
      error,
      kind,
      servingStale: value !== undefined,
      durationMs: now() - started,
    });
  };

  /** One attempt, bounded and awaited by its caller: it never outlives the invocation that started it. */
  const run = async (): Promise<void> => {
    const started = now();
    const bound = value === undefined ? options.loadTimeoutMs : refreshWaitMs;
    const text = await attemptWithin(bound, options.load);
    if (!text.ok) {
      fail(text.error, text.error instanceof AttemptTimeoutError ? 'timeout' : 'fetch', started);
      return;
    }
    const parsed = options.parse(text.value);
    if (!parsed.ok) {
      fail(parsed.error, 'invalid', started);
      return;
    }
    const previous = value;
    value = parsed.value;
    loadedAt = now();
    lastError = undefined;
    lastFailureAt = undefined;
    report(options.onLoaded, { value: parsed.value, previous, durationMs: now() - started });
  };

  const attempt = (): Promise<void> => {
    inFlight ??= run().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const due = (): boolean => {
    if (lastFailureAt !== undefined && now() - lastFailureAt < retryAfterMs) return false;
    return loadedAt === undefined || now() - loadedAt >= options.ttlMs;
  };

  return {
    async current() {
      if (inFlight === undefined && due()) await attempt();
      // A concurrent request (local server) with nothing to serve joins the attempt in flight (itself bounded).
      else if (value === undefined && inFlight !== undefined) await inFlight;
      return snapshot();
    },
    peek: snapshot,
    async refresh() {
      await attempt();
      return snapshot();
    },
  };
}
