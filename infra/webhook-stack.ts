import { isAbsolute, join } from 'node:path';
import { Stack, type StackProps, aws_secretsmanager as secretsmanager, Validations } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeploymentOptions } from './context.ts';
import { defaultMappingsFile } from './context.ts';
import type { EcrCache } from './ecr-cache.ts';
import { addEcrCache, ecrCacheMappingsFile } from './ecr-cache-stack.ts';
import { MappingsParameter } from './mappings-parameter.ts';
import { Monitoring } from './monitoring.ts';
import { addOutputs } from './outputs.ts';
import { WebhookApi } from './webhook-api.ts';
import { PROJECT_ROOT, WebhookFunction } from './webhook-function.ts';

export interface WebhookStackProps extends StackProps {
  /** Every deployment option (see infra/context.ts for meanings and defaults). */
  readonly options: DeploymentOptions;
}

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
    if (o.pathToken) this.pathTokenSecret = createPathTokenSecret(this, pathTokenSecretName);

    // The options carry the same names as the constructs' props.
    this.webhook = new WebhookFunction(this, 'Webhook', {
      ...o,
      mappingsParameter: this.mappings.parameter,
      pathTokenSecret: this.pathTokenSecret,
      pathTokenSecretName,
    });
    this.ecrCache = addEcrCache(this, o, { function: this.webhook.function, mappingsFile: file });
    this.webhookApi = new WebhookApi(this, 'Api', { ...o, handler: this.webhook.target });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...o,
      function: this.webhook.function,
      functionLogGroup: this.webhook.logGroup,
      api: this.webhookApi.api,
      dashboardName: this.stackName,
    });

    addOutputs(this, {
      ...o,
      baseUrl: this.webhookApi.baseUrl,
      mappingsParameterName: this.mappings.parameter.parameterName,
      alarmTopicArn: this.monitoring.topic.topicArn,
      pathTokenSecret: this.pathTokenSecret,
      pathTokenSecretName,
    });
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

/** The secret holding the path token: generated by Secrets Manager, so it is never in the template. */
function createPathTokenSecret(stack: Stack, secretName: string): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(stack, 'PathToken', {
    secretName,
    description: 'docker-proxy-webhook: the secret path segment of the webhook URLs (/<token>/mutate)',
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The token is baked into the cluster webhook configurations: an automatic rotation would break admission until they are regenerated. README documents a manual rotation (new secret value, regenerate, re-apply).',
  });
  return secret;
}
