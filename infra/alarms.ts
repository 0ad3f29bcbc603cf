/**
 * The alarm table: one row per alarm, with the metric, the threshold and the description the person paged
 * reads first (what it means, what to check). `Monitoring` turns each row into a CloudWatch alarm.
 */

import type { aws_lambda as lambda } from 'aws-cdk-lib';
import { type aws_apigateway as apigateway, aws_cloudwatch as cloudwatch, Duration } from 'aws-cdk-lib';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../lambda/telemetry-names.ts';

/** The period of every alarm and dashboard metric. */
export const FIVE_MINUTES = Duration.minutes(5);

/** Name of the saved Logs Insights query listing unmapped images (alarm descriptions point to it). */
export const UNMAPPED_IMAGES_QUERY = 'docker-proxy-webhook/unmapped-images';

/** A webhook metric, exactly as the function emits it (EMF, dimension `service`). */
export function webhookMetric(name: MetricName, statistic = 'Sum'): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period: FIVE_MINUTES,
  });
}

/**
 * One alarm: construct id, metric, threshold, description; `>=` unless `comparison` says otherwise; missing
 * data is not breaching unless `missingData` says otherwise.
 */
export interface AlarmSpec {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description: string;
  readonly comparison?: cloudwatch.ComparisonOperator;
  readonly missingData?: cloudwatch.TreatMissingData;
}

/** What the alarm table is computed from. */
export interface AlarmSources {
  readonly function: lambda.IFunction;
  readonly api: apigateway.RestApi;
  readonly unmappedImagesThreshold: number;
  readonly clientErrorsThreshold: number;
  readonly apiLatencyP99Ms: number;
  /** The Lambda timeout: the duration alarm fires before durations reach it. */
  readonly lambdaTimeoutMs: number;
  /** The WAF metric names, when WAF is on. */
  readonly waf?: { readonly webAcl: string; readonly rule: string; readonly region: string };
  /** Alarm when no review arrives for this many minutes. */
  readonly noReviewsMinutes?: number;
}

/** The duration alarm's share of the Lambda timeout: durations are capped at the timeout, so alarm below it. */
export const DURATION_ALARM_SHARE = 0.8;

const sum = { period: FIVE_MINUTES, statistic: 'Sum' };
const p99 = { period: FIVE_MINUTES, statistic: 'p99' };
const ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;

/** The alarm table: the ones every stack has, then the optional ones. */
export function alarmSpecs(s: AlarmSources): AlarmSpec[] {
  return [...baseAlarms(s), ...optionalAlarms(s)];
}

