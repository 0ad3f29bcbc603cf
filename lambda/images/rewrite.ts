/**
 * One image reference + compiled mappings → one {@link ImageDecision}. Pure and total: never throws.
 *
 * Order of the checks, and why:
 * 1. `invalid`: not a reference the kubelet could pull; left alone (the kubelet reports it too).
 * 2. `already-proxied`: it points under a proxy prefix. Checked before anything else so that reviewing an
 *    already rewritten pod is a no-op (`reinvocationPolicy: IfNeeded`, re-created pods, GitOps diffs).
 * 3. `ignored`: an `ignore` pattern covers it (private registries); never rewritten.
 * 4. `rewritten`: the most specific `registries` key matches; the matched prefix (registry, plus the key's
 *    path prefix) is replaced by the proxy prefix; the rest of the path, the tag and the digest are kept
 *    exactly. No `:latest` is added: an untagged image stays untagged.
 * 5. `unmapped`: valid, but no key covers it. Also when the rewritten name would not fit every runtime's
 *    grammar (255 characters for domain and path together), and for Docker Hub's names in another case, which
 *    runtimes do not read as Docker Hub and no key can name (`docker-hub.ts`).
 */
import type { ImageDecision } from './decision.ts';
import { isDockerHubInAnotherCase } from './docker-hub.ts';
import { formatReference, NAME_TOTAL_LENGTH_MAX, parseNormalizedReference } from './reference.ts';

/**
 * What deciding an image needs from the mappings: three lookups over a normalized repository (`domain`, path
 * components). The compiled `Mappings` (mappings/parse.ts) provide them; declared here so that `images/`
 * depends on no other folder.
 */
export interface RewriteRules {
  /** The most specific registry rule for the repository, and the path components after its prefix. */
  match(
    domain: string,
    path: readonly string[],
  ):
    | {
        readonly rule: {
          /** The `registries` key as written. */
          readonly key: string;
          /** The proxy prefix as written. */
          readonly proxy: string;
          readonly proxyDomain: string;
          readonly proxyPath: readonly string[];
          readonly pullSecret: string | null;
        };
        readonly rest: readonly string[];
      }
    | undefined;
  /** The `ignore` pattern (as written) covering the repository. */
  ignored(domain: string, path: readonly string[]): { readonly pattern: string } | undefined;
  /** The `registries` key whose proxy prefix the repository is already under. */
  proxiedBy(domain: string, path: readonly string[]): { readonly key: string } | undefined;
}

/** Decides what one image string becomes under the given mappings. */
export function decideImage(input: string, mappings: RewriteRules): ImageDecision {
  const parsed = parseNormalizedReference(input);
  if (!parsed.ok) return { kind: 'invalid', input, image: input, error: parsed.error };
  const reference = parsed.value;
  const normalized = formatReference(reference);
  const path = reference.path.split('/');
  if (isDockerHubInAnotherCase(reference.domain)) {
    const reason = `${JSON.stringify(reference.domain)} is not Docker Hub to container runtimes, which read Docker Hub's names only in lowercase; no mapping applies (write ${JSON.stringify(reference.domain.toLowerCase())})`;
    return { kind: 'unmapped', input, image: input, normalized, reason };
  }

  const proxy = mappings.proxiedBy(reference.domain, path);
  if (proxy !== undefined)
    return { kind: 'already-proxied', input, image: input, normalized, rule: proxy.key };

  const ignore = mappings.ignored(reference.domain, path);
  if (ignore !== undefined) return { kind: 'ignored', input, image: input, normalized, rule: ignore.pattern };

  const match = mappings.match(reference.domain, path);
  if (match === undefined) return { kind: 'unmapped', input, image: input, normalized };

  const { rule, rest } = match;
  const newPath = [...rule.proxyPath, ...rest];
  if (newPath.length === 0) {
    return {
      kind: 'unmapped',
      input,
      image: input,
      normalized,
      reason: `registries[${JSON.stringify(rule.key)}] leaves no repository path under ${JSON.stringify(rule.proxy)}`,
    };
  }
  const name = `${rule.proxyDomain}/${newPath.join('/')}`;
  // Input follows distribution/reference v0.6 (255 for the path alone), but containerd's parser and
  // distribution/reference before v0.6 count domain and path together: a rewritten name must fit both.
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    return {
      kind: 'unmapped',
      input,
      image: input,
      normalized,
      reason: `rewriting under ${JSON.stringify(rule.proxy)} makes the name (domain and path) longer than ${NAME_TOTAL_LENGTH_MAX} characters, which containerd rejects`,
    };
  }
  const image = formatReference({ ...reference, domain: rule.proxyDomain, path: newPath.join('/') });
  return { kind: 'rewritten', input, image, normalized, rule: rule.key, pullSecret: rule.pullSecret };
}
