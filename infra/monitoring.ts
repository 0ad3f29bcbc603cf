import {
  aws_cloudwatch_actions as actions,
  type aws_apigateway as apigateway,
  aws_cloudwatch as cloudwatch,
  Duration,
  aws_iam as iam,
  aws_kms as kms,
  type aws_lambda as lambda,
  aws_logs as logs,
  aws_sns as sns,
  aws_sqs as sqs,
  aws_sns_subscriptions as subscriptions,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  METRICS_NAMESPACE,
  MetricName,
  SERVICE_NAME,
  UNMAPPED_IMAGE_MESSAGE,
} from '../lambda/telemetry-names.ts';
import { WebhookPropsError } from './webhook-function.ts';

export interface MonitoringProps {
  /** The webhook function (errors, throttles, duration). */
  readonly function: lambda.IFunction;
  /** Its log group: the saved query and the dashboard's unmapped-images table read it. */
  readonly functionLogGroup: logs.ILogGroup;
  /** The REST API (5XX, latency). */
  readonly api: apigateway.RestApi;
  /** Subscribe this address to the alarm topic. @default - no subscription */
  readonly alarmEmail?: string;
  /** Unmapped images in 5 minutes that raise the alarm. @default 1 */
  readonly unmappedImagesThreshold?: number;
  /** API latency p99 (ms) that raises the alarm. @default 2000 */
  readonly apiLatencyP99Ms?: number;
  /** The webhook's `timeoutSeconds`: the duration alarm fires at half of it. @default 10 */
  readonly webhookTimeoutSeconds?: number;
  /** Dashboard name. @default 'DockerProxyWebhook' */
  readonly dashboardName?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

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
 * Alarms (to an encrypted, TLS-only SNS topic), a dashboard and a saved Logs Insights query. Each alarm's
 * description says what it means and what to do, because it is what the person paged reads first.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly dashboard: cloudwatch.Dashboard;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly unmappedImagesQuery: logs.QueryDefinition;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const webhookTimeoutMs = (props.webhookTimeoutSeconds ?? 10) * 1000;
    const latencyMs = props.apiLatencyP99Ms ?? 2000;
    if (latencyMs >= webhookTimeoutMs) {
      throw new WebhookPropsError(
        `apiLatencyP99Ms (${latencyMs}) must be below the webhook timeout (${webhookTimeoutMs} ms) to warn before requests time out`,
      );
    }

