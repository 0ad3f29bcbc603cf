/**
 * Every deployment option, as a CDK context value (`-c name=value` or `"context"` in cdk.json), with its
 * default and meaning. One table: `infra/context.ts` reads it, README documents it (a test checks that every
 * option is in README's options table).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, VALIDATE_MODES, type ValidateMode, WEBHOOK_TIMEOUT_RANGE } from '../lambda/constants.ts';
import { boolean, fail, integer, list, matching, oneOf, tags } from './context-parsers.ts';
import { ECR_CACHE_OPTIONS } from './ecr-cache-options.ts';

const IPV4_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(?:12[0-8]|1[01]\d|[1-9]?\d)$/;
const CIDR = new RegExp(`${IPV4_CIDR.source}|${IPV6_CIDR.source}`);
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;
const DOMAIN_NAME = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** CloudWatch Logs retention values, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The mappings file the stack seeds the parameter with: `mappings.json`, else the shipped example. */
export function defaultMappingsFile(root: string): string {
  return existsSync(join(root, 'mappings.json')) ? 'mappings.json' : 'mappings.example.json';
}

/** One context option: its meaning, its default as README shows it, and its parser. */
export interface OptionSpec<T> {
  readonly description: string;
  /** The default, as documented (`—` when the option is off by default). */
  readonly shownDefault: string;
  readonly parse: (name: string, raw: unknown) => T;
  readonly fallback: T;
}

const option = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec;

/** `create`, `existing`, or the ARN of the role to set as the account's API Gateway CloudWatch role. */
export type CloudWatchRoleOption = 'create' | 'existing' | `arn:${string}`;

