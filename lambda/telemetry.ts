import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ContainerDecision } from './admission/pod.ts';
import type { DecisionKind } from './images/decision.ts';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME, UNMAPPED_IMAGE_MESSAGE } from './telemetry-names.ts';

export { METRICS_NAMESPACE, MetricName, SERVICE_NAME, UNMAPPED_IMAGE_MESSAGE } from './telemetry-names.ts';

/** The structured logger (JSON, one object per line) and the EMF metrics of one webhook instance. */
export interface Telemetry {
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** Creates the Powertools logger and metrics with the service name and namespace operators alarm on. */
export function createTelemetry(overrides: Partial<Telemetry> = {}): Telemetry {
  return {
    logger: overrides.logger ?? new Logger({ serviceName: SERVICE_NAME }),
    metrics: overrides.metrics ?? new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE }),
  };
}

const DECISION_METRIC: Readonly<Record<DecisionKind, MetricName>> = {
  rewritten: MetricName.ImagesRewritten,
  unmapped: MetricName.ImagesUnmapped,
  ignored: MetricName.ImagesIgnored,
  'already-proxied': MetricName.ImagesAlreadyProxied,
  invalid: MetricName.ImagesInvalid,
  'proxy-unavailable': MetricName.ImagesProxyUnavailable,
};

/**
 * What one review log line says. Deliberately a closed list of fields: AdmissionReviews carry full pod
 * specs (env values, commands, secrets), so nothing from the request is logged but these identifiers and
 * the image references.
 */
export interface ReviewRecord {
  readonly endpoint: 'mutate' | 'validate';
  readonly uid: string;
  readonly namespace: string | undefined;
  /** Pod name, or its `generateName` prefix (pods from a Deployment have no name yet). */
  readonly name: string | undefined;
  readonly operation: string;
  readonly subResource: string | undefined;
  readonly dryRun: boolean;
  readonly mappingsRevision: string | undefined;
  readonly observe: boolean;
  readonly patched: boolean;
  readonly denied: boolean;
  /** Why no image was examined (`not a pod`, `operation DELETE`, …). */
  readonly skipped: string | undefined;
  readonly decisions: readonly ContainerDecision[];
}

/** Logs one line for a review and counts its decisions. */
export function recordReview(telemetry: Telemetry, record: ReviewRecord): void {
  const { logger, metrics } = telemetry;
  const counts = new Map<DecisionKind, number>();
  const unmapped: string[] = [];
  const decisions = record.decisions.map(({ list, container, decision }) => {
    counts.set(decision.kind, (counts.get(decision.kind) ?? 0) + 1);
    if (decision.kind === 'unmapped') unmapped.push(decision.input);
    const entry = { list, container, decision: decision.kind, input: decision.input, image: decision.image };
    return decision.kind === 'proxy-unavailable' ? { ...entry, proxy: decision.proxy } : entry;
  });
  metrics.addMetric(MetricName.Reviews, MetricUnit.Count, 1);
  for (const [kind, count] of counts) metrics.addMetric(DECISION_METRIC[kind], MetricUnit.Count, count);
  if (record.denied) metrics.addMetric(MetricName.ReviewsDenied, MetricUnit.Count, 1);
  logger.info('review', {
    endpoint: record.endpoint,
    uid: record.uid,
    namespace: record.namespace,
    name: record.name,
    operation: record.operation,
    subResource: record.subResource,
    dryRun: record.dryRun,
    mappingsRevision: record.mappingsRevision,
    observe: record.observe,
    patched: record.patched,
    denied: record.denied,
    skipped: record.skipped,
    decisions,
    unmapped,
    // Images left upstream because their proxy was down (health checks): the ImagesProxyUnavailable count.
    proxyUnavailable: counts.get('proxy-unavailable') ?? 0,
  });
  // One line per unmapped image: what the unmapped-images alarm's saved query counts, by image.
  const seen = new Set<string>();
  for (const { list, container, decision } of record.decisions) {
    if (decision.kind !== 'unmapped' || seen.has(decision.input)) continue;
    seen.add(decision.input);
    logger.warn(UNMAPPED_IMAGE_MESSAGE, {
      image: decision.input,
      normalized: decision.normalized,
      reason: decision.reason,
      uid: record.uid,
      namespace: record.namespace,
      name: record.name,
      list,
      container,
      observe: record.observe,
    });
  }
}

/** Counts one metric by one. */
export function count(telemetry: Telemetry, name: MetricName): void {
  telemetry.metrics.addMetric(name, MetricUnit.Count, 1);
}