    const key = new kms.Key(this, 'TopicKey', {
      enableKeyRotation: true,
      description: 'docker-proxy-webhook alarm topic encryption',
    });
    // CloudWatch alarms publish to the encrypted topic with this key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'docker-proxy-webhook alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      // Alarm notifications SNS could not deliver are kept two weeks instead of lost.
      const deadLetterQueue = new sqs.Queue(this, 'AlarmEmailDeadLetters', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail, { deadLetterQueue }));
      // cdk-nag recognises only SQS-to-SQS redrive; this queue is the SNS subscription's dead-letter queue.
      for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
        Validations.of(deadLetterQueue).acknowledge({
          id,
          reason:
            'This queue is itself the dead-letter queue of the alarm email subscription (SNS redrive policy).',
        });
      }
    }

    const fn = props.function;
    const api = props.api;
    const queryName = 'docker-proxy-webhook/unmapped-images';
    const alarm = (
      id: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      description: string,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ) => {
      const created = new cloudwatch.Alarm(this, id, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: comparison,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(new actions.SnsAction(this.topic));
      created.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(created);
      return created;
    };

    alarm(
      'UnmappedImages',
      webhookMetric(MetricName.ImagesUnmapped),
      props.unmappedImagesThreshold ?? 1,
      `Pods use images no mapping covers: they pull from the upstream registry, bypassing the cache. Find them with the saved Logs Insights query "${queryName}" (or the dashboard), then add a registries entry or an ignore pattern to the mappings parameter.`,
    );
    alarm(
      'MappingsLoadFailures',
      webhookMetric(MetricName.MappingsLoadFailures),
      1,
      'The function could not load the mappings parameter (SSM error, timeout, or an invalid document). It keeps serving the last good mappings. Check the function log for "mappings load failed": the error names the JSON path of an invalid document; fix the parameter.',
    );
    alarm(
      'ReviewsWithoutMappings',
      webhookMetric(MetricName.ReviewsWithoutMappings),
      1,
      'Pods were admitted unchanged because no mappings have ever loaded on some instance. Check the mappings parameter exists and is valid (function log: "mappings load failed").',
    );
    alarm(
      'ReviewErrors',
      webhookMetric(MetricName.ReviewErrors),
      1,
      'The webhook hit an internal error; pods were admitted unchanged (fail-open) unless FAIL_CLOSED is set. Check the function log for "review failed" and report the bug.',
    );
    alarm(
      'LambdaErrors',
      fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'The function failed invocations (crash, timeout, bad configuration at cold start). The apiserver applied the failurePolicy. Check the function log.',
    );
    alarm(
      'LambdaThrottles',
      fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'Invocations were throttled: pods were admitted per failurePolicy without rewriting. Raise reservedConcurrency or the account concurrency limit.',
    );
    const durationThresholdMs = webhookTimeoutMs / 2;
    alarm(
      'LambdaDurationP99',
      fn.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
      durationThresholdMs,
      `Function duration p99 is above ${durationThresholdMs} ms, half the webhook timeout: admissions slow down and may time out. Check cold starts (consider provisionedConcurrency) and SSM latency.`,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    alarm(
      'Api5xx',
      api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }),
      1,
      'API Gateway answered 5XX: the apiserver applied the failurePolicy. Check the access log and the function log.',
    );
    alarm(
      'ApiLatencyP99',
      api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }),
      latencyMs,
      `API latency p99 is above ${latencyMs} ms: pod creation is slowed by the webhook. Check function duration and cold starts.`,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );

    this.unmappedImagesQuery = new logs.QueryDefinition(this, 'UnmappedImagesQuery', {
      queryDefinitionName: queryName,
      logGroups: [props.functionLogGroup],
      queryString: new logs.QueryString({
        filterStatements: [`message = "${UNMAPPED_IMAGE_MESSAGE}"`],
        statsStatements: ['count(*) as pods, latest(namespace) as lastNamespace by image'],
        sort: 'pods desc',
        limit: 100,
      }),
    });

    const decisions = [
      MetricName.ImagesRewritten,
      MetricName.ImagesUnmapped,
      MetricName.ImagesIgnored,
      MetricName.ImagesAlreadyProxied,
      MetricName.ImagesInvalid,
    ].map((name) => webhookMetric(name));
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'DockerProxyWebhook',
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'Image decisions', left: decisions, width: 12, stacked: true }),
          new cloudwatch.GraphWidget({
            title: 'Errors',
            left: [
              webhookMetric(MetricName.ReviewErrors),
              webhookMetric(MetricName.MappingsLoadFailures),
              webhookMetric(MetricName.ReviewsWithoutMappings),
              webhookMetric(MetricName.ReviewsDenied),
              fn.metricErrors({ period: FIVE_MINUTES }),
              api.metricServerError({ period: FIVE_MINUTES }),
              api.metricClientError({ period: FIVE_MINUTES }),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Latency (ms)',
            left: ['p50', 'p90', 'p99'].map((statistic) =>
              api.metricLatency({ period: FIVE_MINUTES, statistic }),
            ),
            right: ['p50', 'p99'].map((statistic) => fn.metricDuration({ period: FIVE_MINUTES, statistic })),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Reviews and throttles',
            left: [webhookMetric(MetricName.Reviews), fn.metricInvocations({ period: FIVE_MINUTES })],
            right: [fn.metricThrottles({ period: FIVE_MINUTES })],
            width: 12,
          }),
        ],
        [
          new cloudwatch.LogQueryWidget({
            title: 'Unmapped images (add a mapping or an ignore pattern)',
            logGroupNames: [props.functionLogGroup.logGroupName],
            queryLines: [
              'fields @timestamp, image, namespace, name, container',
              `filter message = "${UNMAPPED_IMAGE_MESSAGE}"`,
              'stats count(*) as pods by image',
              'sort pods desc',
            ],
            width: 24,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 }),
        ],
      ],
    });
  }
}