/** The options table. Keys are the context names. */
export const OPTIONS = {
  stackName: option({
    description: 'CloudFormation stack name; the parameter, secret, API and dashboard names derive from it',
    shownDefault: 'DockerProxyWebhook',
    fallback: 'DockerProxyWebhook',
    parse: (n, raw) => matching(n, raw, STACK_NAME, 'letters, digits and -'),
  }),
  mappingsFile: option<string | undefined>({
    description: 'file whose content seeds the mappings parameter; validated at synth',
    shownDefault: '`mappings.json`, else `mappings.example.json`',
    fallback: undefined,
    parse: (n, raw) => (typeof raw === 'string' && raw !== '' ? raw : fail(n, raw, 'a file path')),
  }),
  mappingsParameterName: option<string | undefined>({
    description: 'SSM parameter holding the mappings document',
    shownDefault: '`/<stackName>/mappings`',
    fallback: undefined,
    parse: (n, raw) =>
      typeof raw === 'string' && PARAMETER_NAME.test(raw) && !raw.toLowerCase().startsWith('/aws')
        ? raw
        : fail(n, raw, 'a parameter path like /docker-proxy-webhook/mappings'),
  }),
  mappingsTtlSeconds: option({
    description: 'seconds before the function re-reads the parameter',
    shownDefault: String(DEFAULTS.mappingsTtlSeconds),
    fallback: DEFAULTS.mappingsTtlSeconds as number,
    parse: (n, raw) => integer(n, raw, 1, 3600),
  }),
  pathToken: option({
    description:
      'serve under a secret path token kept in Secrets Manager (`/<token>/mutate`), checked by API Gateway',
    shownDefault: 'true',
    fallback: true,
    parse: boolean,
  }),
  pathTokenVersion: option<string | undefined>({
    description:
      'Secrets Manager version id of the token API Gateway serves: set it to roll out a new token (see Path token rotation)',
    shownDefault: '— (the current version at the first deploy)',
    fallback: undefined,
    parse: (n, raw) => matching(n, raw, /^[A-Za-z0-9-]{32,64}$/, 'a secret VersionId like 9f3c…-…'),
  }),
  validateMode: option<ValidateMode>({
    description: '`/validate` answer for images not pulled through a proxy: `warn` or `deny`',
    shownDefault: DEFAULTS.validateMode,
    fallback: DEFAULTS.validateMode,
    parse: (n, raw) => oneOf(n, raw, VALIDATE_MODES),
  }),
  failClosed: option({
    description: 'deny (500) instead of allowing unchanged when the webhook itself fails',
    shownDefault: String(DEFAULTS.failClosed),
    fallback: DEFAULTS.failClosed as boolean,
    parse: boolean,
  }),
  webhookTimeoutSeconds: option({
    description:
      'the failure budget: `timeoutSeconds` of the webhook configurations; the Lambda and integration timeouts derive from it',
    shownDefault: String(DEFAULTS.webhookTimeoutSeconds),
    fallback: DEFAULTS.webhookTimeoutSeconds,
    // At least 3: the Lambda timeout (1 s below) must hold the mappings wait and the review.
    parse: (n, raw) => integer(n, raw, 3, WEBHOOK_TIMEOUT_RANGE.max),
  }),
  memorySize: option({
    description: 'Lambda memory (MB); CPU grows with it, so it also shortens cold starts',
    shownDefault: '512',
    fallback: 512,
    parse: (n, raw) => integer(n, raw, 128, 10240),
  }),
  timeoutSeconds: option<number | undefined>({
    description: 'Lambda timeout (s); must stay below `webhookTimeoutSeconds`',
    shownDefault: '`webhookTimeoutSeconds` − 1',
    fallback: undefined,
    parse: (n, raw) => integer(n, raw, 1, 29),
  }),
  reservedConcurrency: option<number | undefined>({
    description:
      'reserved concurrent executions, so other functions cannot starve the webhook; `none` to unreserve',
    shownDefault: '10',
    fallback: 10,
    parse: (n, raw) => (raw === 'none' || raw === false ? undefined : integer(n, raw, 1, 10000)),
  }),
  provisionedConcurrency: option({
    description: 'provisioned concurrency on the `live` alias (no cold starts; billed while idle)',
    shownDefault: '0',
    fallback: 0,
    parse: (n, raw) => integer(n, raw, 0, 10000),
  }),
  tracing: option({
    description: 'X-Ray active tracing on the function and the API stage',
    shownDefault: 'false',
    fallback: false,
    parse: boolean,
  }),
  logRetentionDays: option({
    description: 'retention of the function and access log groups',
    shownDefault: '30',
    fallback: 30,
    parse: (n, raw) => {
      const days = integer(n, raw, 1, 3653);
      return (LOG_RETENTION_DAYS as readonly number[]).includes(days)
        ? days
        : fail(n, raw, `one of ${LOG_RETENTION_DAYS.join(', ')}`);
    },
  }),
  apiGatewayCloudWatchRole: option<CloudWatchRoleOption>({
    description:
      "API Gateway's account-wide CloudWatch Logs role (access logging needs it): `create` (kept on stack deletion), `existing` (already set; leave it), or a role ARN to set",
    shownDefault: 'create',
    fallback: 'create',
    parse: (n, raw) =>
      raw === 'create' || raw === 'existing'
        ? raw
        : (matching(n, raw, ROLE_ARN, 'create, existing or an IAM role ARN') as CloudWatchRoleOption),
  }),
  throttleRateLimit: option({
    description: 'API stage steady-state requests per second',
    shownDefault: '100',
    fallback: 100,
    parse: (n, raw) => integer(n, raw, 1, 10000),
  }),
  throttleBurstLimit: option({
    description: 'API stage burst',
    shownDefault: '200',
    fallback: 200,
    parse: (n, raw) => integer(n, raw, 1, 5000),
  }),
  allowedSourceCidrs: option<string[]>({
    description: 'only these source CIDRs may call the API (your cluster egress IPs); empty = anyone',
    shownDefault: '— (anyone)',
    fallback: [],
    parse: (n, raw) => list(n, raw, CIDR, '203.0.113.0/24'),
  }),
  endpointType: option<'REGIONAL' | 'PRIVATE'>({
    description: '`REGIONAL`, or `PRIVATE` (reachable only through `vpcEndpointIds`)',
    shownDefault: 'REGIONAL',
    fallback: 'REGIONAL',
    parse: (n, raw) => oneOf(n, raw, ['REGIONAL', 'PRIVATE'] as const),
  }),
  vpcEndpointIds: option<string[]>({
    description: 'execute-api interface VPC endpoints allowed to call a `PRIVATE` API',
    shownDefault: '—',
    fallback: [],
    parse: (n, raw) => list(n, raw, VPC_ENDPOINT_ID, 'vpce-0123456789abcdef0'),
  }),
  vpcId: option<string | undefined>({
    description:
      'run the function in this VPC (with `vpcSubnetIds`), so proxy health checks reach proxies on your private network',
    shownDefault: '— (outside any VPC)',
    fallback: undefined,
    parse: (n, raw) => matching(n, raw, VPC_ID, 'a VPC id like vpc-0123456789abcdef0'),
  }),
  vpcSubnetIds: option<string[]>({
    description: 'the subnets (private, with routes to your proxies) to run the function in',
    shownDefault: '—',
    fallback: [],
    parse: (n, raw) => list(n, raw, SUBNET_ID, 'subnet-0123456789abcdef0'),
  }),
  vpcSecurityGroupIds: option<string[]>({
    description: "the function's security groups (outbound HTTPS to proxies and SSM)",
    shownDefault: '— (one created: all outbound, no inbound)',
    fallback: [],
    parse: (n, raw) => list(n, raw, SECURITY_GROUP_ID, 'sg-0123456789abcdef0'),
  }),
  vpcSsmEndpoint: option({
    description:
      'create an SSM interface endpoint in the subnets; `false` when they reach SSM through a NAT gateway or an existing endpoint',
    shownDefault: 'true',
    fallback: true,
    parse: boolean,
  }),
  domainName: option<string | undefined>({
    description:
      'custom domain for the API (needs `certificateArn`); the default execute-api endpoint is then disabled',
    shownDefault: '—',
    fallback: undefined,
    parse: (n, raw) => matching(n, raw, DOMAIN_NAME, 'a lower-case DNS name like webhook.example.com'),
  }),
  certificateArn: option<string | undefined>({
    description: "ACM certificate for `domainName`, in the stack's region",
    shownDefault: '—',
    fallback: undefined,
    parse: (n, raw) => matching(n, raw, CERTIFICATE_ARN, 'an ACM certificate ARN'),
  }),
  waf: option({
    description: 'attach a WAF web ACL with a per-IP rate-based rule',
    shownDefault: 'false',
    fallback: false,
    parse: boolean,
  }),
  wafRateLimit: option({
    description: 'requests per source IP per 5 minutes before WAF blocks',
    shownDefault: '10000',
    fallback: 10000,
    parse: (n, raw) => integer(n, raw, 10, 2_000_000_000),
  }),
  alarmEmail: option<string | undefined>({
    description: 'subscribe this address to the alarm topic (confirm the email AWS sends)',
    shownDefault: '—',
    fallback: undefined,
    parse: (n, raw) => matching(n, raw, EMAIL, 'an email address'),
  }),
  unmappedImagesThreshold: option({
    description: 'unmapped images in 5 minutes that raise the alarm',
    shownDefault: '1',
    fallback: 1,
    parse: (n, raw) => integer(n, raw, 1, 1_000_000),
  }),
  clientErrorsThreshold: option({
    description:
      'API 4XX answers (403 resource policy/WAF/wrong token, 429 throttled) in 5 minutes that raise the alarm',
    shownDefault: '1',
    fallback: 1,
    parse: (n, raw) => integer(n, raw, 1, 1_000_000),
  }),
  apiLatencyP99Ms: option({
    description: 'API latency p99 (ms) over 5 minutes that raises the alarm; below the webhook timeout',
    shownDefault: '2000',
    fallback: 2000,
    parse: (n, raw) => integer(n, raw, 50, 29_000),
  }),
  noReviewsMinutes: option<number | undefined>({
    description:
      'alarm when no review arrives for this many minutes (for clusters that create pods all the time)',
    shownDefault: '— (no alarm)',
    fallback: undefined,
    parse: (n, raw) => integer(n, raw, 5, 1440),
  }),
  tags: option<Record<string, string>>({
    description: 'tags on every resource of the stack: `key=value,…` or a JSON object',
    shownDefault: '—',
    fallback: {},
    parse: tags,
  }),
  terminationProtection: option({
    description: 'CloudFormation termination protection on the stack',
    shownDefault: 'false',
    fallback: false,
    parse: boolean,
  }),
  ...ECR_CACHE_OPTIONS,
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The parsed options. */
export type DeploymentOptions = {
  -readonly [K in OptionName]: (typeof OPTIONS)[K]['fallback'];
};
