import type { ImageReferenceError } from './reference.ts';

/**
 * What the webhook does with one image reference. Produced by `decideImage` (rewrite.ts) and consumed by
 * the admission core, the `rewrite` command and telemetry.
 *
 * - `rewritten`: a mapping matched; the pod will pull `image` from the proxy.
 * - `already-proxied`: the image already points under a proxy prefix, so a second pass is a no-op.
 * - `ignored`: an `ignore` pattern matched (e.g. a private ECR registry); left as is.
 * - `unmapped`: a valid reference no mapping covers; left as is, reported, alarmed on.
 * - `invalid`: not a valid reference; left as is (the kubelet will report it too), reported.
 * - `proxy-unavailable`: a mapping matched, but its proxy is down (health checks) and the mapping falls back to
 *   the upstream: left as is, reported, alarmed on.
 */
export type DecisionKind =
  | 'rewritten'
  | 'already-proxied'
  | 'ignored'
  | 'unmapped'
  | 'invalid'
  | 'proxy-unavailable';

interface DecisionBase {
  /** The image string exactly as it appeared in the pod. */
  readonly input: string;
  /** The image the pod will use: the rewritten reference, or `input` unchanged. */
  readonly image: string;
}

/** A valid reference, with its fully qualified form (`docker.io/library/nginx:1.27`). */
interface ValidDecisionBase extends DecisionBase {
  readonly normalized: string;
}

export interface RewrittenDecision extends ValidDecisionBase {
  readonly kind: 'rewritten';
  /** The `registries` key that matched, as written in the mappings document. */
  readonly rule: string;
  /** The docker-config Secret the pod needs to pull from the proxy; `null` when none is needed. */
  readonly pullSecret: string | null;
}

export interface AlreadyProxiedDecision extends ValidDecisionBase {
  readonly kind: 'already-proxied';
  /** The `registries` key whose proxy prefix the image is already under. */
  readonly rule: string;
}

export interface IgnoredDecision extends ValidDecisionBase {
  readonly kind: 'ignored';
  /** The `ignore` pattern that matched, as written in the mappings document. */
  readonly rule: string;
}

export interface UnmappedDecision extends ValidDecisionBase {
  readonly kind: 'unmapped';
  /**
   * Set when a mapping matched but its result is not a valid reference (e.g. longer than 255 characters):
   * the image is left as is and reported, with this explanation.
   */
  readonly reason?: string;
}

export interface InvalidDecision extends DecisionBase {
  readonly kind: 'invalid';
  /** Why the reference is invalid. */
  readonly error: ImageReferenceError;
}

export interface ProxyUnavailableDecision extends ValidDecisionBase {
  readonly kind: 'proxy-unavailable';
  /** The `registries` key that matched. */
  readonly rule: string;
  /** The proxy host (`host[:port]`) the health check found down. */
  readonly proxy: string;
  /** The image the pod would have used had the proxy been up. */
  readonly proxied: string;
}

export type ImageDecision =
  | RewrittenDecision
  | AlreadyProxiedDecision
  | IgnoredDecision
  | UnmappedDecision
  | InvalidDecision
  | ProxyUnavailableDecision;
