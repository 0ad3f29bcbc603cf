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

/** The last good value and the last failure, shared by the source's parts. */
class SourceState<T> {
  value: T | undefined;
  loadedAt: number | undefined;
  lastError: string | undefined;
  lastFailureAt: number | undefined;
  inFlight: Promise<void> | undefined;

  readonly #options: MappingsSourceOptions<T>;
  readonly #now: () => number;
  readonly #refreshWaitMs: number;
  readonly #retryAfterMs: number;

  constructor(options: MappingsSourceOptions<T>) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#refreshWaitMs = options.refreshWaitMs ?? LOAD_BOUNDS.mappingsRefreshWaitMs;
    this.#retryAfterMs = options.retryAfterMs ?? Math.min(options.ttlMs, LOAD_BOUNDS.mappingsRetryAfterMs);
  }

  snapshot(): MappingsSnapshot<T> {
    const { value, loadedAt, lastError } = this;
    const ageMs = loadedAt === undefined ? undefined : Math.max(0, this.#now() - loadedAt);
    return {
      value,
      loadedAt,
      ageMs,
      stale: ageMs !== undefined && ageMs > this.#options.ttlMs,
      lastError,
    };
  }

  /** Runs an attempt, or joins the one in flight. */
  attempt(): Promise<void> {
    this.inFlight ??= this.#run().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  due(): boolean {
    const now = this.#now;
    if (this.lastFailureAt !== undefined && now() - this.lastFailureAt < this.#retryAfterMs) return false;
    return this.loadedAt === undefined || now() - this.loadedAt >= this.#options.ttlMs;
  }

  /** One attempt, bounded and awaited by its caller: it never outlives the invocation that started it. */
  async #run(): Promise<void> {
    const started = this.#now();
    const bound = this.value === undefined ? this.#options.loadTimeoutMs : this.#refreshWaitMs;
    const text = await attemptWithin(bound, this.#options.load);
    if (!text.ok) {
      this.#fail(text.error, text.error instanceof AttemptTimeoutError ? 'timeout' : 'fetch', started);
      return;
    }
    const parsed = this.#options.parse(text.value);
    if (!parsed.ok) {
      this.#fail(parsed.error, 'invalid', started);
      return;
    }
    const previous = this.value;
    this.value = parsed.value;
    this.loadedAt = this.#now();
    this.lastError = undefined;
    this.lastFailureAt = undefined;
    report(this.#options.onLoaded, { value: parsed.value, previous, durationMs: this.#now() - started });
  }

  #fail(error: Error, kind: LoadFailureKind, started: number): void {
    this.lastError = error.message;
    this.lastFailureAt = this.#now();
    report(this.#options.onLoadFailure, {
      error,
      kind,
      servingStale: this.value !== undefined,
      durationMs: this.#now() - started,
    });
  }
}

/** Creates the source; nothing is loaded until the first `current()` or `refresh()`. */
export function createMappingsSource<T>(options: MappingsSourceOptions<T>): MappingsSource<T> {
  const state = new SourceState(options);
  const snapshot = (): MappingsSnapshot<T> => state.snapshot();
  return {
    async current() {
      if (state.inFlight === undefined && state.due()) await state.attempt();
      // A concurrent request (local server) with nothing to serve joins the attempt in flight (itself bounded).
      else if (state.value === undefined && state.inFlight !== undefined) await state.inFlight;
      return snapshot();
    },
    peek: snapshot,
    async refresh() {
      await state.attempt();
      return snapshot();
    },
  };
}
