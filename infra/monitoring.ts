/**
 * Monitoring: the alarms of `alarms.ts` (to the topic of `alarm-topic.ts`), the dashboard of `dashboard.ts` and
 * a saved Logs Insights query. This file only composes the tables.
 */
import {
  aws_cloudwatch_actions as actions,
  type aws_apigateway as apigateway,
  aws_cloudwatch as cloudwatch,
  type aws_lambda as lambda,
  aws_logs as logs,
  Stack,
  type aws_sns as sns,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEFAULTS } from '../lambda/constants.ts';
import { UNMAPPED_IMAGE_MESSAGE } from '../lambda/telemetry-names.ts';
import { createAlarmTopic } from './alarm-topic.ts';
import { type AlarmSpec, alarmSpecs, UNMAPPED_IMAGES_QUERY } from './alarms.ts';
import { dashboardWidgets } from './dashboard.ts';
import { WebhookPropsError } from './errors.ts';

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
  /** API 4XX answers in 5 minutes that raise the alarm. @default 1 */
  readonly clientErrorsThreshold?: number;
  /** API latency p99 (ms) that raises the alarm; below the webhook timeout. @default 2000 */
  readonly apiLatencyP99Ms?: number;
  /** The webhook's `timeoutSeconds`: the latency threshold must stay below it. @default 3 */
  readonly webhookTimeoutSeconds?: number;
  /** The Lambda timeout: the duration alarm fires at 80% of it. @default 2 */
  readonly lambdaTimeoutSeconds?: number;
  /** WAF metric names, when WAF is on: adds the WAF-blocks alarm. @default - no WAF alarm */
  readonly wafMetricNames?: { readonly webAcl: string; readonly rule: string };
  /** Alarm when no review arrives for this many minutes (missing data breaches). @default - no such alarm */
  readonly noReviewsMinutes?: number;
  /** Dashboard name; the topic is `<dashboardName>-alarms`. @default 'DockerProxyWebhook' */
  readonly dashboardName?: string;
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
    const webhookTimeoutMs = (props.webhookTimeoutSeconds ?? DEFAULTS.webhookTimeoutSeconds) * 1000;
    const latencyMs = props.apiLatencyP99Ms ?? 2000;
    if (latencyMs >= webhookTimeoutMs) {
      throw new WebhookPropsError(
        `apiLatencyP99Ms (${latencyMs}) must be below the webhook timeout (${webhookTimeoutMs} ms) to warn before requests time out`,
      );
    }
    const name = props.dashboardName ?? 'DockerProxyWebhook';
    this.topic = createAlarmTopic(this, { topicName: `${name}-alarms`, alarmEmail: props.alarmEmail });
    const waf = props.wafMetricNames;
    const specs = alarmSpecs({
      function: props.function,
      api: props.api,
      unmappedImagesThreshold: props.unmappedImagesThreshold ?? 1,
      clientErrorsThreshold: props.clientErrorsThreshold ?? 1,
      apiLatencyP99Ms: latencyMs,
      lambdaTimeoutMs: (props.lambdaTimeoutSeconds ?? 2) * 1000,
      waf: waf === undefined ? undefined : { ...waf, region: Stack.of(this).region },
      noReviewsMinutes: props.noReviewsMinutes,
    });
    for (const spec of specs) this.alarm(spec);

    this.unmappedImagesQuery = new logs.QueryDefinition(this, 'UnmappedImagesQuery', {
      queryDefinitionName: UNMAPPED_IMAGES_QUERY,
      logGroups: [props.functionLogGroup],
      queryString: new logs.QueryString({
        filterStatements: [`message = "${UNMAPPED_IMAGE_MESSAGE}"`],
        statsStatements: ['count(*) as pods, latest(namespace) as lastNamespace by image'],
        sort: 'pods desc',
        limit: 100,
      }),
    });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: name,
      widgets: dashboardWidgets({ ...props, alarms: this.alarms }),
    });
    // CloudFormation takes Tags on a dashboard (stack tags reach it); cfn-lint's bundled schema (1.51) does not
    // know them yet. Scoped to this resource and this check only.
    (this.dashboard.node.defaultChild as cloudwatch.CfnDashboard).addMetadata('cfn-lint', {
      config: { ignore_checks: ['E3002'] },
    });
  }

  /** One alarm from a table row, notifying the topic when it fires and when it clears. */
  private alarm(spec: AlarmSpec): cloudwatch.Alarm {
    const created = new cloudwatch.Alarm(this, spec.id, {
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: 1,
      comparisonOperator: spec.comparison ?? cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: spec.missingData ?? cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: spec.description,
    });
    created.addAlarmAction(new actions.SnsAction(this.topic));
    created.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(created);
    return created;
  }
}
