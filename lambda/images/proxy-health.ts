/**
 * Proxy health, as the pure core sees it: a snapshot handed in by the webhook (which probes, see
 * `lambda/health/`), never fetched here. A host missing from the snapshot is `unknown`, and `unknown` counts
 * as up: the webhook falls back to the upstream only for a proxy it has seen failing.
 */

/** What is known of one proxy host: `up` and `down` from a probe, `unknown` before any answer. */
export type ProxyState = 'up' | 'down' | 'unknown';

/** Proxy host (`host[:port]`, as in the compiled rule's `proxyDomain`) → its state. */
export type HealthSnapshot = ReadonlyMap<string, ProxyState>;

/** Every proxy up (or unknown): the decisions are those of a webhook without health checks. */
export const ALL_UP: HealthSnapshot = new Map();

/** Whether a snapshot says the host is down (missing = unknown = up). */
export const isDown = (health: HealthSnapshot, host: string): boolean => health.get(host) === 'down';
