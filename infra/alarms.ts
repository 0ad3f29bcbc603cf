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

/** One alarm: construct id, metric, threshold, description; `>=` unless `comparison` says otherwise. */
export interface AlarmSpec {
  readonly id: string;
  readonly metric: cloudwatch.IMetric;
  readonly threshold: number;
  readonly description: string;
  readonly comparison?: cloudwatch.ComparisonOperator;
}

/** What the alarm table is computed from. */
export interface AlarmSources {
  readonly function: lambda.IFunction;
  readonly api: apigateway.RestApi;
  readonly unmappedImagesThreshold: number;
  readonly apiLatencyP99Ms: number;
  readonly durationThresholdMs: number;
}

const sum = { period: FIVE_MINUTES, statistic: 'Sum' };
const p99 = { period: FIVE_MINUTES, statistic: 'p99' };
const ABOVE = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;

/** The alarm table. */
export function alarmSpecs(s: AlarmSources): AlarmSpec[] {
  const { function: fn, api } = s;
  return [
    {
      id: 'UnmappedImages',
      metric: webhookMetric(MetricName.ImagesUnmapped),
      threshold: s.unmappedImagesThreshold,
      description: `Pods use images no mapping covers: they pull from the upstream registry, bypassing the cache. Find them with the saved Logs Insights query "${UNMAPPED_IMAGES_QUERY}" (or the dashboard), then add a registries entry or an ignore pattern to the mappings parameter.`,
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
        'Invocations were throttled: pods were admitted per failurePolicy without rewriting. Raise reservedConcurrency or the account concurrency limit.',
    },
    {
      id: 'LambdaDurationP99',
      metric: fn.metricDuration(p99),
      threshold: s.durationThresholdMs,
      description: `Function duration p99 is above ${s.durationThresholdMs} ms, half the webhook timeout: admissions slow down and may time out. Check cold starts (consider provisionedConcurrency) and SSM latency.`,
      comparison: ABOVE,
    },
    {
      id: 'Api5xx',
      metric: api.metricServerError(sum),
      threshold: 1,
      description:
        'API Gateway answered 5XX: the apiserver applied the failurePolicy. Check the access log and the function log.',
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
