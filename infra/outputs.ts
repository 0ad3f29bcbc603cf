/**
 * The stack's outputs (names from lambda/constants.ts): read back by `docker-proxy-webhook manifests` and
 * `mappings` from `cdk deploy --outputs-file`.
 */
import { CfnOutput, type Stack, type aws_secretsmanager as secretsmanager } from 'aws-cdk-lib';
import { OUTPUT, type OutputName, TOKEN_PLACEHOLDER, type ValidateMode } from '../lambda/constants.ts';

/** What the outputs show. */
export interface OutputValues {
  /** `https://…/webhook/`. */
  readonly baseUrl: string;
  readonly pathToken: boolean;
  readonly mappingsParameterName: string;
  readonly alarmTopicArn: string;
  readonly webhookTimeoutSeconds: number;
  readonly validateMode: ValidateMode;
  readonly pathTokenSecret?: secretsmanager.ISecret;
  /** The custom domain's target for a DNS alias or CNAME. @default - no custom domain */
  readonly customDomainTarget?: string;
}

/** Adds every output to the stack: one row per output (name, value, description). */
export function addOutputs(stack: Stack, p: OutputValues): void {
  const prefix = `${p.baseUrl}${p.pathToken ? `${TOKEN_PLACEHOLDER}/` : ''}`;
  const tokenNote = p.pathToken ? ` ({token} is the ${OUTPUT.pathTokenSecretArn} secret's value)` : '';
  const dashboard = `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}#dashboards/dashboard/${stack.stackName}`;
  const rows: [OutputName, string, string][] = [
    [OUTPUT.mutateUrl, `${prefix}mutate`, `MutatingWebhookConfiguration URL${tokenNote}`],
    [OUTPUT.validateUrl, `${prefix}validate`, `ValidatingWebhookConfiguration URL${tokenNote}`],
    [OUTPUT.healthUrl, `${prefix}healthz`, `Health check (GET)${tokenNote}`],
    [OUTPUT.mappingsParameterName, p.mappingsParameterName, 'SSM parameter holding the mappings document'],
    [OUTPUT.dashboardUrl, dashboard, 'CloudWatch dashboard'],
    [OUTPUT.alarmTopicArn, p.alarmTopicArn, 'SNS topic of the alarms'],
    [
      OUTPUT.webhookTimeoutSeconds,
      String(p.webhookTimeoutSeconds),
      'timeoutSeconds for the webhook configurations',
    ],
    [
      OUTPUT.validateMode,
      p.validateMode,
      'How /validate answers images not pulled through a proxy (warn or deny)',
    ],
  ];
  const secret = p.pathTokenSecret;
  if (secret !== undefined) {
    rows.push(
      [
        OUTPUT.pathTokenSecretName,
        secret.secretName,
        'Name of the path token secret (read by `docker-proxy-webhook manifests`)',
      ],
      [OUTPUT.pathTokenSecretArn, secret.secretArn, 'Secrets Manager secret holding the path token'],
      [
        OUTPUT.pathTokenCommand,
        `aws secretsmanager get-secret-value --region ${stack.region} --secret-id ${secret.secretArn} --query SecretString --output text`,
        'Prints the path token',
      ],
    );
  }
  if (p.customDomainTarget !== undefined) {
    rows.push([
      OUTPUT.customDomainTarget,
      p.customDomainTarget,
      'Point the custom domain here (DNS alias or CNAME): the execute-api endpoint is disabled',
    ]);
  }
  for (const [name, value, description] of rows) new CfnOutput(stack, name, { value, description });
}
