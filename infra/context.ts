/**
 * Every deployment option, as a CDK context value (`-c name=value` or `"context"` in cdk.json), with its
 * default and meaning. One table: `infra/app.ts` reads it, README documents it (a test checks that every
 * option is in README's table). Values from the command line arrive as strings; from cdk.json as JSON —
 * both are accepted. A bad value fails `cdk synth` with a message naming the option, the value and what to
 * write instead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULTS, VALIDATE_MODES, type ValidateMode, WEBHOOK_TIMEOUT_RANGE } from '../lambda/constants.ts';
import { ECR_CACHE_OPTIONS } from './ecr-cache-options.ts';

/** Thrown by {@link readDeploymentOptions} for a context value it cannot use. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

const fail = (name: string, raw: unknown, expected: string): never => {
  throw new ContextError(`context ${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
};

function integer(name: string, raw: unknown, min: number, max: number): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return fail(name, raw, `a whole number from ${min} to ${max}`);
  }
  return value;
}

function boolean(name: string, raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  return fail(name, raw, 'true or false');
}

function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T {
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  return fail(name, raw, allowed.join(' or '));
}

/** A list: a JSON array, or a comma-separated string (`-c allowedSourceCidrs=10.0.0.0/8,192.168.0.0/16`). */
function list(name: string, raw: unknown, item: RegExp, example: string): string[] {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null;
  if (items === null) return fail(name, raw, `a comma-separated list or a JSON array, e.g. ${example}`);
  for (const value of items) {
    if (typeof value !== 'string' || !item.test(value)) return fail(name, raw, `items like ${example}`);
  }
  return items as string[];
}

const IPV4_CIDR =
  /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/(?:3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/(?:12[0-8]|1[01]\d|[1-9]?\d)$/;
const CIDR = new RegExp(`${IPV4_CIDR.source}|${IPV6_CIDR.source}`);
const VPC_ENDPOINT_ID = /^vpce-[0-9a-f]{8,17}$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const PARAMETER_NAME = /^\/[A-Za-z0-9_.\-/]{1,1010}$/;

/** CloudWatch Logs retention values, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The mappings file the stack seeds the parameter with: `mappings.json`, else the shipped example. */
export function defaultMappingsFile(root: string): string {
  return existsSync(join(root, 'mappings.json')) ? 'mappings.json' : 'mappings.example.json';
}

/** One context option: its meaning, its default as README shows it, and its parser. */
interface OptionSpec<T> {
  readonly description: string;
  /** The default, as documented (`—` when the option is off by default). */
  readonly shownDefault: string;
  readonly parse: (name: string, raw: unknown) => T;
  readonly fallback: T;
}

const option = <T>(spec: OptionSpec<T>): OptionSpec<T> => spec;

/** The options table. Keys are the context names. */
export const OPTIONS = {
  stackName: option({
    description: 'CloudFormation stack name',
    shownDefault: 'DockerProxyWebhook',
    fallback: 'DockerProxyWebhook',
    parse: (n, raw) =>
      typeof raw === 'string' && STACK_NAME.test(raw) ? raw : fail(n, raw, 'letters, digits and -'),
  }),
  mappingsFile: option<string | undefined>({
    description: 'file whose content seeds the mappings parameter; validated at synth',
    shownDefault: '`mappings.json`, else `mappings.example.json`',
    fallback: undefined,
    parse: (n, raw) => (typeof raw === 'string' && raw !== '' ? raw : fail(n, raw, 'a file path')),
  }),
  mappingsParameterName: option({
    description: 'SSM parameter holding the mappings document',
    shownDefault: DEFAULTS.mappingsParameterName,
    fallback: DEFAULTS.mappingsParameterName as string,
    parse: (n, raw) =>
      typeof raw === 'string' && PARAMETER_NAME.test(raw) && !raw.startsWith('/aws')
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
    description: 'serve under a secret path token kept in Secrets Manager (`/<token>/mutate`)',
    shownDefault: 'true',
    fallback: true,
    parse: boolean,
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
    description: '`timeoutSeconds` of the webhook configurations; the Lambda timeout must be below it',
    shownDefault: String(DEFAULTS.webhookTimeoutSeconds),
    fallback: DEFAULTS.webhookTimeoutSeconds as number,
    // At least 2: the Lambda timeout (at least 1 s) must be below it.
    parse: (n, raw) => integer(n, raw, WEBHOOK_TIMEOUT_RANGE.min + 1, WEBHOOK_TIMEOUT_RANGE.max),
  }),
  memorySize: option({
    description: 'Lambda memory (MB); CPU grows with it, so it also shortens cold starts',
    shownDefault: '512',
    fallback: 512,
    parse: (n, raw) => integer(n, raw, 128, 10240),
  }),
  timeoutSeconds: option({
    description: 'Lambda timeout (s)',
    shownDefault: '5',
    fallback: 5,
    parse: (n, raw) => integer(n, raw, 1, 29),
  }),
  reservedConcurrency: option<number | undefined>({
    description: 'reserved concurrent executions',
    shownDefault: '— (unreserved)',
    fallback: undefined,
    parse: (n, raw) => integer(n, raw, 1, 10000),
  }),
  provisionedConcurrency: option({
    description: 'provisioned concurrency on the `live` alias (no cold starts; billed while idle)',
    shownDefault: '0',
    fallback: 0,
    parse: (n, raw) => integer(n, raw, 0, 10000),
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
    parse: (n, raw) => (typeof raw === 'string' && EMAIL.test(raw) ? raw : fail(n, raw, 'an email address')),
  }),
  unmappedImagesThreshold: option({
    description: 'unmapped images in 5 minutes that raise the alarm',
    shownDefault: '1',
    fallback: 1,
    parse: (n, raw) => integer(n, raw, 1, 1_000_000),
  }),
  apiLatencyP99Ms: option({
    description: 'API latency p99 (ms) over 5 minutes that raises the alarm',
    shownDefault: '2000',
    fallback: 2000,
    parse: (n, raw) => integer(n, raw, 50, 29_000),
  }),
  ...ECR_CACHE_OPTIONS,
} as const;

export type OptionName = keyof typeof OPTIONS;

/** The parsed options. */
export type DeploymentOptions = {
  -readonly [K in OptionName]: (typeof OPTIONS)[K]['fallback'];
};

/**
 * Reads every option from a context lookup. Only the keys of {@link OPTIONS} are read: any other context key
 * (CDK's own `@aws-cdk/…` feature flags, `aws:cdk:…`) is left alone.
 */
export function readDeploymentOptions(tryGetContext: (key: string) => unknown): DeploymentOptions {
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec<unknown>][]) {
    const raw = tryGetContext(name);
    options[name] = raw === undefined || raw === null || raw === '' ? spec.fallback : spec.parse(name, raw);
  }
  return options as DeploymentOptions;
}
