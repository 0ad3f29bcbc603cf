/**
 * The mappings document: which registries go through which pull-through cache.
 *
 * ```json
 * {
 *   "version": 1,
 *   "mode": "enforce",
 *   "registries": {
 *     "docker.io": "harbor.example.com/dockerhub",
 *     "docker.io/bitnami": "harbor.example.com/bitnami",
 *     "ghcr.io": { "proxy": "harbor.example.com/ghcr", "pullSecret": "ghcr-cache-credentials" },
 *     "*.gcr.io": "harbor.example.com/gcr"
 *   },
 *   "ignore": ["*.dkr.ecr.*.amazonaws.com", "registry.internal.example.com"],
 *   "pullSecret": "docker-proxy-credentials"
 * }
 * ```
 *
 * Validation happens once, here: the shape (zod, unknown keys rejected) and then the meaning (hosts, prefixes,
 * duplicates after alias folding, loops). Every fault is reported with its JSON path and the bad value. The
 * result is a frozen, pre-compiled {@link Mappings}: deciding an image is a map lookup per host suffix.
 *
 * Pure: no I/O, no AWS. The same module validates the SSM parameter in the Lambda, files for
 * `npm start`, and documents before `mappings push`.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod/mini';
import { anchoredPathRegexp, DOCKER_HUB, DOCKER_HUB_ALIASES } from '../images/reference.ts';

// ---- The document's shape ----

/** The default docker-config Secret name pods get in `imagePullSecrets` when a proxy needs credentials. */
export const DEFAULT_PULL_SECRET = 'docker-proxy-credentials';

/** A Kubernetes Secret name: an RFC 1123 DNS subdomain. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const described = (description: string) => z.meta({ description });

const pullSecretSchema = z
  .nullable(z.string())
  .check(
    described(
      'Name of the docker-config Secret (in the pod namespace) needed to pull from the proxy; null when none is needed (e.g. ECR with the node IAM role).',
    ),
  );

const healthCheckSchema = z
  .boolean()
  .check(
    described(
      'Probe the proxy (GET https://<proxy host>/v2/) before rewriting to it: 200 or 401 is up; refused, TLS errors, timeouts and 5xx are down.',
    ),
  );
const whenDownSchema = z
  .enum(['upstream', 'rewrite'])
  .check(
    described(
      'With healthCheck, what a down proxy means: upstream (default) leaves the image as written (decision proxy-unavailable); rewrite rewrites anyway.',
    ),
  );

const mappingSchema = z.union([
  z.string().check(described('Proxy prefix: host[:port][/path]')),
  z.strictObject({
    proxy: z.string().check(described('Proxy prefix: host[:port][/path]')),
    pullSecret: z.optional(pullSecretSchema),
    healthCheck: z.optional(healthCheckSchema),
    whenDown: z.optional(whenDownSchema),
  }),
]);

/** zod/mini, not zod: the same validation at a twentieth of the bundle size (the Lambda's cold start). */
const documentSchema = z
  .strictObject({
    $schema: z.optional(z.string()).check(described('JSON Schema reference, for editors; ignored.')),
    version: z.literal(1).check(described('Document format version; must be 1.')),
    mode: z
      ._default(z.enum(['enforce', 'observe']), 'enforce')
      .check(
        described(
          'enforce: pods are patched. observe: decisions are computed, logged and counted, but no patch is returned.',
        ),
      ),
    registries: z
      .record(z.string(), mappingSchema)
      .check(
        described(
          'Keys: upstream registry host[:port] (or *.suffix for any subdomain), optionally followed by a repository path prefix. Values: the proxy prefix, or { proxy, pullSecret }.',
        ),
      ),
    ignore: z
      ._default(z.array(z.string()), [])
      .check(
        described(
          'Images never rewritten: host patterns (* = one DNS label) or host/path prefixes, e.g. *.dkr.ecr.*.amazonaws.com.',
        ),
      ),
    pullSecret: z._default(pullSecretSchema, DEFAULT_PULL_SECRET),
    // No defaults filled in: a document without these keys keeps its revision (and behaves as before).
    healthCheck: z.optional(
      z
        .boolean()
        .check(described('Default healthCheck of every registries entry (false: no proxy is probed).')),
    ),
    whenDown: z.optional(
      z
        .enum(['upstream', 'rewrite'])
        .check(described('Default whenDown of every registries entry (upstream).')),
    ),
  })
  .check(
    z.meta({
      title: 'docker-proxy-webhook mappings',
      description: 'Registry mappings for docker-proxy-webhook.',
    }),
  );

