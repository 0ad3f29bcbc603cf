/** cdk-nag findings this design accepts, each with the reason a reviewer needs. */
import { type Stack, Validations } from 'aws-cdk-lib';
import type { DeploymentOptions } from './options.ts';

export function acknowledgeByDesign(stack: Stack, o: DeploymentOptions): void {
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
        'Execution logs would record the request path, which holds the path token; every request is in the JSON access log (without the path) and every review in the function log.',
    },
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'The function is only invoked synchronously by API Gateway: there are no asynchronous events to dead-letter.',
    },
  ];
  acks.push(...optionalAcknowledgements(o));
  for (const ack of acks) Validations.of(stack).acknowledge(ack);
}

/** The acknowledgements that depend on the options (tracing, the CloudWatch role, WAF). */
function optionalAcknowledgements(o: DeploymentOptions): { id: string; reason: string }[] {
  const acks: { id: string; reason: string }[] = [];
  if (o.tracing) {
    acks.push({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing (-c tracing=true): xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions, so CDK grants them on *.',
    });
  } else {
    acks.push(
      {
        id: 'Serverless-APIGWXrayEnabled',
        reason:
          'Tracing is optional (-c tracing=true): one hop (API Gateway → Lambda), covered by access-log latencies and function EMF metrics without per-admission tracing cost.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason: 'As Serverless-APIGWXrayEnabled (-c tracing=true turns it on).',
      },
    );
  }
  if (o.apiGatewayCloudWatchRole === 'create') {
    acks.push({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's account CloudWatch role uses AWS's managed AmazonAPIGatewayPushToCloudWatchLogs policy, the one API Gateway documents for it.",
    });
  }
  if (!o.waf) {
    acks.push({
      id: 'AwsSolutions-APIG3',
      reason:
        'WAF is optional (-c waf=true): the API has stage throttling, and a resource policy when allowedSourceCidrs is set.',
    });
  }
  return acks;
}
