/**
 * Parsing a mappings document: the public entry of `mappings/`. Composes the shape (`document.ts`), the
 * meaning of each address (`address.ts`), the rule index and its checks (`rules.ts`) and the revision
 * (`revision.ts`) into a frozen, pre-compiled {@link Mappings}: deciding an image is a map lookup per host
 * suffix. Every fault is reported at once with its JSON path and the bad value (`issues.ts`).
 *
 * Pure: no I/O, no AWS. The same module validates the SSM parameter in the Lambda, files for `npm start`,
 * and documents before `mappings push`.
 */
import { err, ok, type Result } from '../result.ts';
import { IGNORE, PROXY, parseAddress, REGISTRY_KEY, splitPort } from './address.ts';
import { documentSchema, type MappingEntry, type MappingsDocument } from './document.ts';
import { fromZod, jsonPath, type MappingsIssue, MappingsValidationError, show } from './issues.ts';
import { revisionOf } from './revision.ts';
import { checkRules, type IgnoreRule, indexRules, type RegistryRule, type RuleIndex } from './rules.ts';

export { DEFAULT_PULL_SECRET, type MappingsDocument, mappingsJsonSchema } from './document.ts';
export { type MappingsIssue, MappingsValidationError } from './issues.ts';
export type { IgnoreRule, RegistryRule, RuleMatch } from './rules.ts';

/** Validated, compiled, frozen mappings. Built only by {@link parseMappings}. */
export interface Mappings extends RuleIndex {
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
}

/** The result of parsing a document: compiled mappings, or every fault found. */
export type MappingsParseResult = Result<Mappings, MappingsValidationError>;

/** A Kubernetes Secret name: an RFC 1123 DNS subdomain. */
const SECRET_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The issue for a pull Secret name that Kubernetes would not accept, if it is one. */
function checkSecret(path: string, name: string | null | undefined): MappingsIssue[] {
  if (typeof name !== 'string' || SECRET_NAME.test(name)) return [];
  return [{ path, message: `${show(name)} is not a Kubernetes Secret name (lowercase RFC 1123 subdomain)` }];
}

/** JSON path of the proxy prefix of an entry: the entry itself when it is a string. */
const proxyPathOf = (key: string, entry: MappingEntry | undefined): string =>
  jsonPath(
    typeof entry === 'string' || entry === undefined ? ['registries', key] : ['registries', key, 'proxy'],
  );

/** A compiled entry (absent when the entry is unusable) and the issues found on the way. */
interface Compiled<T> {
  readonly value?: T;
  readonly issues: readonly MappingsIssue[];
}

/** Compiles one `registries` entry; `seen` maps normalized keys to the key that claimed them first. */
function compileRegistry(
  key: string,
  entry: MappingEntry,
  document: MappingsDocument,
  seen: Map<string, string>,
): Compiled<RegistryRule> {
  const at = jsonPath(['registries', key]);
  const parsedKey = parseAddress(key, REGISTRY_KEY);
  if (!parsedKey.ok) return { issues: [{ path: at, message: `key ${parsedKey.error}` }] };
  const address = parsedKey.value;
  const host = address.wildcard
    ? `*.${[address.labels.slice(1).join('.'), ...(address.port === undefined ? [] : [address.port])].join(':')}`
    : address.domain;
  const normalizedKey = [host, ...address.path].join('/');
  const twin = seen.get(normalizedKey);
  if (twin !== undefined) {
    const message = `duplicates registries[${JSON.stringify(twin)}] (both mean ${show(normalizedKey)})`;
    return { issues: [{ path: at, message }] };
  }
  seen.set(normalizedKey, key);
  const proxy = typeof entry === 'string' ? entry : entry.proxy;
  const parsedProxy = parseAddress(proxy, PROXY);
  if (!parsedProxy.ok) return { issues: [{ path: proxyPathOf(key, entry), message: parsedProxy.error }] };
  const own = typeof entry === 'string' ? undefined : entry.pullSecret;
  const rule: RegistryRule = {
    key,
    normalizedKey,
    wildcard: address.wildcard,
    labelCount: address.wildcard ? address.labels.length - 1 : address.labels.length,
    pathPrefix: address.path,
    proxy,
    proxyDomain: parsedProxy.value.domain,
    proxyPath: parsedProxy.value.path,
    pullSecret: own === undefined ? document.pullSecret : own,
  };
  // A bad Secret name is reported, but the rule still takes part in the loop and collision checks.
  return { value: rule, issues: checkSecret(jsonPath(['registries', key, 'pullSecret']), own) };
}

