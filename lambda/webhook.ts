/**
 * The webhook, apart from any transport (controller-runtime's `pkg/webhook/admission` split: `http.go` decodes,
 * the handler decides). It answers a decoded AdmissionReview for `/mutate` or `/validate` and reports its
 * health; it knows no HTTP and no API Gateway. The transport (api-gateway.ts, reached through handler.ts or the
 * local server) decodes requests into calls on it and encodes what it returns.
 */
import { mutateReview } from './admission/mutate.ts';
import type { ReviewOutcome } from './admission/outcome.ts';
import { type AdmissionReview, type AdmissionReviewResponse, allowed, errored } from './admission/review.ts';
import { validateReview } from './admission/validate.ts';
import type { WebhookConfig } from './config.ts';
import type { ValidateMode } from './constants.ts';
import type { ProxyHealth } from './health/health.ts';
import { decideWithHealth } from './health/review-health.ts';
import { DecisionCache } from './images/decision-cache.ts';
import { healthPolicies, proxyHosts } from './mappings/health-policy.ts';
import type { Mappings } from './mappings/parse.ts';
import type { MappingsSource } from './mappings/source.ts';
import { toError } from './result.ts';
import { count, MetricName, recordReview, type Telemetry } from './telemetry.ts';

/** What the webhook and its transport need; built once per cold start (dependencies.ts) or per local server. */
export interface WebhookDependencies {
  readonly config: WebhookConfig;
  readonly mappings: MappingsSource<Mappings>;
  readonly telemetry: Telemetry;
  /**
   * Resolves the shared-secret path token; `undefined` when none is configured. Read by the transport (routing),
   * not the webhook. Called per request: cache it.
   */
  readonly pathToken: () => Promise<string | undefined>;
  /**
   * Health of the proxies the mappings ask to check (health/config.ts); probed before deciding, bounded.
   * @default no probes: every proxy counts as unknown (up) — for tests; the Lambda and `npm start` set it.
   */
  readonly proxies?: ProxyHealth;
}

/** The endpoints that answer an AdmissionReview. */
export type ReviewEndpoint = 'mutate' | 'validate';

/** What `health()` reports: the mappings state and the settings that change answers; never a secret. */
export interface HealthReport {
  /**
   * Follows the last load attempt: `unavailable` until mappings were loaded once; `degraded` when the last
   * attempt failed and the last good mappings are served; `ok` when it succeeded (README "GET /healthz").
   */
  readonly status: 'ok' | 'degraded' | 'unavailable';
  readonly mappings: {
    readonly loaded: boolean;
    readonly version: number | undefined;
    readonly revision: string | undefined;
    readonly mode: string | undefined;
    readonly registries: number | undefined;
    readonly ageSeconds: number | undefined;
    readonly stale: boolean;
    readonly lastError: string | undefined;
  };
  readonly validateMode: ValidateMode;
  readonly failClosed: boolean;
  /** Every proxy host of the mappings; checked ones with their state (probed now if due, bounded). */
  readonly proxies: readonly ProxyReport[];
}

/** One proxy in the health report. */
export interface ProxyReport {
  readonly host: string;
  /** Whether a `registries` entry asks for health checks of this proxy. */
  readonly checked: boolean;
  readonly whenDown?: string;
  readonly state?: string;
  /** Seconds since the state was set by an answer. */
  readonly ageSeconds?: number;
  readonly detail?: string;
}

/** The webhook: one call per review, one per health check. */
export interface Webhook {
  /** Answers one decoded review; never throws (fail-open, or fail-closed when configured, on internal errors). */
  review(endpoint: ReviewEndpoint, review: AdmissionReview): Promise<AdmissionReviewResponse>;
  /** Waits for the mappings like a review does (bounded), so a cold instance reports the truth, not "loading". */
  health(): Promise<HealthReport>;
}

const NO_MAPPINGS_WARNING =
  'docker-proxy-webhook: no registry mappings are loaded yet; images left unchanged (see the webhook logs)';
const INTERNAL_ERROR_WARNING =
  'docker-proxy-webhook: internal error; pod admitted unchanged (see the webhook logs)';

/** Name, or the `generateName` prefix of pods created by controllers. */
function podName(review: AdmissionReview): string | undefined {
  const request = review.request;
  if (request.name) return request.name;
  const metadata = (request.object as { metadata?: { generateName?: unknown } } | undefined)?.metadata;
  return typeof metadata?.generateName === 'string' ? `${metadata.generateName}*` : undefined;
}

/** The identifiers every log line about a review carries (never the pod spec). */
function reviewIdentity(endpoint: ReviewEndpoint, review: AdmissionReview) {
  const request = review.request;
  return {
    endpoint,
    uid: request.uid,
    namespace: request.namespace,
    name: podName(review),
    operation: request.operation,
    subResource: request.subResource,
    dryRun: request.dryRun === true,
  };
}

