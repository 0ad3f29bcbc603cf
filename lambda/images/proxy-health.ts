/**
 * Proxy health, as the pure core sees it: a snapshot handed in by the webhook (which probes, see
 * `lambda/health/`), never fetched here. A host missing from the snapshot is `unknown`, and `unknown` counts
 * as up: the webhook falls back to the upstream only for a proxy it has seen failing.
 */
import type { ImageDecision } from './decision.ts';

/** What is known of one proxy host: `up` and `down` from a probe, `unknown` before any answer. */
export type ProxyState = 'up' | 'down' | 'unknown';

/** Proxy host (`host[:port]`, as in the compiled rule's `proxyDomain`) → its state. */
export type HealthSnapshot = ReadonlyMap<string, ProxyState>;

/** Every proxy up (or unknown): the decisions are those of a webhook without health checks. */
export const ALL_UP: HealthSnapshot = new Map();

/** Whether a snapshot says the host is down (missing = unknown = up). */
export const isDown = (health: HealthSnapshot, host: string): boolean => health.get(host) === 'down';

/** What a mapping does when its proxy is down: leave the image upstream (default), or rewrite anyway. */
export type WhenDown = 'upstream' | 'rewrite';

/** The health check of one `registries` rule: which host to probe, what to do when it is down. */
export interface HealthPolicy {
  /** The proxy host, `host[:port]` (the rule's normalized proxy domain). */
  readonly host: string;
  readonly whenDown: WhenDown;
}

/** `registries` key (as written) → its health check; rules without health checks are absent. */
export type HealthPolicies = ReadonlyMap<string, HealthPolicy>;

/**
 * A decision made without health (cacheable: it depends on the image and the mappings only), adjusted to a
 * health snapshot: a `rewritten` image whose rule checks health, falls back to upstream, and whose proxy is
 * `down` becomes `proxy-unavailable` (image unchanged). Anything else is returned as is — with every proxy up
 * or unknown, the decisions are exactly those of a webhook without health checks.
 */
export function applyHealth(
  decision: ImageDecision,
  policies: HealthPolicies,
  health: HealthSnapshot,
): ImageDecision {
  if (decision.kind !== 'rewritten') return decision;
  const policy = policies.get(decision.rule);
  if (policy === undefined || policy.whenDown !== 'upstream' || !isDown(health, policy.host)) return decision;
  return {
    kind: 'proxy-unavailable',
    input: decision.input,
    image: decision.input,
    normalized: decision.normalized,
    rule: decision.rule,
    proxy: policy.host,
    proxied: decision.image,
  };
}

/**
 * The proxy hosts whose health can change these decisions: those of `rewritten` images under a rule that checks
 * health and falls back to upstream (a rule that rewrites anyway does not need a review to wait for a probe).
 */
export function proxiesToCheck(decisions: Iterable<ImageDecision>, policies: HealthPolicies): string[] {
  const hosts = new Set<string>();
  for (const decision of decisions) {
    if (decision.kind !== 'rewritten') continue;
    const policy = policies.get(decision.rule);
    if (policy?.whenDown === 'upstream') hosts.add(policy.host);
  }
  return [...hosts];
}