/** Compiles one `ignore` pattern. */
function compileIgnore(pattern: string, i: number): Compiled<IgnoreRule> {
  const parsed = parseAddress(pattern, IGNORE);
  if (!parsed.ok) return { issues: [{ path: jsonPath(['ignore', i]), message: parsed.error }] };
  const { labels, port, domain, path } = parsed.value;
  return { value: { pattern, labels, port, domain: splitPort(domain).host, pathPrefix: path }, issues: [] };
}

/** Keeps the compiled values, and gathers every issue into `issues` (in document order). */
function collect<T>(compiled: readonly Compiled<T>[], issues: MappingsIssue[]): T[] {
  return compiled.flatMap((entry) => {
    issues.push(...entry.issues);
    return entry.value === undefined ? [] : [entry.value];
  });
}

/**
 * The `registries` keys as given, in order. Taken from the input, not from zod's output: a record built by
 * assignment loses `__proto__` (it sets the prototype), and every key must be validated like any other.
 */
function registryKeys(value: unknown): string[] {
  const registries = (value as { registries?: unknown }).registries;
  return typeof registries === 'object' && registries !== null ? Object.keys(registries) : [];
}

/** The issue of a key that cannot be carried into the document (`__proto__`): never silently dropped. */
function lostKey(key: string): Compiled<RegistryRule> {
  const parsed = parseAddress(key, REGISTRY_KEY);
  const message = parsed.ok ? 'cannot be used as a key' : `key ${parsed.error}`;
  return { issues: [{ path: jsonPath(['registries', key]), message }] };
}

/** Validates and compiles a mappings document (already parsed from JSON). Never throws. */
export function parseMappings(value: unknown): MappingsParseResult {
  const shape = documentSchema.safeParse(value, { reportInput: true });
  if (!shape.success) return err(new MappingsValidationError(fromZod(shape.error.issues)));
  const document = shape.data;
  const issues: MappingsIssue[] = [];
  const seen = new Map<string, string>();
  const rules = collect(
    registryKeys(value).map((key) => {
      const entry = Object.hasOwn(document.registries, key) ? document.registries[key] : undefined;
      return entry === undefined ? lostKey(key) : compileRegistry(key, entry, document, seen);
    }),
    issues,
  );
  issues.push(...checkSecret('pullSecret', document.pullSecret));
  const ignore = collect(document.ignore.map(compileIgnore), issues);
  const index = indexRules(rules, ignore);
  issues.push(...checkRules(rules, index, (rule) => proxyPathOf(rule.key, document.registries[rule.key])));
  if (issues.length > 0) return err(new MappingsValidationError(issues));
  return ok(
    Object.freeze({
      version: 1,
      mode: document.mode,
      pullSecret: document.pullSecret,
      registries: Object.freeze(rules.map((rule) => Object.freeze(rule))),
      ignore: Object.freeze(ignore.map((rule) => Object.freeze(rule))),
      registryCount: rules.length,
      revision: revisionOf(document),
      document: deepFreeze(document),
      ...index,
    }),
  );
}

/** Parses JSON text, then {@link parseMappings}. Syntax errors are reported like any other fault. */
export function parseMappingsJson(text: string): MappingsParseResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = `not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
    return err(new MappingsValidationError([{ path: '', message }], { cause: error }));
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
