/**
 * Per-instance health of the proxy hosts, kept for the webhook. The rules, each there for a reason:
 *
 * - A state is cached per host: `up` for `upTtlMs` (30 s), `down` for `downTtlMs` (10 s, so a recovered proxy
 *   is used again soon). Each Lambda instance keeps its own (instances do not share memory).
 * - A host is probed only when a review needs it (an image would be rewritten to it) and its state is older
 *   than its TTL; at most one probe per host is in flight, later reviews join it.
 * - A review waits for probes at most `waitMs` (300 ms). A probe that has not answered by then is aborted —
 *   inside the invocation, so nothing runs behind the response while Lambda freezes the process — and counts
 *   as a timeout (down: a black-holed proxy answers no kubelet either).
 * - Frozen time never counts: if the timeout timer fires much later than set (the process was frozen, or the
 *   event loop blocked), the attempt says nothing about the proxy and the last known state stays; the next
 *   review probes again. States age by the wall clock, so a state from before a long freeze is re-checked.
 * - `unknown` (never answered) counts as up for the decisions (images/proxy-health.ts).
 *
 * No I/O here: the probe is injected (probe.ts does HTTPS), so this logic is tested with any fake.
 */
import type { HealthSnapshot, ProxyState } from '../images/proxy-health.ts';

/** One probe's answer; `detail` says what was seen (`HTTP 401`, `connection: ECONNREFUSED`, `tls: …`). */
export interface ProbeOutcome {
  readonly up: boolean;
  readonly status?: number;
  readonly detail: string;
}

/** A probe: resolves (never rejects, for network faults) and stops when `signal` aborts. */
export type Probe = (host: string, signal: AbortSignal) => Promise<ProbeOutcome>;

/** What `/healthz` and the command line show for one proxy host. */
export interface ProxyStatus {
  readonly host: string;
  readonly state: ProxyState;
  /** When the state was last set by an answer (epoch ms); absent while `unknown`. */
  readonly checkedAt?: number;
  /** The last answer, or why the last attempt said nothing. */
  readonly detail?: string;
}

/** Defaults, documented in README's configuration table. */
export const HEALTH_DEFAULTS = { upTtlMs: 30_000, downTtlMs: 10_000, waitMs: 300 } as const;

export interface ProxyHealthOptions {
  readonly probe: Probe;
  /** How long an `up` answer is trusted. @default 30 000 */
  readonly upTtlMs?: number;
  /** How long a `down` answer is trusted. @default 10 000 */
  readonly downTtlMs?: number;
  /** The longest a review waits for probes; also each probe's timeout. @default 300 */
  readonly waitMs?: number;
  /** A timer firing later than this past its deadline means frozen (or blocked) time. @default 1 000 */
  readonly lateAfterMs?: number;
  /** Clock (epoch ms), for tests. @default Date.now */
  readonly now?: () => number;
  /** Called when a host's state changes (for a log line); errors thrown here are ignored. */
  readonly onChange?: (status: ProxyStatus, previous: ProxyState) => void;
}

export interface ProxyHealth {
  /**
   * The states of `hosts`, probing those whose state is due, waiting at most `waitMs`. Never rejects; leaves
   * no probe running when it returns.
   */
  check(hosts: Iterable<string>): Promise<HealthSnapshot>;
  /** Every host seen so far, plus `hosts`, without probing (sorted by host). */
  statuses(hosts?: Iterable<string>): ProxyStatus[];
  /** Probes in flight (0 whenever no `check` is running). */
  readonly inFlight: number;
}

interface Entry {
  state: ProxyState;
  checkedAt: number | undefined;
  detail: string | undefined;
}

/** The options with their defaults applied. */
interface Settings {
  readonly probe: Probe;
  readonly now: () => number;
  readonly upTtlMs: number;
  readonly downTtlMs: number;
  readonly waitMs: number;
  readonly lateAfterMs: number;
  readonly onChange: ProxyHealthOptions['onChange'];
}

function settingsOf(options: ProxyHealthOptions): Settings {
  return {
    probe: options.probe,
    now: options.now ?? Date.now,
    upTtlMs: options.upTtlMs ?? HEALTH_DEFAULTS.upTtlMs,
    downTtlMs: options.downTtlMs ?? HEALTH_DEFAULTS.downTtlMs,
    waitMs: options.waitMs ?? HEALTH_DEFAULTS.waitMs,
    lateAfterMs: options.lateAfterMs ?? 1_000,
    onChange: options.onChange,
  };
}

