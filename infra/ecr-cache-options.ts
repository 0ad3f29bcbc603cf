/**
 * The `ecrCache*` context options (registered in `infra/context.ts`'s table, documented in README's options
 * table and its "ECR pull-through cache in one command" section). Each parser checks one value's form; what
 * depends on several options together (an upstream that needs credentials, a URL only some upstreams take) is
 * checked by the {@link EcrCache} construct, which names the options to change.
 */

/** Thrown for an `ecrCache*` value of the wrong form; named like `infra/context.ts`'s error. */
export class EcrCacheOptionError extends Error {
  override readonly name = 'ContextError';
}

const fail = (name: string, raw: unknown, expected: string): never => {
  throw new EcrCacheOptionError(`context ${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
};

function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T {
  return (allowed as readonly unknown[]).includes(raw) ? (raw as T) : fail(name, raw, allowed.join(' or '));
}

/** Items of a JSON array or a comma-separated string. */
function items(name: string, raw: unknown, example: string): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'string') {
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return fail(name, raw, `a comma-separated list or a JSON array, e.g. ${example}`);
}

function list(name: string, raw: unknown, item: RegExp, example: string): string[] {
  const values = items(name, raw, example);
  for (const value of values) {
    if (typeof value !== 'string' || !item.test(value)) fail(name, raw, `items like ${example}`);
  }
  return values as string[];
}

/** `upstream=value` pairs: a JSON object, or `a=x,b=y` on the command line. */
function pairs(name: string, raw: unknown, value: RegExp, example: string): Record<string, string> {
  const entries =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw)
      ? Object.entries(raw)
      : items(name, raw, example).map((item) => {
          const text = String(item);
          const at = text.indexOf('=');
          return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
        });
  const result: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (typeof key !== 'string' || !UPSTREAM.test(key) || typeof v !== 'string' || !value.test(v)) {
      return fail(name, raw, `upstream=value pairs like ${example}`);
    }
    if (Object.hasOwn(result, key)) return fail(name, raw, `each upstream once`);
    result[key] = v;
  }
  return result;
}

const UPSTREAM = /^[a-z0-9-]+$/;
const ACCOUNT = /^[0-9]{12}$/;
const ORGANIZATION = /^o-[a-z0-9]{10,32}$/;
/** A secret name under `ecr-pullthroughcache/`, or the full ARN of one (what ECR's API accepts). */
export const CREDENTIAL =
  /^(?:arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:)?ecr-pullthroughcache\/[A-Za-z0-9/_+=.@-]+$/;

/** Option specs, in the shape of `infra/context.ts`'s table. */
export const ECR_CACHE_OPTIONS = {
  ecrCache: {
    description:
      'upstreams to cache with ECR pull-through cache rules, e.g. `docker-hub,k8s,quay` (see below)',
    shownDefault: '— (no cache)',
    fallback: [] as string[],
    parse: (n: string, raw: unknown): string[] => list(n, raw, UPSTREAM, 'docker-hub,k8s,quay'),
  },
  ecrCacheCredentials: {
    description:
      'Secrets Manager secret (name or ARN under `ecr-pullthroughcache/`) per upstream needing one',
    shownDefault: '—',
    fallback: {} as Record<string, string>,
    parse: (n: string, raw: unknown): Record<string, string> =>
      pairs(n, raw, CREDENTIAL, 'docker-hub=ecr-pullthroughcache/docker-hub'),
  },
  ecrCachePrefixes: {
    description: 'repository prefix per upstream, replacing the default (`docker-hub=hub`)',
    shownDefault: 'see the upstream table',
    fallback: {} as Record<string, string>,
    parse: (n: string, raw: unknown): Record<string, string> => pairs(n, raw, /^\S+$/, 'docker-hub=hub'),
  },
  ecrCacheUpstreamUrls: {
    description: 'registry URL of `azure-container-registry` and `ecr`, whose URL is yours',
    shownDefault: '—',
    fallback: {} as Record<string, string>,
    parse: (n: string, raw: unknown): Record<string, string> =>
      pairs(n, raw, /^\S+$/, 'azure-container-registry=myregistry.azurecr.io'),
  },
  ecrCacheExpireDays: {
    description: 'a cached image not pulled for this many days is deleted (lifecycle `sinceImagePulled`)',
    shownDefault: '90',
    fallback: 90,
    parse: (n: string, raw: unknown): number => {
      const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= 3650
        ? value
        : fail(n, raw, 'a whole number of days from 1 to 3650');
    },
  },
  ecrCacheTagMutability: {
    description: 'tag mutability of cache repositories: `MUTABLE` (tags follow upstream) or `IMMUTABLE`',
    shownDefault: 'MUTABLE',
    fallback: 'MUTABLE' as 'MUTABLE' | 'IMMUTABLE',
    parse: (n: string, raw: unknown) => oneOf(n, raw, ['MUTABLE', 'IMMUTABLE'] as const),
  },
  ecrCacheEncryption: {
    description: 'encryption of cache repositories: `AES256` or `KMS` (the AWS managed `aws/ecr` key)',
    shownDefault: 'AES256',
    fallback: 'AES256' as 'AES256' | 'KMS',
    parse: (n: string, raw: unknown) => oneOf(n, raw, ['AES256', 'KMS'] as const),
  },
  ecrCachePullAccounts: {
    description: 'other AWS accounts whose nodes may pull (and fill) the cache',
    shownDefault: '—',
    fallback: [] as string[],
    parse: (n: string, raw: unknown): string[] => list(n, raw, ACCOUNT, '111122223333'),
  },
  ecrCachePullOrganization: {
    description: 'an AWS Organization (`o-…`) whose accounts may pull (and fill) the cache',
    shownDefault: '—',
    fallback: undefined as string | undefined,
    parse: (n: string, raw: unknown): string =>
      typeof raw === 'string' && ORGANIZATION.test(raw)
        ? raw
        : fail(n, raw, 'an organization id like o-a1b2c3d4e5'),
  },
};
