/**
 * The mappings an ECR pull-through cache implies: one `registries` entry per cache rule, and the account's own
 * registry ignored. Pure (no AWS, no CDK): the stack builds the deployed document with it, the synth checks it
 * against the user's document with it, and tests drive it with concrete accounts and regions.
 *
 * The upstream table is Amazon ECR's list of supported upstream registries (the `UpstreamRegistry` values of
 * `AWS::ECR::PullThroughCacheRule`), each with the registry URL ECR expects, the host images name it by, and
 * what the rule needs to authenticate:
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
 */

/** How a cache rule authenticates to its upstream. */
export type UpstreamAuth = 'none' | 'secret' | 'role';

/** One upstream registry ECR can cache. */
export interface EcrUpstream {
  /** The registry URL of the rule (`UpstreamRegistryUrl`); `undefined` when the user must name it. */
  readonly url: string | undefined;
  /** The host images are written with (`docker.io`, not `registry-1.docker.io`); `undefined` as `url`. */
  readonly imageHost: string | undefined;
  /** The repository prefix the cache uses unless overridden (`EcrRepositoryPrefix`). */
  readonly defaultPrefix: string;
  /** `secret`: a Secrets Manager secret named `ecr-pullthroughcache/…`; `role`: an IAM role (ECR to ECR). */
  readonly auth: UpstreamAuth;
  /** What the user writes for a `url` that is theirs to name, and how the URL must look. */
  readonly urlExample?: string;
  readonly urlPattern?: RegExp;
}

/** Every upstream ECR supports, by the name `AWS::ECR::PullThroughCacheRule.UpstreamRegistry` uses. */
export const ECR_UPSTREAMS = {
  'docker-hub': {
    url: 'registry-1.docker.io',
    imageHost: 'docker.io',
    defaultPrefix: 'docker-hub',
    auth: 'secret',
  },
  'github-container-registry': {
    url: 'ghcr.io',
    imageHost: 'ghcr.io',
    defaultPrefix: 'ghcr',
    auth: 'secret',
  },
  'gitlab-container-registry': {
    url: 'registry.gitlab.com',
    imageHost: 'registry.gitlab.com',
    defaultPrefix: 'gitlab',
    auth: 'secret',
  },
  'azure-container-registry': {
    url: undefined,
    imageHost: undefined,
    defaultPrefix: 'azure',
    auth: 'secret',
    urlExample: 'myregistry.azurecr.io',
    urlPattern: /^[a-z0-9]{5,50}\.azurecr\.io$/,
  },
  chainguard: { url: 'cgr.dev', imageHost: 'cgr.dev', defaultPrefix: 'chainguard', auth: 'secret' },
  'ecr-public': {
    url: 'public.ecr.aws',
    imageHost: 'public.ecr.aws',
    defaultPrefix: 'ecr-public',
    auth: 'none',
  },
  k8s: { url: 'registry.k8s.io', imageHost: 'registry.k8s.io', defaultPrefix: 'k8s', auth: 'none' },
  quay: { url: 'quay.io', imageHost: 'quay.io', defaultPrefix: 'quay', auth: 'none' },
  ecr: {
    url: undefined,
    imageHost: undefined,
    defaultPrefix: 'ecr',
    auth: 'role',
    urlExample: '111122223333.dkr.ecr.us-east-1.amazonaws.com',
    urlPattern: /^[0-9]{12}\.dkr\.ecr\.[a-z]{2}(-[a-z]+)+-[0-9]\.amazonaws\.com$/,
  },
} as const satisfies Record<string, EcrUpstream>;

/** An upstream's name: `docker-hub`, `github-container-registry`, … */
export type EcrUpstreamName = keyof typeof ECR_UPSTREAMS;

/** The upstream names, in the table's order. */
export const ECR_UPSTREAM_NAMES = Object.keys(ECR_UPSTREAMS) as EcrUpstreamName[];

/** Looks an upstream up by name; `undefined` for a name ECR does not support. */
export function ecrUpstream(name: string): EcrUpstream | undefined {
  return Object.hasOwn(ECR_UPSTREAMS, name) ? ECR_UPSTREAMS[name as EcrUpstreamName] : undefined;
}

/** The secret name prefix ECR requires for upstream credentials. */
export const CREDENTIAL_SECRET_PREFIX = 'ecr-pullthroughcache/';

/**
 * `EcrRepositoryPrefix` as ECR accepts it (2–30 characters, lowercase path components), minus `ROOT` (a cache
 * at the registry root would share it with every other repository of the account).
 */
export const REPOSITORY_PREFIX =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const REPOSITORY_PREFIX_LENGTH = { min: 2, max: 30 } as const;

/** One cache rule, resolved: which upstream, at which URL, under which prefix. */
export interface EcrCacheRule {
  readonly upstream: EcrUpstreamName;
  /** The rule's `UpstreamRegistryUrl`. */
  readonly url: string;
  /** The host images name the upstream by (the mappings key). */
  readonly imageHost: string;
  readonly prefix: string;
}