/** The document as written (after defaults). */
export type MappingsDocument = z.output<typeof documentSchema>;

/** JSON Schema (draft 2020-12) for editors; committed as `lambda/mappings/mappings.schema.json`. */
export function mappingsJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(documentSchema, { io: 'input' }) as Record<string, unknown>;
}

// ---- Errors ----

/** One fault in a mappings document: where (a JSON path such as `registries["ghcr.io"].proxy`) and what. */
export interface MappingsIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Returned (never thrown) by {@link parseMappings} when a document is rejected. The message lists every
 * fault, one per line, as `<json path>: <what is wrong>`.
 */
export class MappingsValidationError extends Error {
  override readonly name = 'MappingsValidationError';
  readonly issues: readonly MappingsIssue[];

  constructor(issues: readonly MappingsIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

const formatIssue = (issue: MappingsIssue): string =>
  issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["registries", "ghcr.io", "proxy"]` → `registries["ghcr.io"].proxy`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** Zod's issues, said the way this document's users think: path, value, what to write instead. */
function fromZod(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): MappingsIssue[] {
  return issues.flatMap((raw): MappingsIssue | MappingsIssue[] => {
    const issue = { ...raw, path: [...prefix, ...raw.path] } as z.core.$ZodIssue;
    const path = jsonPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: 'unknown key' }));
      case 'invalid_value':
        return {
          path,
          message: `${show(issue.input)} is not allowed; expected ${issue.values.map(show).join(' or ')}`,
        };
      case 'invalid_type':
        return {
          path,
          message:
            issue.input === undefined
              ? `is required (${issue.expected})`
              : `${show(issue.input)} is not ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`,
        };
      case 'invalid_union': {
        // A mapping is a string or an object: when it is an object, the object branch's faults are the news.
        const branch = issue.errors.find((errors) =>
          errors.every((e) => e.code !== 'invalid_type' || e.path.length > 0),
        );
        if (branch !== undefined && typeof issue.input === 'object' && issue.input !== null) {
          return fromZod(branch, issue.path);
        }
        return {
          path,
          message: `${show(issue.input)} must be a proxy prefix string or { "proxy": "...", "pullSecret": "..." }`,
        };
      }
      default:
        return { path, message: issue.message };
    }
  });
}

// ---- Hosts, keys and prefixes ----

/** One DNS label (a host name component), as the reference grammar allows it. */
const LABEL = /^(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])$/;
const IPV6 = /^\[[a-f0-9:]+\]$/;
const PORT = /^[0-9]+$/;

/** A registry address split into parts; `host` is lowercased and Docker Hub aliases are folded. */
interface Address {
  /** Host with its port, as images spell the registry (`docker.io`, `localhost:5000`). */
  readonly domain: string;
  /** Host name labels (empty for IPv6). */
  readonly labels: readonly string[];
  readonly port: string | undefined;
  /** Repository path components (whole components only). */
  readonly path: readonly string[];
}

type AddressResult = { ok: true; address: Address; wildcard: boolean } | { ok: false; message: string };

/** `a:5000` → `{host:'a', port:'5000'}`; `[::1]:5000` → `{host:'[::1]', port:'5000'}`. */
function splitPort(hostport: string): { host: string; port: string | undefined } {
  const colon = hostport.lastIndexOf(':');
  if (colon === -1 || hostport.endsWith(']') || hostport.lastIndexOf(']') > colon) {
    return { host: hostport, port: undefined };
  }
  return { host: hostport.slice(0, colon), port: hostport.slice(colon + 1) };
}

/**
 * Parses `host[:port][/path]`, optionally with a leading `*.` (wildcards) or `*` labels (patterns).
 * `what` names the thing for messages. Returns a message describing the first fault.
 */
function parseAddress(
  text: string,
  options: { wildcard: 'none' | 'leading' | 'labels'; what: string; example: string },
): AddressResult {
  const bad = (why: string): AddressResult => ({
    ok: false,
    message: `${show(text)} is not ${options.what}; write ${options.example}${why}`,
  });
  if (text === '' || /\s/.test(text)) return bad('');
  if (text.includes('://')) return bad('');
  const slash = text.indexOf('/');
  const hostport = (slash === -1 ? text : text.slice(0, slash)).toLowerCase();
  const pathText = slash === -1 ? '' : text.slice(slash + 1);
  const { host, port } = splitPort(hostport);
  if (port !== undefined && (!PORT.test(port) || Number(port) > 65535))
    return bad(` (bad port ${show(port)})`);
  let labels: string[] = [];
  let wildcard = false;
  if (IPV6.test(host)) {
    labels = [];
  } else {
    labels = host.split('.');
    for (const [i, label] of labels.entries()) {
      if (label === '*') {
        if (
          options.wildcard === 'labels' ||
          (options.wildcard === 'leading' && i === 0 && labels.length > 2)
        ) {
          wildcard = true;
          continue;
        }
        return bad(
          options.wildcard === 'leading'
            ? ' (only a leading "*." followed by a domain is allowed)'
            : ' (no "*")',
        );
      }
      if (!LABEL.test(label)) return bad(` (bad host label ${show(label)})`);
    }
    // A registry host is what a container runtime takes for one: it has a dot or a port, or is localhost.
    if (labels.length < 2 && port === undefined && host !== 'localhost') {
      const hint =
        options.wildcard === 'leading' ? `; for a Docker Hub namespace write "docker.io/${text}"` : '';
      return bad(` (a registry host has a "." or a ":port", or is localhost${hint})`);
    }
  }
  if (pathText !== '' && !anchoredPathRegexp.test(pathText)) {
    return bad(` (bad repository path ${show(pathText)}: lowercase components separated by "/")`);
  }
  if (slash !== -1 && pathText === '') return bad(' (no trailing "/")');
  let domain = port === undefined ? host : `${host}:${port}`;
  if (DOCKER_HUB_ALIASES.includes(domain)) domain = DOCKER_HUB;
  return {
    ok: true,
    wildcard,
    address: {
      domain,
      labels: domain === DOCKER_HUB ? DOCKER_HUB.split('.') : labels,
      port,
      path: pathText === '' ? [] : pathText.split('/'),
    },
  };
}

// ---- The compiled mappings ----

/** One `registries` entry, compiled. */
export interface RegistryRule {
  /** The key as written in the document. */
  readonly key: string;
  /** The key, normalized: lowercase host, Docker Hub aliases folded. */
  readonly normalizedKey: string;
  readonly wildcard: boolean;
  /** Number of host labels the key names (for `*.a.b`, 2): more is more specific. */
  readonly labelCount: number;
  /** Repository path prefix the key matches (whole components). */
  readonly pathPrefix: readonly string[];
  /** The proxy prefix as written. */
  readonly proxy: string;
  /** The proxy prefix, normalized (lowercase host, aliases folded). */
  readonly proxyDomain: string;
  readonly proxyPath: readonly string[];
  /** The Secret pods need for this proxy (per-mapping override or the document default); `null` = none. */
  readonly pullSecret: string | null;
}

/** One `ignore` entry, compiled. */
export interface IgnoreRule {
  readonly pattern: string;
  /** Host labels; `*` matches exactly one label. */
  readonly labels: readonly string[];
  readonly port: string | undefined;
  /** For an IPv6 host (no label matching). */
  readonly domain: string;
  readonly pathPrefix: readonly string[];
}

/** A match of a repository against a rule: the rule and the path components after its prefix. */
export interface RuleMatch {
  readonly rule: RegistryRule;
  readonly rest: readonly string[];
}

/** Validated, compiled, frozen mappings. Built only by {@link parseMappings}. */
export interface Mappings {
  readonly version: 1;
  readonly mode: 'enforce' | 'observe';
  /** The default pull Secret (`null` = none). */
  readonly pullSecret: string | null;
  readonly registries: readonly RegistryRule[];
  readonly ignore: readonly IgnoreRule[];
  readonly registryCount: number;
  /** First 12 hex digits of the sha256 of the canonical document: changes exactly when the meaning may. */
  readonly revision: string;
  /** The document after defaults, for display and diffs. */
  readonly document: MappingsDocument;
  /** The most specific registry rule for a normalized repository (`domain`, `path` components). */
  match(domain: string, path: readonly string[]): RuleMatch | undefined;
  /** The first ignore pattern covering the repository. */
  ignored(domain: string, path: readonly string[]): IgnoreRule | undefined;
  /** The rule whose proxy prefix the repository is already under. */
  proxiedBy(domain: string, path: readonly string[]): RegistryRule | undefined;
}

const startsWith = (path: readonly string[], prefix: readonly string[]): boolean =>
  prefix.length <= path.length && prefix.every((component, i) => path[i] === component);

/** Rules under one lookup key, most specific first. */
type RuleTable = Map<string, RegistryRule[]>;

function specificity(a: RegistryRule, b: RegistryRule): number {
  return (
    b.pathPrefix.length - a.pathPrefix.length ||
    Number(a.wildcard) - Number(b.wildcard) ||
    b.labelCount - a.labelCount
  );
}

/** Splits a normalized domain into lowercase labels and port. */
function domainParts(domain: string): { labels: string[]; port: string | undefined; host: string } {
  const { host, port } = splitPort(domain.toLowerCase());
  return { host, port, labels: IPV6.test(host) ? [] : host.split('.') };
}

/** Lookup keys: exact `host[:port]`, and `*.suffix[:port]` for every proper suffix of at least two labels. */
function candidateKeys(domain: string): string[] {
  const { host, port, labels } = domainParts(domain);
  const withPort = (h: string) => (port === undefined ? h : `${h}:${port}`);
  const exact = withPort(host);
  const keys = [DOCKER_HUB_ALIASES.includes(exact) ? DOCKER_HUB : exact];
  for (let i = 1; i <= labels.length - 2; i++) keys.push(`*.${withPort(labels.slice(i).join('.'))}`);
  return keys;
}

function lookupKey(rule: {
  wildcard: boolean;
  labels: readonly string[];
  domain: string;
  port?: string;
}): string {
  if (!rule.wildcard) return rule.domain;
  const suffix = rule.labels.slice(1).join('.');
  return `*.${rule.port === undefined ? suffix : `${suffix}:${rule.port}`}`;
}

function matchesIgnore(rule: IgnoreRule, domain: string, path: readonly string[]): boolean {
  if (!startsWith(path, rule.pathPrefix)) return false;
  const { host, port, labels } = domainParts(domain);
  if (port !== rule.port) return false;
  if (rule.labels.length === 0) return host === rule.domain;
  return labels.length === rule.labels.length && rule.labels.every((l, i) => l === '*' || l === labels[i]);
}

/** Canonical JSON (sorted keys) so whitespace and key order do not change the revision. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => v !== undefined && key !== '$schema')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const REGISTRY_KEY = {
  wildcard: 'leading',
  what: 'a registry key',
  example: 'host[:port][/path] or *.domain[/path]',
} as const;
const PROXY = { wildcard: 'none', what: 'a registry prefix', example: 'host[:port][/path]' } as const;
const IGNORE = {
  wildcard: 'labels',
  what: 'an ignore pattern',
  example: 'a host pattern (* = one label) or host[:port]/path',
} as const;

/** The result of parsing a document: compiled mappings, or every fault found. */
export type MappingsParseResult =
  | { ok: true; mappings: Mappings }
  | { ok: false; error: MappingsValidationError };

/** Validates and compiles a mappings document (already parsed from JSON). Never throws. */
export function parseMappings(value: unknown): MappingsParseResult {
  const shape = documentSchema.safeParse(value, { reportInput: true });
  if (!shape.success) return { ok: false, error: new MappingsValidationError(fromZod(shape.error.issues)) };
  const document = shape.data;
  const issues: MappingsIssue[] = [];

  const rules: RegistryRule[] = [];
  const seen = new Map<string, string>();
  for (const [key, entry] of Object.entries(document.registries)) {
    const at = (...rest: string[]) => jsonPath(['registries', key, ...rest]);
    const parsedKey = parseAddress(key, REGISTRY_KEY);
    if (!parsedKey.ok) {
      issues.push({ path: at(), message: `key ${parsedKey.message}` });
      continue;
    }
    const { address, wildcard } = parsedKey;
    const normalizedKey = [
      wildcard ? lookupKey({ ...address, wildcard }) : address.domain,
      ...address.path,
    ].join('/');
    const twin = seen.get(normalizedKey);
    if (twin !== undefined) {
      issues.push({
        path: at(),
        message: `duplicates registries[${JSON.stringify(twin)}] (both mean ${show(normalizedKey)})`,
      });
      continue;
    }
    seen.set(normalizedKey, key);
    const proxy = typeof entry === 'string' ? entry : entry.proxy;
    const proxyAt = typeof entry === 'string' ? at() : at('proxy');
    const parsedProxy = parseAddress(proxy, PROXY);
    if (!parsedProxy.ok) {
      issues.push({ path: proxyAt, message: parsedProxy.message });
      continue;
    }
    const pullSecret =
      typeof entry === 'string' || entry.pullSecret === undefined ? document.pullSecret : entry.pullSecret;
    if (
      typeof entry !== 'string' &&
      typeof entry.pullSecret === 'string' &&
      !SECRET_NAME.test(entry.pullSecret)
    ) {
      issues.push({
        path: at('pullSecret'),
        message: `${show(entry.pullSecret)} is not a Kubernetes Secret name (lowercase RFC 1123 subdomain)`,
      });
    }
    rules.push({
      key,
      normalizedKey,
      wildcard,
      labelCount: wildcard ? address.labels.length - 1 : address.labels.length,
      pathPrefix: address.path,
      proxy,
      proxyDomain: parsedProxy.address.domain,
      proxyPath: parsedProxy.address.path,
      pullSecret,
    });
  }
  if (typeof document.pullSecret === 'string' && !SECRET_NAME.test(document.pullSecret)) {
    issues.push({
      path: 'pullSecret',
      message: `${show(document.pullSecret)} is not a Kubernetes Secret name (lowercase RFC 1123 subdomain)`,
    });
  }

  const ignore: IgnoreRule[] = [];
  for (const [i, pattern] of document.ignore.entries()) {
    const parsed = parseAddress(pattern, IGNORE);
    if (!parsed.ok) {
      issues.push({ path: jsonPath(['ignore', i]), message: parsed.message });
      continue;
    }
    const { host } = splitPort(parsed.address.domain);
    ignore.push({
      pattern,
      labels: parsed.address.labels,
      port: parsed.address.port,
      domain: host,
      pathPrefix: parsed.address.path,
    });
  }

  const table: RuleTable = new Map();
  for (const rule of rules) {
    const lookup = rule.normalizedKey.split('/')[0] ?? '';
    const list = table.get(lookup) ?? [];
    list.push(rule);
    table.set(lookup, list);
  }
  for (const list of table.values()) list.sort(specificity);

  const match = (domain: string, path: readonly string[]): RuleMatch | undefined => {
    let best: RegistryRule | undefined;
    for (const key of candidateKeys(domain)) {
      for (const rule of table.get(key) ?? []) {
        if (!startsWith(path, rule.pathPrefix)) continue;
        if (best === undefined || specificity(rule, best) < 0) best = rule;
        break; // lists are sorted: the first match under a key is its most specific
      }
    }
    return best === undefined ? undefined : { rule: best, rest: path.slice(best.pathPrefix.length) };
  };
  const proxiedBy = (domain: string, path: readonly string[]): RegistryRule | undefined => {
    const lower = domain.toLowerCase();
    const folded = DOCKER_HUB_ALIASES.includes(lower) ? DOCKER_HUB : lower;
    return rules.find((rule) => rule.proxyDomain === folded && startsWith(path, rule.proxyPath));
  };

  // Loops and collisions: a proxy prefix must not itself be rewritten, and two upstreams must not share one.
  const proxyOwner = new Map<string, RegistryRule>();
  for (const rule of rules) {
    const at =
      typeof document.registries[rule.key] === 'string'
        ? jsonPath(['registries', rule.key])
        : jsonPath(['registries', rule.key, 'proxy']);
    const loop = match(rule.proxyDomain, rule.proxyPath);
    if (loop !== undefined) {
      issues.push({
        path: at,
        message: `${show(rule.proxy)} is itself matched by registries[${JSON.stringify(loop.rule.key)}]: rewritten images would be rewritten again`,
      });
    }
    const prefix = [rule.proxyDomain, ...rule.proxyPath].join('/');
    const owner = proxyOwner.get(prefix);
    if (owner !== undefined && owner.normalizedKey.split('/')[0] !== rule.normalizedKey.split('/')[0]) {
      issues.push({
        path: at,
        message: `${show(rule.proxy)} is also the proxy of registries[${JSON.stringify(owner.key)}]: images of two registries would collide in one cache`,
      });
    }
    proxyOwner.set(prefix, owner ?? rule);
  }

  if (issues.length > 0) return { ok: false, error: new MappingsValidationError(issues) };

  const ignored = (domain: string, path: readonly string[]) =>
    ignore.find((rule) => matchesIgnore(rule, domain, path));
  const revision = createHash('sha256').update(canonical(document)).digest('hex').slice(0, 12);
  const mappings: Mappings = {
    version: 1,
    mode: document.mode,
    pullSecret: document.pullSecret,
    registries: Object.freeze(rules.map((rule) => Object.freeze(rule))),
    ignore: Object.freeze(ignore.map((rule) => Object.freeze(rule))),
    registryCount: rules.length,
    revision,
    document: deepFreeze(document),
    match,
    ignored,
    proxiedBy,
  };
  return { ok: true, mappings: Object.freeze(mappings) };
}

/** Parses JSON text, then {@link parseMappings}. Syntax errors are reported like any other fault. */
export function parseMappingsJson(text: string): MappingsParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      error: new MappingsValidationError([
        { path: '', message: `not valid JSON: ${(error as Error).message}` },
      ]),
    };
  }
  return parseMappings(value);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