function baseAlarms(s: AlarmSources): AlarmSpec[] {
  const { function: fn, api } = s;
  const durationMs = Math.round(s.lambdaTimeoutMs * DURATION_ALARM_SHARE);
  return [
    {
      id: 'UnmappedImages',
      metric: webhookMetric(MetricName.ImagesUnmapped),
      threshold: s.unmappedImagesThreshold,
      description: `Pods use images no mapping covers: they pull from the upstream registry, bypassing the cache. Check which with the saved Logs Insights query "${UNMAPPED_IMAGES_QUERY}" (or the dashboard), then add a registries entry or an ignore pattern to the mappings parameter.`,
    },
    {
      id: 'ProxyUnavailable',
      metric: webhookMetric(MetricName.ImagesProxyUnavailable),
      threshold: 1,
      description:
        'Images were left upstream because their proxy failed its health check (GET https://<proxy>/v2/): the cache is down, or unreachable from where the function runs (Lambda is outside the cluster). Pods still start, from the upstream. Check the HealthUrl: proxies[].detail says what the probe saw. Reachable from the nodes only: run the function in the VPC (vpcSubnetIds) or set "healthCheck": false on that entry.',
    },
    {
      id: 'MappingsLoadFailures',
      metric: webhookMetric(MetricName.MappingsLoadFailures),
      threshold: 1,
      description:
        'The function could not load the mappings parameter (SSM error, timeout, or an invalid document). It keeps serving the last good mappings. Check the function log for "mappings load failed": the error names the JSON path of an invalid document; fix the parameter.',
    },
    {
      id: 'ReviewsWithoutMappings',
      metric: webhookMetric(MetricName.ReviewsWithoutMappings),
      threshold: 1,
      description:
        'Pods were admitted unchanged because no mappings have ever loaded on some instance. Check the mappings parameter exists and is valid (function log: "mappings load failed").',
    },
    {
      id: 'ReviewErrors',
      metric: webhookMetric(MetricName.ReviewErrors),
      threshold: 1,
      description:
        'The webhook hit an internal error; pods were admitted unchanged (fail-open) unless FAIL_CLOSED is set. Check the function log for "review failed" and report the bug.',
    },
    {
      id: 'LambdaErrors',
      metric: fn.metricErrors(sum),
      threshold: 1,
      description:
        'The function failed invocations (crash, timeout, bad configuration at cold start). The apiserver applied the failurePolicy. Check the function log.',
    },
    {
      id: 'LambdaThrottles',
      metric: fn.metricThrottles(sum),
      threshold: 1,
      description:
        'Invocations were throttled: pods were admitted per failurePolicy without rewriting. Check ConcurrentExecutions on the dashboard, then raise -c reservedConcurrency (or the account concurrency limit).',
    },
    {
      id: 'LambdaDurationP99',
      metric: fn.metricDuration(p99),
      threshold: durationMs,
      description: `Function duration p99 is above ${durationMs} ms, ${DURATION_ALARM_SHARE * 100}% of the Lambda timeout: reviews are about to time out and pods go unrewritten. Check the function log for "mappings load failed" (SSM latency) and the Init Duration of cold starts (consider provisionedConcurrency).`,
      comparison: ABOVE,
    },
    {
      id: 'Api5xx',
      metric: api.metricServerError(sum),
      threshold: 1,
      description:
        'API Gateway answered 5XX: the apiserver applied the failurePolicy. Check the access log (status, integrationStatus, errorMessage: 502 is a function error or timeout, 504 an integration timeout) and the function log.',
    },
    {
      id: 'Api4xx',
      metric: api.metricClientError(sum),
      threshold: s.clientErrorsThreshold,
      description:
        'API Gateway refused requests (4XX): with failurePolicy Ignore those pods were admitted unrewritten. Check errorResponseType in the access log: MISSING_AUTHENTICATION_TOKEN = wrong or stale path token (regenerate and re-apply the webhook configurations), ACCESS_DENIED = resource policy (allowedSourceCidrs, vpcEndpointIds), WAF_FILTERED = WAF rate rule, THROTTLED (429) = raise throttleRateLimit/throttleBurstLimit.',
    },
    {
      id: 'ApiLatencyP99',
      metric: api.metricLatency(p99),
      threshold: s.apiLatencyP99Ms,
      description: `API latency p99 is above ${s.apiLatencyP99Ms} ms: pod creation is slowed by the webhook. Check function duration and cold starts.`,
      comparison: ABOVE,
    },
  ];
}

function optionalAlarms(s: AlarmSources): AlarmSpec[] {
  const specs: AlarmSpec[] = [];
  if (s.waf !== undefined) {
    specs.push({
      id: 'WafBlocks',
      metric: new cloudwatch.Metric({
        namespace: 'AWS/WAFV2',
        metricName: 'BlockedRequests',
        dimensionsMap: { WebACL: s.waf.webAcl, Rule: s.waf.rule, Region: s.waf.region },
        statistic: 'Sum',
        period: FIVE_MINUTES,
      }),
      threshold: 1,
      description: `WAF blocked requests above wafRateLimit per source IP: if the source is your cluster (its egress IP), pods were admitted unrewritten; raise -c wafRateLimit. Check the WAF sampled requests and the access log (wafStatus, sourceIp).`,
    });
  }
  if (s.noReviewsMinutes !== undefined) {
    specs.push({
      id: 'NoReviews',
      metric: webhookMetric(MetricName.Reviews).with({ period: Duration.minutes(s.noReviewsMinutes) }),
      threshold: 1,
      comparison: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      missingData: cloudwatch.TreatMissingData.BREACHING,
      description: `No review arrived for ${s.noReviewsMinutes} minutes, though this cluster creates pods all the time: the apiserver cannot reach the webhook (DNS, TLS/x509, network, a deleted webhook configuration) and, with failurePolicy Ignore, admits pods unrewritten. Check the apiserver log for "failed calling webhook", then kubectl get mutatingwebhookconfiguration and the URL.`,
    });
  }
  return specs;
}