type CoreDependencies = Omit<WebhookDependencies, 'pathToken'>;

/** Without a prober: nothing is ever probed, every proxy is unknown (counts as up). */
const NO_PROBES: ProxyHealth = { check: async () => new Map(), statuses: () => [], inFlight: 0 };

/** The proxies of the mappings, checked ones probed (if due) and reported with their state. */
async function reportProxies(mappings: Mappings, proxies: ProxyHealth): Promise<ProxyReport[]> {
  const hosts = proxyHosts(mappings);
  await proxies.check(hosts.filter((h) => h.checked).map((h) => h.host));
  const now = Date.now();
  const states = new Map(proxies.statuses().map((status) => [status.host, status]));
  return hosts.map((entry) => {
    const status = states.get(entry.host);
    if (!entry.checked || status === undefined) return entry;
    return {
      ...entry,
      state: status.state,
      ...(status.checkedAt === undefined ? {} : { ageSeconds: Math.round((now - status.checkedAt) / 1000) }),
      ...(status.detail === undefined ? {} : { detail: status.detail }),
    };
  });
}

/** Decides one review under the current mappings and records it (one log line, metrics). May throw on a bug. */
async function decideReview(
  deps: CoreDependencies,
  decisions: DecisionCache,
  endpoint: ReviewEndpoint,
  review: AdmissionReview,
): Promise<AdmissionReviewResponse> {
  const { telemetry, config } = deps;
  const base = reviewIdentity(endpoint, review);
  const snapshot = await deps.mappings.current();
  const mappings = snapshot.value;
  if (mappings === undefined) {
    count(telemetry, MetricName.ReviewsWithoutMappings);
    telemetry.logger.warn('review answered without mappings', { ...base, lastError: snapshot.lastError });
    return allowed(review, { warnings: [NO_MAPPINGS_WARNING] });
  }
  // Health is applied per review, on top of the cached health-free decisions (review-health.ts).
  const { decide } = await decideWithHealth(
    review,
    decisions.decider(mappings),
    healthPolicies(mappings),
    deps.proxies ?? NO_PROBES,
  );
  const outcome: ReviewOutcome =
    endpoint === 'mutate'
      ? mutateReview(review, decide, { observe: mappings.mode === 'observe' })
      : validateReview(review, decide, { mode: config.validateMode });
  recordReview(telemetry, {
    ...base,
    mappingsRevision: mappings.revision,
    observe: mappings.mode === 'observe',
    patched: outcome.patched,
    denied: outcome.denied,
    skipped: outcome.skipped,
    decisions: outcome.decisions,
  });
  return outcome.response;
}

/** The answer to a review whose decision failed on a bug: counted, logged, then fail-open (or fail-closed). */
function failedReview(
  deps: CoreDependencies,
  endpoint: ReviewEndpoint,
  review: AdmissionReview,
  error: unknown,
): AdmissionReviewResponse {
  const { telemetry, config } = deps;
  count(telemetry, MetricName.ReviewErrors);
  // The error object only: its message never holds the pod spec (the core builds messages from images).
  telemetry.logger.error('review failed', {
    ...reviewIdentity(endpoint, review),
    failClosed: config.failClosed,
    error: toError(error),
  });
  return config.failClosed
    ? errored(review, 'docker-proxy-webhook: internal error; denied because FAIL_CLOSED is set')
    : allowed(review, { warnings: [INTERNAL_ERROR_WARNING] });
}

async function reportHealth(deps: CoreDependencies): Promise<HealthReport> {
  const snapshot = await deps.mappings.current();
  const mappings = snapshot.value;
  return {
    status: mappings === undefined ? 'unavailable' : snapshot.lastError !== undefined ? 'degraded' : 'ok',
    mappings: {
      loaded: mappings !== undefined,
      version: mappings?.version,
      revision: mappings?.revision,
      mode: mappings?.mode,
      registries: mappings?.registryCount,
      ageSeconds: snapshot.ageMs === undefined ? undefined : Math.round(snapshot.ageMs / 1000),
      stale: snapshot.stale,
      lastError: snapshot.lastError,
    },
    validateMode: deps.config.validateMode,
    failClosed: deps.config.failClosed,
    proxies: mappings === undefined ? [] : await reportProxies(mappings, deps.proxies ?? NO_PROBES),
  };
}

/** Builds the webhook over its dependencies; keeps one decision cache for its lifetime. */
export function createWebhook(deps: CoreDependencies): Webhook {
  const decisions = new DecisionCache();
  return {
    async review(endpoint, review) {
      try {
        return await decideReview(deps, decisions, endpoint, review);
      } catch (error) {
        return failedReview(deps, endpoint, review, error);
      }
    },
    health: () => reportHealth(deps),
  };
}