/** `<account>.dkr.ecr.<region>.<suffix>`: the private registry the cache lives in. */
export function ecrRegistryHost(account: string, region: string, urlSuffix = 'amazonaws.com'): string {
  return `${account}.dkr.ecr.${region}.${urlSuffix}`;
}

/** The document shape written for the rules (a valid mappings document on its own). */
export interface GeneratedDocument {
  readonly version: 1;
  readonly registries: Record<string, { readonly proxy: string; readonly pullSecret: null }>;
  readonly ignore: string[];
}

/**
 * The mappings the rules imply, in the cache's registry `registry` (`<account>.dkr.ecr.<region>.amazonaws.com`,
 * or the same with deploy-time tokens): each upstream host → `<registry>/<prefix>`, with `pullSecret: null`
 * (nodes pull from ECR with their IAM role), and the registry itself ignored so the account's own images are
 * left alone. Images already under a cache prefix are `already-proxied`, which the webhook checks first.
 */
export function generateEcrCacheDocument(
  registry: string,
  rules: readonly EcrCacheRule[],
): GeneratedDocument {
  const registries: GeneratedDocument['registries'] = {};
  for (const rule of rules)
    registries[rule.imageHost] = { proxy: `${registry}/${rule.prefix}`, pullSecret: null };
  return { version: 1, registries, ignore: [registry] };
}

/** Which upstreams to cache, and the user's overrides (keys are upstream names). */
export interface EcrCacheSelection {
  readonly upstreams: readonly string[];
  /** Repository prefixes replacing the defaults. */
  readonly prefixes?: Readonly<Record<string, string>>;
  /** Registry URLs, for the upstreams whose URL is the user's to name (Azure, ECR). */
  readonly urls?: Readonly<Record<string, string>>;
}

export type EcrCacheRulesResult = { ok: true; rules: EcrCacheRule[] } | { ok: false; errors: string[] };

const isPathPrefix = (a: string, b: string): boolean => a === b || b.startsWith(`${a}/`);

/**
 * Resolves and checks a selection: known upstreams, each once; a URL where the upstream needs one, and only
 * there; prefixes ECR accepts, none inside another (two rules would claim the same repositories). Every fault
 * is reported, each saying what to write instead.
 */
export function resolveEcrCacheRules(selection: EcrCacheSelection): EcrCacheRulesResult {
  const errors: string[] = [];
  const names = new Set<string>();
  for (const name of selection.upstreams) {
    if (ecrUpstream(name) === undefined)
      errors.push(`unknown upstream ${JSON.stringify(name)}; ECR caches ${ECR_UPSTREAM_NAMES.join(', ')}`);
    else if (names.has(name)) errors.push(`upstream ${JSON.stringify(name)} is listed twice`);
    names.add(name);
  }
  for (const [what, map] of [
    ['prefix', selection.prefixes],
    ['URL', selection.urls],
  ] as const) {
    for (const name of Object.keys(map ?? {})) {
      if (!names.has(name))
        errors.push(`a ${what} is given for ${JSON.stringify(name)}, which is not cached`);
    }
  }
  const rules: EcrCacheRule[] = [];
  for (const name of names) {
    const upstream = ecrUpstream(name);
    if (upstream === undefined) continue;
    const prefix = selection.prefixes?.[name] ?? upstream.defaultPrefix;
    if (
      !REPOSITORY_PREFIX.test(prefix) ||
      prefix.length < REPOSITORY_PREFIX_LENGTH.min ||
      prefix.length > REPOSITORY_PREFIX_LENGTH.max
    ) {
      errors.push(
        `prefix ${JSON.stringify(prefix)} of ${name} is not an ECR repository prefix: ${REPOSITORY_PREFIX_LENGTH.min}-${REPOSITORY_PREFIX_LENGTH.max} characters, lowercase components separated by "/"`,
      );
    }
    const given = selection.urls?.[name];
    let url: string | undefined = upstream.url;
    if (upstream.url === undefined) {
      if (given === undefined)
        errors.push(`${name} needs its registry URL, e.g. ${name}=${upstream.urlExample}`);
      else if (!upstream.urlPattern?.test(given))
        errors.push(`URL ${JSON.stringify(given)} of ${name} is not like ${upstream.urlExample}`);
      url = given;
    } else if (given !== undefined) {
      errors.push(`${name} always caches ${upstream.url}; remove its URL`);
    }
    if (url !== undefined)
      rules.push({ upstream: name as EcrUpstreamName, url, imageHost: upstream.imageHost ?? url, prefix });
  }
  for (const [i, a] of rules.entries()) {
    for (const b of rules.slice(i + 1)) {
      if (isPathPrefix(a.prefix, b.prefix) || isPathPrefix(b.prefix, a.prefix)) {
        errors.push(
          `prefixes ${JSON.stringify(a.prefix)} (${a.upstream}) and ${JSON.stringify(b.prefix)} (${b.upstream}) overlap; give each upstream its own`,
        );
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, rules };
}

/** The stack outputs of the cache, read back by `docker-proxy-webhook mappings render`. */
export const ECR_CACHE_OUTPUT = {
  nodePullPolicyArn: 'NodePullPolicyArn',
  registry: 'EcrCacheRegistry',
  mappings: 'EcrCacheMappings',
} as const;