/** An entry's public view: optional fields absent rather than `undefined`. */
function statusOf(host: string, found: Entry | undefined): ProxyStatus {
  if (found === undefined) return { host, state: 'unknown' };
  return {
    host,
    state: found.state,
    ...(found.checkedAt === undefined ? {} : { checkedAt: found.checkedAt }),
    ...(found.detail === undefined ? {} : { detail: found.detail }),
  };
}

/** A timer that resolves `'timeout'` after `ms`; `clear` stops it. */
function timeoutAfter(ms: number): { readonly timeout: Promise<'timeout'>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  return { timeout, clear: () => clearTimeout(timer) };
}

/** The per-host states and probes in flight of one instance. */
class HealthState {
  readonly #entries = new Map<string, Entry>();
  readonly #inFlight = new Map<string, Promise<void>>();

  readonly #settings: Settings;

  constructor(settings: Settings) {
    this.#settings = settings;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  async check(hosts: Iterable<string>): Promise<HealthSnapshot> {
    const wanted = [...new Set(hosts)];
    const waits: Promise<void>[] = [];
    for (const host of wanted) {
      const running = this.#inFlight.get(host);
      if (running !== undefined) waits.push(running);
      else if (this.#due(host)) waits.push(this.#attempt(host));
    }
    if (waits.length > 0) await Promise.all(waits);
    return new Map(wanted.map((host) => [host, this.#entries.get(host)?.state ?? 'unknown'] as const));
  }

  statuses(hosts: Iterable<string>): ProxyStatus[] {
    const all = new Set([...this.#entries.keys(), ...hosts]);
    return [...all].sort().map((host) => statusOf(host, this.#entries.get(host)));
  }

  #entry(host: string): Entry {
    let found = this.#entries.get(host);
    if (found === undefined) {
      found = { state: 'unknown', checkedAt: undefined, detail: undefined };
      this.#entries.set(host, found);
    }
    return found;
  }

  #record(host: string, outcome: ProbeOutcome): void {
    const current = this.#entry(host);
    const previous = current.state;
    current.state = outcome.up ? 'up' : 'down';
    current.checkedAt = this.#settings.now();
    current.detail = outcome.detail;
    if (previous === current.state) return;
    try {
      this.#settings.onChange?.(
        { host, state: current.state, checkedAt: current.checkedAt, detail: current.detail },
        previous,
      );
    } catch {
      // Reporting must never break a review.
    }
  }

  #due(host: string): boolean {
    const found = this.#entries.get(host);
    if (found?.checkedAt === undefined) return true;
    const ttlMs = found.state === 'up' ? this.#settings.upTtlMs : this.#settings.downTtlMs;
    return this.#settings.now() - found.checkedAt >= ttlMs;
  }

  #attempt(host: string): Promise<void> {
    const { now, waitMs } = this.#settings;
    const started = now();
    const controller = new AbortController();
    const timer = timeoutAfter(waitMs);
    const answer = this.#settings
      .probe(host, controller.signal)
      .catch((error: unknown): ProbeOutcome => ({ up: false, detail: `probe failed: ${String(error)}` }));
    const running = Promise.race([answer, timer.timeout])
      .then((outcome) => {
        timer.clear();
        controller.abort();
        if (outcome !== 'timeout') return this.#record(host, outcome);
        this.#timedOut(host, now() - started);
      })
      .finally(() => this.#inFlight.delete(host));
    this.#inFlight.set(host, running);
    return running;
  }

  #timedOut(host: string, elapsed: number): void {
    const { waitMs, lateAfterMs } = this.#settings;
    if (elapsed > waitMs + lateAfterMs) {
      // The timer fired late: the process was frozen or blocked, so this attempt proves nothing.
      this.#entry(host).detail = `attempt interrupted after ${elapsed} ms (frozen or blocked); state kept`;
      return;
    }
    this.#record(host, { up: false, detail: `timeout: no answer within ${waitMs} ms` });
  }
}

/** Creates the per-instance health state; probes nothing until `check`. */
export function createProxyHealth(options: ProxyHealthOptions): ProxyHealth {
  const state = new HealthState(settingsOf(options));
  return {
    check: (hosts) => state.check(hosts),
    statuses: (hosts = []) => state.statuses(hosts),
    get inFlight() {
      return state.inFlightCount;
    },
  };
}
