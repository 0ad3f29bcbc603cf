/**
 * The dashboard's widgets, row by row: image decisions, errors, latency, reviews and throttles, the unmapped
 * images table and the alarm status.
 */
import {
  type aws_apigateway as apigateway,
  aws_cloudwatch as cloudwatch,
  type aws_lambda as lambda,
  type aws_logs as logs,
} from 'aws-cdk-lib';
import { MetricName, UNMAPPED_IMAGE_MESSAGE } from '../lambda/telemetry-names.ts';
import { FIVE_MINUTES, webhookMetric } from './alarms.ts';

/** What the dashboard shows. */
export interface DashboardSources {
  readonly function: lambda.IFunction;
  readonly api: apigateway.RestApi;
  readonly functionLogGroup: logs.ILogGroup;
  readonly alarms: cloudwatch.IAlarm[];
}

const period = { period: FIVE_MINUTES };
const graph = (title: string, left: cloudwatch.IMetric[], right: cloudwatch.IMetric[] = []) =>
  new cloudwatch.GraphWidget({ title, left, right, width: 12 });

/** The dashboard rows. */
export function dashboardWidgets(s: DashboardSources): cloudwatch.IWidget[][] {
  const { function: fn, api } = s;
  const decisions = [
    MetricName.ImagesRewritten,
    MetricName.ImagesUnmapped,
    MetricName.ImagesIgnored,
    MetricName.ImagesAlreadyProxied,
    MetricName.ImagesInvalid,
    MetricName.ImagesProxyUnavailable,
  ].map((name) => webhookMetric(name));
  const errors = [
    MetricName.ReviewErrors,
    MetricName.MappingsLoadFailures,
    MetricName.ReviewsWithoutMappings,
    MetricName.ReviewsDenied,
  ].map((name) => webhookMetric(name));
  return [
    [
      new cloudwatch.GraphWidget({ title: 'Image decisions', left: decisions, width: 12, stacked: true }),
      graph('Errors', [
        ...errors,
        fn.metricErrors(period),
        api.metricServerError(period),
        api.metricClientError(period),
      ]),
    ],
    [
      graph(
        'Latency (ms)',
        ['p50', 'p90', 'p99'].map((statistic) => api.metricLatency({ ...period, statistic })),
        ['p50', 'p99'].map((statistic) => fn.metricDuration({ ...period, statistic })),
      ),
      graph(
        'Reviews and throttles',
        [webhookMetric(MetricName.Reviews), fn.metricInvocations(period)],
        [fn.metricThrottles(period)],
      ),
    ],
    [
      new cloudwatch.LogQueryWidget({
        title: 'Unmapped images (add a mapping or an ignore pattern)',
        logGroupNames: [s.functionLogGroup.logGroupName],
        queryLines: [
          'fields @timestamp, image, namespace, name, container',
          `filter message = "${UNMAPPED_IMAGE_MESSAGE}"`,
          'stats count(*) as pods by image',
          'sort pods desc',
        ],
        width: 24,
      }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: s.alarms, width: 24 }),
    ],
  ];
}
