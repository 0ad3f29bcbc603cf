import { isAbsolute, join } from 'node:path';
import {
  SecretValue,
  Stack,
  type StackProps,
  aws_secretsmanager as secretsmanager,
  Tags,
  Validations,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { wafMetricNames } from './api-protection.ts';
import { deriveBudget } from './budget.ts';
import type { EcrCache } from './ecr-cache.ts';
import { addEcrCache, ecrCacheMappingsFile } from './ecr-cache-stack.ts';
import { WebhookPropsError } from './errors.ts';
import { MappingsParameter } from './mappings-parameter.ts';
import { Monitoring } from './monitoring.ts';
import { acknowledgeByDesign } from './nag-acknowledgements.ts';
import { type DeploymentOptions, defaultMappingsFile } from './options.ts';
import { addOutputs } from './outputs.ts';
import { WebhookApi } from './webhook-api.ts';
import { PROJECT_ROOT, WebhookFunction } from './webhook-function.ts';
import { WebhookVpc } from './webhook-vpc.ts';

export interface WebhookStackProps extends StackProps {
  /** Every deployment option (see infra/options.ts for meanings and defaults). */
  readonly options: DeploymentOptions;
}

/**
 * docker-proxy-webhook: the mappings parameter, the function, the API and the monitoring around them.
 * Environment-agnostic: synthesizes offline with no credentials. Every name that must be unique in an account
 * and region (parameter, API, topic, dashboard, WAF metrics) derives from the stack name, so two stacks
 * never collide; the secret's name is generated, so a redeploy never meets a name still reserved by Secrets
 * Manager's recovery window.
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
    const o = props.options;
    super(scope, id, {
      description:
        'docker-proxy-webhook: Kubernetes admission webhook rewriting pod images to pull-through caches',
      terminationProtection: o.terminationProtection,
      ...props,
    });
    for (const [key, value] of Object.entries(o.tags)) Tags.of(this).add(key, value);
    const budget = deriveBudget(o.webhookTimeoutSeconds, o.timeoutSeconds);
    const cacheOn = o.ecrCache.length > 0;
    const given = o.mappingsFile ?? (cacheOn ? ecrCacheMappingsFile : defaultMappingsFile)(PROJECT_ROOT);
    const file = isAbsolute(given) ? given : join(PROJECT_ROOT, given);
    this.mappings = new MappingsParameter(this, 'Mappings', {
      file,
      parameterName: o.mappingsParameterName ?? `/${this.stackName}/mappings`,
    });
    if (o.pathToken) this.pathTokenSecret = createPathTokenSecret(this);

    const placement = createPlacement(this, o);
    // The options carry the same names as the constructs' props.
    this.webhook = new WebhookFunction(this, 'Webhook', {
      ...o,
      placement,
      mappingsParameter: this.mappings.parameter,
      pathTokenCheckedUpstream: o.pathToken,
      lambdaTimeoutSeconds: budget.lambdaTimeoutSeconds,
    });
    this.ecrCache = addEcrCache(this, o, { function: this.webhook.function, mappingsFile: file });
    this.webhookApi = new WebhookApi(this, 'Api', {
      ...o,
      handler: this.webhook.target,
      restApiName: this.stackName,
      pathTokenValue: this.pathTokenSecret && pathTokenReference(this.pathTokenSecret, o.pathTokenVersion),
      integrationTimeoutMs: budget.integrationTimeoutMs,
      cloudWatchRole: o.apiGatewayCloudWatchRole,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      ...o,
      function: this.webhook.function,
      functionLogGroup: this.webhook.logGroup,
      api: this.webhookApi.api,
      lambdaTimeoutSeconds: budget.lambdaTimeoutSeconds,
      wafMetricNames: o.waf ? wafMetricNames(this.stackName) : undefined,
      dashboardName: this.stackName,
    });

    addOutputs(this, {
      ...o,
      baseUrl: this.webhookApi.baseUrl,
      mappingsParameterName: this.mappings.parameter.parameterName,
      alarmTopicArn: this.monitoring.topic.topicArn,
      pathTokenSecret: this.pathTokenSecret,
      customDomainTarget: this.webhookApi.customDomain?.domainNameAliasDomainName,
    });
    acknowledgeByDesign(this, o);
  }
}

/** Where the function runs: outside any VPC by default, or in the subnets `vpcId`/`vpcSubnetIds` name. */
function createPlacement(stack: Stack, o: DeploymentOptions): WebhookVpc | undefined {
  if (o.vpcId === undefined && o.vpcSubnetIds.length > 0) {
    throw new WebhookPropsError('vpcSubnetIds needs vpcId: the VPC the subnets belong to');
  }
  if (o.vpcId === undefined) return undefined;
  return new WebhookVpc(stack, 'Vpc', {
    vpcId: o.vpcId,
    subnetIds: o.vpcSubnetIds,
    securityGroupIds: o.vpcSecurityGroupIds,
    ssmEndpoint: o.vpcSsmEndpoint,
  });
}

/** The secret holding the path token: generated by Secrets Manager, so it is never in the template. */
function createPathTokenSecret(stack: Stack): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(stack, 'PathToken', {
    description: `docker-proxy-webhook (${stack.stackName}): the secret path segment of the webhook URLs (/<token>/mutate)`,
    // Letters and digits only: a valid API Gateway path part and URL segment as is.
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The token is a path part of the API and is baked into the cluster webhook configurations: rotation is a redeploy with -c pathTokenVersion and a re-apply of the configurations, documented in README (Path token rotation).',
  });
  return secret;
}

/**
 * The token as a CloudFormation dynamic reference, resolved by CloudFormation at deploy time: the template
 * holds `{{resolve:secretsmanager:…}}`, never the value. Pinned to a version when one is given, so that a
 * new version changes the template and therefore the API.
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/dynamic-references-secretsmanager.html
 */
function pathTokenReference(secret: secretsmanager.ISecret, versionId: string | undefined): string {
  return SecretValue.secretsManager(secret.secretArn, { versionId }).unsafeUnwrap();
}
