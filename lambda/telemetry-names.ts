/**
 * The names operators see in CloudWatch: one source of truth, imported by the Lambda's telemetry and by
 * `infra/` (alarms, dashboard), so the two cannot drift apart. Pure constants: importing this file loads
 * nothing else.
 */

/** Powertools service name (`POWERTOOLS_SERVICE_NAME`) and the `service` dimension of every metric. */
export const SERVICE_NAME = 'docker-proxy-webhook';

/** CloudWatch metrics namespace (`POWERTOOLS_METRICS_NAMESPACE`). */
export const METRICS_NAMESPACE = 'DockerProxyWebhook';

/**
 * Metric names. All are counts (unit `Count`), emitted in Embedded Metric Format with the single
 * dimension `service` — never a per-image dimension (cardinality); the images are in the log line.
 */
export const MetricName = {
  /** AdmissionReviews answered (mutate and validate). */
  Reviews: 'Reviews',
  /** Images rewritten to a proxy. */
  ImagesRewritten: 'ImagesRewritten',
  /** Valid images no mapping covers and no ignore pattern matches: pods pull them from upstream. */
  ImagesUnmapped: 'ImagesUnmapped',
  /** Images matched by an `ignore` pattern. */
  ImagesIgnored: 'ImagesIgnored',
  /** Images already under a proxy prefix (reinvocation, or manifests already pointing at the proxy). */
  ImagesAlreadyProxied: 'ImagesAlreadyProxied',
  /** Image strings that are not valid references. */
  ImagesInvalid: 'ImagesInvalid',
  /**
   * Images left as the pod wrote them because their proxy's health check failed (the mapping falls back to the
   * upstream): the cache is down, or unreachable from where the function runs.
   */
  ImagesProxyUnavailable: 'ImagesProxyUnavailable',
  /** Reviews denied by the validating endpoint in `deny` mode. */
  ReviewsDenied: 'ReviewsDenied',
  /** Reviews answered without mappings because none could ever be loaded (allowed unchanged). */
  ReviewsWithoutMappings: 'ReviewsWithoutMappings',
  /** Failed loads or refreshes of the mappings (SSM error, timeout, invalid document). */
  MappingsLoadFailures: 'MappingsLoadFailures',
  /** Reviews that hit an internal error (answered fail-open unless fail-closed is configured). */
  ReviewErrors: 'ReviewErrors',
} as const;

export type MetricName = (typeof MetricName)[keyof typeof MetricName];

/**
 * Log message of the line written for each unmapped image (besides the review line): one image per line, so
 * the saved Logs Insights query and the dashboard can count pods by image.
 */
export const UNMAPPED_IMAGE_MESSAGE = 'unmapped image';
