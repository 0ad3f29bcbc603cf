import {
  aws_certificatemanager as acm,
  aws_apigateway as apigateway,
  Duration,
  aws_ec2 as ec2,
  type aws_lambda as lambda,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type aws_wafv2 as wafv2,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { attachWebAcl, resourcePolicy } from './api-protection.ts';
import { WebhookPropsError } from './errors.ts';
import type { CloudWatchRoleOption } from './options.ts';

/** The stage name in every URL. */
export const STAGE_NAME = 'webhook';

export interface WebhookApiProps {
  /** The Lambda (or alias) every route proxies to. */
  readonly handler: lambda.IFunction;
  /** The API's name: its CloudWatch metrics' only dimension, so it must be unique in the account and region. */
  readonly restApiName: string;
  /**
   * The path token, as a deploy-time reference (a CloudFormation dynamic reference to Secrets Manager): the
   * routes become `/<token>/mutate`… as literal path parts, so API Gateway answers any other path 403 without
   * invoking the function. @default - no token: `/mutate`…
   */
  readonly pathTokenValue?: string;
  /** API Gateway's integration timeout, from the failure budget (infra/budget.ts). @default 2500 */
  readonly integrationTimeoutMs?: number;
  /** Stage steady-state requests per second. @default 100 */
  readonly throttleRateLimit?: number;
  /** Stage burst. @default 200 */
  readonly throttleBurstLimit?: number;
  /** Access log retention in days. @default 30 */
  readonly logRetentionDays?: number;
  /** Only these source CIDRs may invoke the API. @default - anyone (the path token still applies) */
  readonly allowedSourceCidrs?: readonly string[];
  /** `PRIVATE` makes the API reachable only through `vpcEndpointIds`. @default 'REGIONAL' */
  readonly endpointType?: 'REGIONAL' | 'PRIVATE';
  /** Interface VPC endpoints (execute-api) allowed to call a PRIVATE API. Required when PRIVATE. @default [] */
  readonly vpcEndpointIds?: readonly string[];
  /** Attach a WAF web ACL with a per-IP rate-based rule. @default false */
  readonly waf?: boolean;
  /** Requests per source IP per 5 minutes before WAF blocks. @default 10000 */
  readonly wafRateLimit?: number;
  /**
   * API Gateway's account-wide CloudWatch Logs role, which access logging needs: `create` a role and set it
   * (both kept when the stack is deleted: other APIs in the account may rely on them), `existing` to leave the
   * account setting alone, or a role ARN to set. @default 'create'
   */
  readonly cloudWatchRole?: CloudWatchRoleOption;
  /** X-Ray tracing on the stage. @default false */
  readonly tracing?: boolean;
  /**
   * A custom domain (REGIONAL endpoint, TLS 1.2) mapped to the stage; the default execute-api endpoint is then
   * disabled. @default - the execute-api endpoint
   */
  readonly domainName?: string;
  /** The ACM certificate of `domainName`, in the stack's region. Required with `domainName`. */
  readonly certificateArn?: string;
}

/**
 * JSON access log fields: no path (with a path token, `$context.path` and `$context.resourcePath` both hold
 * it), only the resource's id; no bodies, no headers. `errorResponseType` names API Gateway's own refusals
 * (`MISSING_AUTHENTICATION_TOKEN` for a wrong token, `THROTTLED`, `WAF_FILTERED`, `ACCESS_DENIED`).
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourceId: '$context.resourceId',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  errorMessage: '$context.error.message',
  errorResponseType: '$context.error.responseType',
  wafStatus: '$context.waf.status',
} as const;

/**
 * The REST API: Lambda proxy integration on `POST /mutate`, `POST /validate`, `GET /healthz` (under the literal
 * path token when there is one), stage throttling, JSON access logs, and the optional resource policy, private
 * endpoint, WAF and custom domain.
 */
export class WebhookApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  readonly webAcl?: wafv2.CfnWebACL;
  /** The custom domain, when `domainName` is given. */
  customDomain?: apigateway.DomainName;
  /** `https://…/webhook/` or `https://<domainName>/` — routes follow, after the token when there is one. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    const { endpointType, vpcEndpointIds, cidrs, rate, burst } = checkProps(props);
    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
    });
    const vpcEndpoints = vpcEndpointIds.map((vpcEndpointId, i) =>
      ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `VpcEndpoint${i}`, {
        vpcEndpointId,
        port: 443,
      }),
    );
    const cloudWatchRole = props.cloudWatchRole ?? 'create';
    this.api = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName,
      description: 'docker-proxy-webhook: Kubernetes admission webhook',
      endpointConfiguration:
        endpointType === 'PRIVATE'
          ? { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints }
          : { types: [apigateway.EndpointType.REGIONAL] },
      policy: resourcePolicy(cidrs, vpcEndpointIds, endpointType),
      cloudWatchRole: cloudWatchRole === 'create',
      cloudWatchRoleRemovalPolicy: cloudWatchRole === 'create' ? RemovalPolicy.RETAIN : undefined,
      disableExecuteApiEndpoint: props.domainName !== undefined,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: rate,
        throttlingBurstLimit: burst,
        metricsEnabled: true,
        tracingEnabled: props.tracing === true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    if (cloudWatchRole.startsWith('arn:')) this.setAccountRole(cloudWatchRole);
    this.addRoutes(props);
    // RestApi adds an `Endpoint` output of the bare stage URL; ours (MutateUrl…) are the ones to use.
    this.api.node.tryRemoveChild('Endpoint');
    this.baseUrl = props.domainName === undefined ? this.api.url : this.mapDomain(props);
    if (props.waf === true) {
      this.webAcl = attachWebAcl(this, this.api, props.wafRateLimit ?? 10000, Stack.of(this).stackName);
    }
  }

  /** The three routes, under the literal token when there is one. */
  private addRoutes(props: WebhookApiProps): void {
    const integration = new apigateway.LambdaIntegration(props.handler, {
      proxy: true,
      timeout: Duration.millis(props.integrationTimeoutMs ?? 2500),
      // One permission for the whole API: a per-method SourceArn would spell the path, token included, in the
      // function's resource policy.
      scopePermissionToMethod: false,
    });
    let root: apigateway.IResource = this.api.root;
    if (props.pathTokenValue !== undefined) {
      // CDK validates path parts at synth; the dynamic reference only becomes one at deploy.
      const token = this.api.root.addResource('token');
      (token.node.defaultChild as apigateway.CfnResource).pathPart = props.pathTokenValue;
      // A new token (another secret version) must make a new deployment, or the stage keeps the old routes.
      this.api.latestDeployment?.addToLogicalId({ pathToken: props.pathTokenValue });
      root = token;
    }
    root.addResource('mutate').addMethod('POST', integration);
    root.addResource('validate').addMethod('POST', integration);
    root.addResource('healthz').addMethod('GET', integration);
  }

  /** Sets the account's API Gateway CloudWatch role to a given role; kept when the stack is deleted. */
  private setAccountRole(roleArn: string): void {
    const account = new apigateway.CfnAccount(this, 'Account', { cloudWatchRoleArn: roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.api.deploymentStage.node.addDependency(account);
  }

  /** Maps `domainName` to the stage; returns the base URL the outputs use. */
  private mapDomain(props: WebhookApiProps): string {
    const domainName = props.domainName as string;
    const domain = new apigateway.DomainName(this, 'Domain', {
      domainName,
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn as string),
      endpointType: apigateway.EndpointType.REGIONAL,
      securityPolicy: apigateway.SecurityPolicy.TLS_1_2,
    });
    domain.addBasePathMapping(this.api, { stage: this.api.deploymentStage });
    this.customDomain = domain;
    return `https://${domainName}/`;
  }
}

/** Checks the props against each other; returns the values with their defaults. */
function checkProps(props: WebhookApiProps) {
  const endpointType = props.endpointType ?? 'REGIONAL';
  const vpcEndpointIds = props.vpcEndpointIds ?? [];
  const cidrs = props.allowedSourceCidrs ?? [];
  if (endpointType === 'PRIVATE' && vpcEndpointIds.length === 0) {
    throw new WebhookPropsError(
      'endpointType PRIVATE needs vpcEndpointIds (the execute-api interface endpoints your cluster reaches the API through)',
    );
  }
  if (endpointType === 'REGIONAL' && vpcEndpointIds.length > 0) {
    throw new WebhookPropsError(
      `vpcEndpointIds (${vpcEndpointIds.join(', ')}) only apply to endpointType PRIVATE; set endpointType=PRIVATE or remove them`,
    );
  }
  if ((props.domainName === undefined) !== (props.certificateArn === undefined)) {
    throw new WebhookPropsError(
      'domainName and certificateArn go together: the custom domain needs its ACM certificate (in the stack region)',
    );
  }
  if (props.domainName !== undefined && endpointType === 'PRIVATE') {
    throw new WebhookPropsError(
      'domainName applies to a REGIONAL API; a PRIVATE API is reached through its VPC endpoints',
    );
  }
  const rate = props.throttleRateLimit ?? 100;
  const burst = props.throttleBurstLimit ?? 200;
  if (burst < rate / 10) {
    throw new WebhookPropsError(
      `throttleBurstLimit (${burst}) is far below throttleRateLimit (${rate}); bursts of pod creations would be throttled`,
    );
  }
  return { endpointType, vpcEndpointIds, cidrs, rate, burst };
}
