/**
 * The SNS topic every alarm notifies: KMS-encrypted, TLS-only, with an explicit Allow for CloudWatch alarms of
 * this account, and an optional email subscription whose undeliverable notifications land in a dead-letter
 * queue (encrypted with the same key, which SNS may therefore use) instead of being lost.
 * @see https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 */
import {
  ArnFormat,
  Duration,
  aws_iam as iam,
  aws_kms as kms,
  Stack,
  aws_sns as sns,
  aws_sqs as sqs,
  aws_sns_subscriptions as subscriptions,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** The topic's name; derived from the stack name so its ARN is known without a reference. */
  readonly topicName: string;
  /** Subscribe this address to the topic. @default - no subscription */
  readonly alarmEmail?: string;
}

/** Creates the encrypted alarm topic (and the email subscription with its dead-letter queue when asked). */
export function createAlarmTopic(scope: Construct, props: AlarmTopicProps): sns.Topic {
  const stack = Stack.of(scope);
  const alarmArns = stack.formatArn({
    service: 'cloudwatch',
    resource: 'alarm',
    resourceName: '*',
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  // Built from the name, not a reference: the key's policy names the topic, and the topic names the key.
  const topicArn = stack.formatArn({
    service: 'sns',
    resource: props.topicName,
    arnFormat: ArnFormat.NO_RESOURCE_NAME,
  });
  const fromAlarms = {
    StringEquals: { 'aws:SourceAccount': stack.account },
    ArnLike: { 'aws:SourceArn': alarmArns },
  };
  const key = createTopicKey(scope, fromAlarms, topicArn);
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    topicName: props.topicName,
    displayName: 'docker-proxy-webhook alarms',
    masterKey: key,
    enforceSSL: true,
  });
  // Without an explicit Allow, CloudWatch's publish is refused ("no resource-based policy allows SNS:Publish").
  topic.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchAlarms',
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: fromAlarms,
    }),
  );
  if (props.alarmEmail !== undefined) subscribeEmail(scope, topic, key, props.alarmEmail);
  return topic;
}

/** The email subscription, with a dead-letter queue for what SNS could not deliver. */
function subscribeEmail(scope: Construct, topic: sns.Topic, key: kms.IKey, email: string): void {
  // Alarm notifications SNS could not deliver are kept two weeks instead of lost.
  const deadLetterQueue = new sqs.Queue(scope, 'AlarmEmailDeadLetters', {
    encryption: sqs.QueueEncryption.KMS,
    encryptionMasterKey: key,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  topic.addSubscription(new subscriptions.EmailSubscription(email, { deadLetterQueue }));
  // cdk-nag recognises only SQS-to-SQS redrive; this queue is the SNS subscription's dead-letter queue.
  for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    Validations.of(deadLetterQueue).acknowledge({
      id,
      reason:
        'This queue is itself the dead-letter queue of the alarm email subscription (SNS redrive policy).',
    });
  }
}

/** The topic's key: CloudWatch alarms of this account and SNS for this topic (its dead-letter queue) may use it. */
function createTopicKey(scope: Construct, fromAlarms: Record<string, unknown>, topicArn: string): kms.Key {
  const key = new kms.Key(scope, 'TopicKey', {
    enableKeyRotation: true,
    description: 'docker-proxy-webhook alarm topic encryption',
  });
  // CloudWatch alarms publish to the encrypted topic with this key.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: fromAlarms,
    }),
  );
  // SNS itself re-encrypts what it moves to the (same-key) dead-letter queue.
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
        ArnLike: { 'aws:SourceArn': topicArn },
      },
    }),
  );
  return key;
}
