import { isAbsolute, join } from 'node:path';
import {
  CfnOutput,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeploymentOptions } from './context.ts';
import { defaultMappingsFile } from './context.ts';
import type { EcrCache } from './ecr-cache.ts';
import { addEcrCache, ecrCacheMappingsFile } from './ecr-cache-stack.ts';
import { MappingsParameter } from './mappings-parameter.ts';
import { Monitoring } from './monitoring.ts';
import { TOKEN_PARAMETER, WebhookApi } from './webhook-api.ts';
import { PROJECT_ROOT, WebhookFunction } from './webhook-function.ts';

export interface WebhookStackProps extends StackProps {
  /** Every deployment option (see infra/context.ts for meanings and defaults). */
  readonly options: DeploymentOptions;
}

/** Output names, read back by `docker-proxy-webhook manifests` to generate the webhook configurations. */
export const OUTPUT = {
  mutateUrl: 'MutateUrl',
  validateUrl: 'ValidateUrl',
  healthUrl: 'HealthUrl',
  mappingsParameterName: 'MappingsParameterName',
  dashboardUrl: 'DashboardUrl',
  alarmTopicArn: 'AlarmTopicArn',
  pathTokenSecretArn: 'PathTokenSecretArn',
  pathTokenSecretName: 'PathTokenSecretName',
  validateMode: 'ValidateMode',
  pathTokenCommand: 'PathTokenCommand',
  webhookTimeoutSeconds: 'WebhookTimeoutSeconds',
} as const;

/** The placeholder in URL outputs when a path token is configured: the token is never in the template. */
export const TOKEN_PLACEHOLDER = TOKEN_PARAMETER;

/**
 * docker-proxy-webhook: the mappings parameter, the function, the API and the monitoring around them.
 * Environment-agnostic: synthesizes offline with no credentials.
 */
export class WebhookStack extends Stack {
  readonly webhook: WebhookFunction;
  readonly webhookApi: WebhookApi;
  readonly monitoring: Monitoring;
  readonly mappings: MappingsParameter;
  readonly pathTokenSecret?: secretsmanager.Secret;
  /** The ECR pull-through cache, when `ecrCache` names upstreams. */
  readonly ecrCache?: EcrCache;

  constructor(scope: Construct, id: string, props: WebhookStackProps) {
    super(scope, id, {
      description:
        'docker-proxy-webhook: Kubernetes admission webhook rewriting pod images to pull-through caches',
      ...props,
    });
    const o = props.options;
    const cacheOn = o.ecrCache.length > 0;
    const given = o.mappingsFile ?? (cacheOn ? ecrCacheMappingsFile : defaultMappingsFile)(PROJECT_ROOT);
    const file = isAbsolute(given) ? given : join(PROJECT_ROOT, given);
    this.mappings = new MappingsParameter(this, 'Mappings', {
      file,
      parameterName: o.mappingsParameterName,
    });

    const pathTokenSecretName = `${this.stackName}/path-token`;
    if (o.pathToken) {
      this.pathTokenSecret = new secretsmanager.Secret(this, 'PathToken', {
        secretName: pathTokenSecretName,
        description: 'docker-proxy-webhook: the secret path segment of the webhook URLs (/<token>/mutate)',
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      });
      Validations.of(this.pathTokenSecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The token is baked into the cluster webhook configurations: an automatic rotation would break admission until they are regenerated. README documents a manual rotation (new secret value, regenerate, re-apply).',
      });
    }

    this.webhook = new WebhookFunction(this, 'Webhook', {
      mappingsParameter: this.mappings.parameter,
      mappingsTtlSeconds: o.mappingsTtlSeconds,
      pathTokenSecret: this.pathTokenSecret,
      pathTokenSecretName,
      validateMode: o.validateMode,
      failClosed: o.failClosed,
      memorySize: o.memorySize,
      timeoutSeconds: o.timeoutSeconds,
      webhookTimeoutSeconds: o.webhookTimeoutSeconds,
      reservedConcurrency: o.reservedConcurrency,
      provisionedConcurrency: o.provisionedConcurrency,
      logRetentionDays: o.logRetentionDays,
    });

    this.ecrCache = addEcrCache(this, o, { function: this.webhook.function, mappingsFile: file });

    this.webhookApi = new WebhookApi(this, 'Api', {
      handler: this.webhook.target,
      pathToken: o.pathToken,
      webhookTimeoutSeconds: o.webhookTimeoutSeconds,
      throttleRateLimit: o.throttleRateLimit,
      throttleBurstLimit: o.throttleBurstLimit,
      logRetentionDays: o.logRetentionDays,
      allowedSourceCidrs: o.allowedSourceCidrs,
      endpointType: o.endpointType,
      vpcEndpointIds: o.vpcEndpointIds,
      waf: o.waf,
      wafRateLimit: o.wafRateLimit,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: this.webhook.function,
      functionLogGroup: this.webhook.logGroup,
      api: this.webhookApi.api,
      alarmEmail: o.alarmEmail,
      unmappedImagesThreshold: o.unmappedImagesThreshold,
      apiLatencyP99Ms: o.apiLatencyP99Ms,
      webhookTimeoutSeconds: o.webhookTimeoutSeconds,
      dashboardName: this.stackName,
    });

