import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { parseMappings } from '../../lambda/mappings/parse.ts';

/**
 * Mappings are one-to-one: two different images are never rewritten to one proxy image. Small pools of hosts,
 * path components and proxy prefixes make equal and nested proxy prefixes (the dangerous documents) common.
 */
const HOSTS = ['docker.io', 'ghcr.io', 'quay.io', 'eu.gcr.io', 'registry.example.com', 'other.example.com'];
const KEY_HOSTS = [...HOSTS, '*.gcr.io', '*.example.com'];
const COMPONENTS = ['a', 'b', 'other', 'library', 'fluxcd'];
const PROXY_HOSTS = ['harbor.example.net', 'cache.example.org'];

const components = (max: number) => fc.array(fc.constantFrom(...COMPONENTS), { maxLength: max });

const registryKey = fc
  .tuple(fc.constantFrom(...KEY_HOSTS), components(2))
  .map(([host, path]) => [host, ...path].join('/'));
const proxy = fc
  .tuple(fc.constantFrom(...PROXY_HOSTS), components(3))
  .map(([host, path]) => [host, ...path].join('/'));

/** Documents the parser accepts (others are skipped). */
const validDocument = fc
  .dictionary(registryKey, proxy, { minKeys: 1, maxKeys: 5 })
  .map((registries) => ({ version: 1, registries }))
  .filter((document) => parseMappings(document).ok);

/**
 * Every reference up to three components over the pools (and hosts only a wildcard covers), so that any two
 * images a document could confuse are both present; a tag or digest rides along.
 */
const REFERENCE_HOSTS = [...HOSTS, 'us.gcr.io', 'x.example.com'];
const PATHS = [1, 2, 3].flatMap((n) => tuples(['a', 'other', 'library', 'fluxcd', 'app'], n));
const REFERENCES = REFERENCE_HOSTS.flatMap((host) => PATHS.map((path) => `${host}/${path.join('/')}`));

function tuples(items: readonly string[], n: number): string[][] {
  if (n === 0) return [[]];
  return tuples(items, n - 1).flatMap((rest) => items.map((item) => [...rest, item]));
}

/**
 * What an image is, for this property: its normalized name, except that all hosts a wildcard key covers are one
 * registry (documented: a wildcard sends every host it covers to one cache), named by the widest such key.
 */
function identity(normalized: string, keys: readonly string[]): string {
  const slash = normalized.indexOf('/');
  const host = normalized.slice(0, slash);
  const wildcards = keys
    .map((key) => key.split('/')[0] ?? key)
    .filter((key) => key.startsWith('*.') && host.endsWith(key.slice(1)))
    .sort((a, b) => a.length - b.length);
  return `${wildcards[0] ?? host}${normalized.slice(slash)}`;
}

describe('one-to-one mappings', () => {
  it('never rewrite two different images to one proxy image', () => {
    const suffix = fc.constantFrom('', ':1', `@sha256:${'a'.repeat(64)}`);
    fc.assert(
      fc.property(validDocument, suffix, (document, tagOrDigest) => {
        // Prepare
        const result = parseMappings(document);
        if (!result.ok) throw result.error;
        const seen = new Map<string, string>();
        for (const input of REFERENCES.map((name) => `${name}${tagOrDigest}`)) {
          // Act
          const decision = decideImage(input, result.value);
          if (decision.kind !== 'rewritten') continue;

          // Assess
          const who = identity(decision.normalized, Object.keys(document.registries));
          const before = seen.get(decision.image) ?? who;
          expect(before, `${before} and ${who} both → ${decision.image}`).toBe(who);
          seen.set(decision.image, who);
        }
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    [
      'a redundant but consistent path key beside its registry',
      { 'ghcr.io': 'harbor.example.com/ghcr', 'ghcr.io/fluxcd': 'harbor.example.com/ghcr/fluxcd' },
    ],
    [
      'the same, written the other way round',
      { 'ghcr.io/fluxcd': 'harbor.example.com/ghcr/fluxcd', 'ghcr.io': 'harbor.example.com/ghcr' },
    ],
    [
      'a host with the proxy its wildcard gives it',
      { '*.gcr.io': 'harbor.example.com/gcr', 'eu.gcr.io': 'harbor.example.com/gcr' },
    ],
    [
      'sibling proxies that do not nest',
      { 'docker.io': 'harbor.example.com/dockerhub', 'docker.io/bitnami': 'harbor.example.com/bitnami' },
    ],
  ])('accepts %s', (_name, registries) => {
    const result = parseMappings({ version: 1, registries });
    expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
  });
});
