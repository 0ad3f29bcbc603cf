import { Match, type Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAME } from '../../lambda/telemetry-names.ts';
import { FULL_OPTIONS, propertiesOf, synth } from './synth.ts';

const defaults = synth();
const alarms = (template: Template) => propertiesOf(template, 'AWS::CloudWatch::Alarm');
const find = (template: Template, metric: string) => alarms(template).find((a) => a.MetricName === metric);

describe('alarms', () => {
  it('alarm on the metric names and namespace the function emits (imported, not retyped)', () => {
    const ours = alarms(defaults.template).filter((a) => a.Namespace === METRICS_NAMESPACE);
    expect(ours.map((a) => a.MetricName).sort()).toEqual(
      [
        MetricName.ImagesUnmapped,
        MetricName.ImagesProxyUnavailable,
        MetricName.MappingsLoadFailures,
        MetricName.ReviewErrors,
        MetricName.ReviewsWithoutMappings,
      ].sort(),
    );
    for (const alarm of ours) expect(alarm.Dimensions).toEqual([{ Name: 'service', Value: SERVICE_NAME }]);
  });

  it.each([
    ['AWS/Lambda', 'Errors', 1],
    ['AWS/Lambda', 'Throttles', 1],
    ['AWS/Lambda', 'Duration', 1600],
    ['AWS/ApiGateway', '5XXError', 1],
    ['AWS/ApiGateway', '4XXError', 1],
    ['AWS/ApiGateway', 'Latency', 2000],
    [METRICS_NAMESPACE, MetricName.ImagesUnmapped, 1],
    [METRICS_NAMESPACE, MetricName.ImagesProxyUnavailable, 1],
  ])('alarms on %s %s at %d, with a description saying what to check', (namespace, metric, threshold) => {
    const alarm = alarms(defaults.template).find((a) => a.Namespace === namespace && a.MetricName === metric);
    expect(alarm).toMatchObject({ Threshold: threshold, AlarmActions: [expect.anything()] });
    expect(String(alarm?.AlarmDescription).length).toBeGreaterThan(60);
    expect(String(alarm?.AlarmDescription)).toMatch(/[Cc]heck/);
  });

  it('every alarm, optional ones included, says what to check and notifies the topic when it fires and clears', () => {
    const all = alarms(synth(FULL_OPTIONS).template);
    expect(all).toHaveLength(13);
    for (const alarm of all) {
      expect(String(alarm.AlarmDescription)).toMatch(/[Cc]heck/);
      expect(alarm).toMatchObject({ AlarmActions: [expect.anything()], OKActions: [expect.anything()] });
    }
  });

  it('the duration alarm can fire: its threshold is below the Lambda timeout, which caps durations', () => {
    for (const webhookTimeoutSeconds of [3, 5, 10, 30]) {
      const { template } = synth({ webhookTimeoutSeconds });
      const timeoutMs = Number(propertiesOf(template, 'AWS::Lambda::Function')[0]?.Timeout) * 1000;
      expect(find(template, 'Duration')?.Threshold).toBeLessThan(timeoutMs);
      expect(find(template, 'Duration')?.Threshold).toBe(timeoutMs * 0.8);
    }
  });

  it("API alarms count this stack's API only (ApiName is the stack name)", () => {
    const { template } = synth({ stackName: 'Mine' });
    for (const alarm of alarms(template).filter((a) => a.Namespace === 'AWS/ApiGateway')) {
      expect(alarm.Dimensions).toEqual([{ Name: 'ApiName', Value: 'Mine' }]);
    }
  });

  it('4XX: the alarm names the causes to check (token, resource policy, WAF, throttling as 429)', () => {
    const description = String(find(defaults.template, '4XXError')?.AlarmDescription);
    for (const cause of [
      'MISSING_AUTHENTICATION_TOKEN',
      'ACCESS_DENIED',
      'WAF_FILTERED',
      'THROTTLED (429)',
    ]) {
      expect(description).toContain(cause);
    }
  });

  it('WAF on: an alarm on the rate rule blocks of this stack', () => {
    expect(find(defaults.template, 'BlockedRequests')).toBeUndefined();
    const alarm = find(synth({ waf: true }).template, 'BlockedRequests');
    expect(alarm).toMatchObject({
      Namespace: 'AWS/WAFV2',
      Threshold: 1,
      Dimensions: expect.arrayContaining([
        { Name: 'WebACL', Value: 'DockerProxyWebhook-acl' },
        { Name: 'Rule', Value: 'DockerProxyWebhook-rate-per-source-ip' },
      ]),
    });
  });

  it('noReviewsMinutes: no reviews for N minutes alarms, missing data breaching', () => {
    expect(find(defaults.template, MetricName.Reviews)).toBeUndefined();
    const alarm = find(synth({ noReviewsMinutes: 30 }).template, MetricName.Reviews);
    expect(alarm).toMatchObject({
      Period: 1800,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    expect(String(alarm?.AlarmDescription)).toContain('x509');
  });

  it('takes thresholds from context', () => {
    const { template } = synth({
      unmappedImagesThreshold: 5,
      apiLatencyP99Ms: 800,
      clientErrorsThreshold: 20,
    });
    expect(find(template, MetricName.ImagesUnmapped)?.Threshold).toBe(5);
    expect(find(template, 'Latency')?.Threshold).toBe(800);
    expect(find(template, '4XXError')?.Threshold).toBe(20);
  });
});

describe('alarm delivery', () => {
  it('publishes to an encrypted, TLS-only topic that allows CloudWatch alarms of this account only', () => {
    defaults.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
      TopicName: 'DockerProxyWebhook-alarms',
    });
    defaults.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.objectLike({ 'Fn::Join': Match.anyValue() }) },
            },
          }),
        ]),
      },
    });
    const policy = JSON.stringify(propertiesOf(defaults.template, 'AWS::SNS::TopicPolicy'));
    expect(policy).toContain(':alarm:*');
  });

  it('the key lets CloudWatch (alarms) and SNS (this topic, for the dead-letter queue) encrypt', () => {
    const key = JSON.stringify(propertiesOf(defaults.template, 'AWS::KMS::Key'));
    for (const service of ['cloudwatch.amazonaws.com', 'sns.amazonaws.com']) {
      defaults.template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: service },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Condition: Match.objectLike({
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              }),
            }),
          ]),
        },
      });
    }
    expect(key).toContain(':DockerProxyWebhook-alarms');
  });

  it('email only when given, with an encrypted dead-letter queue', () => {
    defaults.template.resourceCountIs('AWS::SNS::Subscription', 0);
    const { template } = synth({ alarmEmail: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue() },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue() });
  });
});

describe('dashboard and query', () => {
  it('has a dashboard named after the stack and a saved query listing unmapped images by count', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: 'DockerProxyWebhook',
    });
    defaults.template.hasResourceProperties('AWS::Logs::QueryDefinition', {
      Name: 'docker-proxy-webhook/unmapped-images',
      QueryString: Match.stringLikeRegexp(
        'filter message = "unmapped image"[\\s\\S]*by image[\\s\\S]*sort pods desc',
      ),
    });
  });
});