    const prefix = `${this.webhookApi.baseUrl}${o.pathToken ? `${TOKEN_PLACEHOLDER}/` : ''}`;
    const tokenNote = o.pathToken ? ` ({token} is the ${OUTPUT.pathTokenSecretArn} secret's value)` : '';
    new CfnOutput(this, OUTPUT.mutateUrl, {
      value: `${prefix}mutate`,
      description: `MutatingWebhookConfiguration URL${tokenNote}`,
    });
    new CfnOutput(this, OUTPUT.validateUrl, {
      value: `${prefix}validate`,
      description: `ValidatingWebhookConfiguration URL${tokenNote}`,
    });
    new CfnOutput(this, OUTPUT.healthUrl, {
      value: `${prefix}healthz`,
      description: `Health check (GET)${tokenNote}`,
    });
    new CfnOutput(this, OUTPUT.mappingsParameterName, {
      value: this.mappings.parameter.parameterName,
      description: 'SSM parameter holding the mappings document',
    });
    new CfnOutput(this, OUTPUT.dashboardUrl, {
      value: `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards/dashboard/${this.stackName}`,
      description: 'CloudWatch dashboard',
    });
    new CfnOutput(this, OUTPUT.alarmTopicArn, {
      value: this.monitoring.topic.topicArn,
      description: 'SNS topic of the alarms',
    });
    new CfnOutput(this, OUTPUT.webhookTimeoutSeconds, {
      value: String(o.webhookTimeoutSeconds),
      description: 'timeoutSeconds for the webhook configurations',
    });
    new CfnOutput(this, OUTPUT.validateMode, {
      value: o.validateMode,
      description: 'How /validate answers images not pulled through a proxy (warn or deny)',
    });
    if (this.pathTokenSecret !== undefined) {
      new CfnOutput(this, OUTPUT.pathTokenSecretName, {
        value: pathTokenSecretName,
        description: 'Name of the path token secret (read by `docker-proxy-webhook manifests`)',
      });
      new CfnOutput(this, OUTPUT.pathTokenSecretArn, {
        value: this.pathTokenSecret.secretArn,
        description: 'Secrets Manager secret holding the path token',
      });
      new CfnOutput(this, OUTPUT.pathTokenCommand, {
        value: `aws secretsmanager get-secret-value --secret-id ${this.pathTokenSecret.secretArn} --query SecretString --output text`,
        description: 'Prints the path token',
      });
    }

    acknowledgeByDesign(this, o.waf);
  }
}

/** cdk-nag findings this design accepts, each with the reason a reviewer needs. */
function acknowledgeByDesign(stack: Stack, waf: boolean): void {
  const acks: { id: string; reason: string }[] = [
    {
      id: 'AwsSolutions-APIG2',
      reason:
        'The function validates every request itself and answers precise 400/413/415 messages; an API Gateway model would only replace them with a generic error.',
    },
    {
      id: 'AwsSolutions-APIG4',
      reason:
        'The caller is the kube-apiserver, which cannot sign SigV4 or obtain Cognito/JWT tokens for webhooks. Access is controlled by the secret path token (Secrets Manager), the optional source-CIDR resource policy, the optional private endpoint and the optional WAF.',
    },
    {
      id: 'AwsSolutions-COG4',
      reason: 'As AwsSolutions-APIG4: the kube-apiserver cannot use a Cognito user pool authorizer.',
    },
    {
      id: 'AwsSolutions-APIG6',
      reason:
        'Execution logging needs an account-wide API Gateway CloudWatch role this stack should not change; every request is in the JSON access log and every review in the function log.',
    },
    {
      id: 'Serverless-APIGWXrayEnabled',
      reason:
        'One hop (API Gateway → Lambda): access-log latencies and function EMF metrics cover it without per-admission tracing cost.',
    },
    {
      id: 'Serverless-LambdaTracing',
      reason: 'As Serverless-APIGWXrayEnabled; tracing would also need xray:* on Resource::*.',
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'The function is only invoked synchronously by API Gateway: there are no asynchronous events to dead-letter.',
    },
  ];
  if (!waf) {
    acks.push({
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF is optional (-c waf=true): the API has stage throttling, and a resource policy when allowedSourceCidrs is set.',
    });
  }
  for (const ack of acks) Validations.of(stack).acknowledge(ack);
}
