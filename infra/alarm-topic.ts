/**
 * The SNS topic every alarm notifies: KMS-encrypted, TLS-only, with an optional email subscription whose
 * undeliverable notifications land in a dead-letter queue instead of being lost.
 */
import {
  Duration,
  aws_iam as iam,
  aws_kms as kms,
  aws_sns as sns,
  aws_sqs as sqs,
  aws_sns_subscriptions as subscriptions,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Subscribe this address to the topic. @default - no subscription */
  readonly alarmEmail?: string;
}

/** Creates the encrypted alarm topic (and the email subscription with its dead-letter queue when asked). */
export function createAlarmTopic(scope: Construct, props: AlarmTopicProps): sns.Topic {
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
    }),
  );
  const topic = new sns.Topic(scope, 'AlarmTopic', {
    displayName: 'docker-proxy-webhook alarms',
    masterKey: key,
    enforceSSL: true,
  });
  if (props.alarmEmail !== undefined) {
    // Alarm notifications SNS could not deliver are kept two weeks instead of lost.
    const deadLetterQueue = new sqs.Queue(scope, 'AlarmEmailDeadLetters', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail, { deadLetterQueue }));
    // cdk-nag recognises only SQS-to-SQS redrive; this queue is the SNS subscription's dead-letter queue.
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(deadLetterQueue).acknowledge({
        id,
        reason:
          'This queue is itself the dead-letter queue of the alarm email subscription (SNS redrive policy).',
      });
    }
  }
  return topic;
}
