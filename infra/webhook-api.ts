import {
  aws_apigateway as apigateway,
  Duration,
  aws_ec2 as ec2,
  aws_iam as iam,
  type aws_lambda as lambda,
  aws_logs as logs,
  aws_wafv2 as wafv2,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DEFAULTS, TOKEN_PLACEHOLDER } from '../lambda/constants.ts';
import { WebhookPropsError } from './webhook-function.ts';

/** The stage name in every URL. */
export const STAGE_NAME = 'webhook';

export interface WebhookApiProps {
  /** The Lambda (or alias) every route proxies to. */
  readonly handler: lambda.IFunction;
  /** Serve under `/{token}/…` (the function checks the value). @default false */
  readonly pathToken?: boolean;
  /** Integration timeout: the webhook's `timeoutSeconds`, capped at API Gateway's 29 s. @default 10 */
  readonly webhookTimeoutSeconds?: number;
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
}

/**
 * JSON access log fields. `$context.resourcePath` (`/{token}/mutate`) rather than `$context.path`, so the
 * token never reaches the logs; no bodies, no headers.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  sourceIp: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integration.status',
  errorMessage: '$context.error.message',
  wafStatus: '$context.waf.status',
} as const;

/**
 * The REST API: Lambda proxy integration on `POST /mutate`, `POST /validate`, `GET /healthz` (optionally under
 * `/{token}`), stage throttling, JSON access logs, and the optional resource policy, private endpoint and WAF.
 */
export class WebhookApi extends Construct {
  readonly api: apigateway.RestApi;
  readonly accessLogGroup: logs.LogGroup;
  readonly webAcl?: wafv2.CfnWebACL;
  /** `https://…/webhook/` — routes follow, after the token when there is one. */
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

    this.api = new apigateway.RestApi(this, 'Api', {
      description: 'docker-proxy-webhook: Kubernetes admission webhook',
      endpointConfiguration:
        endpointType === 'PRIVATE'
          ? { types: [apigateway.EndpointType.PRIVATE], vpcEndpoints }
          : { types: [apigateway.EndpointType.REGIONAL] },
      policy: resourcePolicy(cidrs, vpcEndpointIds, endpointType),
      cloudWatchRole: false,
      deployOptions: {
        stageName: STAGE_NAME,
        throttlingRateLimit: rate,
        throttlingBurstLimit: burst,
        metricsEnabled: true,
        accessLogDestination: new apigateway.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: apigateway.AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const integration = new apigateway.LambdaIntegration(props.handler, {
      proxy: true,
      timeout: Duration.seconds(Math.min(props.webhookTimeoutSeconds ?? DEFAULTS.webhookTimeoutSeconds, 29)),
    });
    const root = props.pathToken === true ? this.api.root.addResource(TOKEN_PLACEHOLDER) : this.api.root;
    root.addResource('mutate').addMethod('POST', integration);
    root.addResource('validate').addMethod('POST', integration);
    root.addResource('healthz').addMethod('GET', integration);

    this.baseUrl = this.api.url;
    // RestApi adds an `Endpoint` output of the bare stage URL; ours (MutateUrl…) are the ones to use.
    this.api.node.tryRemoveChild('Endpoint');

    if (props.waf === true) this.webAcl = attachWebAcl(this, this.api, props.wafRateLimit ?? 10000);
  }
}

/**
 * Allow invoking the API, then deny what does not come from the allowed CIDRs or VPC endpoints. `undefined`
 * when there is nothing to restrict (a REGIONAL API without CIDRs needs no policy).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 */
function resourcePolicy(
  cidrs: readonly string[],
  vpcEndpointIds: readonly string[],
  endpointType: 'REGIONAL' | 'PRIVATE',
): iam.PolicyDocument | undefined {
  // Through a VPC endpoint the caller's address is private: IAM calls it aws:VpcSourceIp.
  const sourceIpKey = endpointType === 'PRIVATE' ? 'aws:VpcSourceIp' : 'aws:SourceIp';
  if (cidrs.length === 0 && vpcEndpointIds.length === 0) return undefined;
  const invoke = 'execute-api:/*';
  const statements = [
    new iam.PolicyStatement({
      principals: [new iam.AnyPrincipal()],
      actions: ['execute-api:Invoke'],
      resources: [invoke],
    }),
  ];
  if (cidrs.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [invoke],
        conditions: { NotIpAddress: { [sourceIpKey]: [...cidrs] } },
      }),
    );
  }
  if (vpcEndpointIds.length > 0) {
    statements.push(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [invoke],
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...vpcEndpointIds] } },
      }),
    );
  }
  return new iam.PolicyDocument({ statements });
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
  const rate = props.throttleRateLimit ?? 100;
  const burst = props.throttleBurstLimit ?? 200;
  if (burst < rate / 10) {
    throw new WebhookPropsError(
      `throttleBurstLimit (${burst}) is far below throttleRateLimit (${rate}); bursts of pod creations would be throttled`,
    );
  }
  return { endpointType, vpcEndpointIds, cidrs, rate, burst };
}

/** A WAF web ACL with a per-source-IP rate-based rule, associated with the API's stage. */
function attachWebAcl(scope: Construct, api: apigateway.RestApi, rateLimit: number): wafv2.CfnWebACL {
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: 'DockerProxyWebhookAcl',
      sampledRequestsEnabled: false,
    },
    rules: [
      {
        name: 'RatePerSourceIp',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: rateLimit, aggregateKeyType: 'IP' } },
        visibilityConfig: {
          cloudWatchMetricsEnabled: true,
          metricName: 'RatePerSourceIp',
          sampledRequestsEnabled: false,
        },
      },
    ],
  });
  new wafv2.CfnWebACLAssociation(scope, 'WebAclAssociation', {
    resourceArn: api.deploymentStage.stageArn,
    webAclArn: webAcl.attrArn,
  });
  return webAcl;
}
