/**
 * What protects the API besides the path token: the resource policy (source CIDRs, VPC endpoints) and the
 * optional WAF web ACL with its per-source-IP rate-based rule.
 */
import { type aws_apigateway as apigateway, aws_iam as iam, aws_wafv2 as wafv2 } from 'aws-cdk-lib';
import type { Construct } from 'constructs';

/**
 * WAF metric names of one stack: CloudWatch's `WebACL` and `Rule` dimensions are these names, so they carry
 * the stack name and two stacks in one region never share an alarm.
 */
export function wafMetricNames(stackName: string): { webAcl: string; rule: string } {
  return { webAcl: `${stackName}-acl`, rule: `${stackName}-rate-per-source-ip` };
}

/**
 * Allow invoking the API, then deny what does not come from the allowed CIDRs or VPC endpoints. `undefined`
 * when there is nothing to restrict (a REGIONAL API without CIDRs needs no policy).
 * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
 */
export function resourcePolicy(
  cidrs: readonly string[],
  vpcEndpointIds: readonly string[],
  endpointType: 'REGIONAL' | 'PRIVATE',
): iam.PolicyDocument | undefined {
  // Through a VPC endpoint the caller's address is private: IAM calls it aws:VpcSourceIp.
  const sourceIpKey = endpointType === 'PRIVATE' ? 'aws:VpcSourceIp' : 'aws:SourceIp';
  if (cidrs.length === 0 && vpcEndpointIds.length === 0) return undefined;
  const invoke = 'execute-api:/*';
  const statement = (conditions?: Record<string, unknown>) =>
    new iam.PolicyStatement({
      effect: conditions === undefined ? iam.Effect.ALLOW : iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['execute-api:Invoke'],
      resources: [invoke],
      conditions,
    });
  const statements = [statement()];
  if (cidrs.length > 0) statements.push(statement({ NotIpAddress: { [sourceIpKey]: [...cidrs] } }));
  if (vpcEndpointIds.length > 0) {
    statements.push(statement({ StringNotEquals: { 'aws:SourceVpce': [...vpcEndpointIds] } }));
  }
  return new iam.PolicyDocument({ statements });
}

/** A WAF web ACL with a per-source-IP rate-based rule, associated with the API's stage. */
export function attachWebAcl(
  scope: Construct,
  api: apigateway.RestApi,
  rateLimit: number,
  stackName: string,
): wafv2.CfnWebACL {
  const names = wafMetricNames(stackName);
  const webAcl = new wafv2.CfnWebACL(scope, 'WebAcl', {
    name: names.webAcl,
    description: 'docker-proxy-webhook: per-source-IP rate limit in front of the API stage',
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    visibilityConfig: {
      cloudWatchMetricsEnabled: true,
      metricName: names.webAcl,
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
          metricName: names.rule,
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
