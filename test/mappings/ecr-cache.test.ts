import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { combineMappings, combineMappingsJson } from '../../lambda/mappings/combine.ts';
import {
  ECR_UPSTREAM_NAMES,
  ECR_UPSTREAMS,
  type EcrCacheSelection,
  ecrRegistryHost,
  generateEcrCacheDocument,
  resolveEcrCacheRules,
} from '../../lambda/mappings/ecr-cache.ts';
import type { Mappings } from '../../lambda/mappings/parse.ts';
import { loadFixtureDir } from '../helpers/fixtures.ts';

interface CacheFixture {
  description: string;
  registry: string;
  selection: EcrCacheSelection;
  user: unknown;
  cases: { input: string; decision: string; image: string; pullSecret?: string | null; note?: string }[];
}

const GENERATED = 'the ECR pull-through cache of the stack';

function generated(registry: string, selection: EcrCacheSelection) {
  const rules = resolveEcrCacheRules(selection);
  if (!rules.ok) throw new Error(rules.errors.join('\n'));
  return generateEcrCacheDocument(registry, rules.rules);
}

function combined(user: unknown, registry: string, selection: EcrCacheSelection): Mappings {
  const result = combineMappings(
    { source: 'mappings.json', value: user },
    { source: GENERATED, value: generated(registry, selection) },
  );
  if (!result.ok) throw result.error;
  return result.value;
}

describe.each(loadFixtureDir<CacheFixture>('ecr-cache'))('the %s cache', (_name, fixture) => {
  const mappings = combined(fixture.user, fixture.registry, fixture.selection);

  it.each(fixture.cases.map((c) => [c.input, c.note ?? '', c]))('%j %s', (_input, _note, c) => {
    // Act
    const decision = decideImage(c.input, mappings);

    // Assess
    expect([decision.kind, decision.image]).toEqual([c.decision, c.image]);
    if (c.pullSecret !== undefined) expect(decision).toHaveProperty('pullSecret', c.pullSecret);
  });

  it("keeps the user's mode and default pull secret", () => {
    const user = fixture.user as { mode?: string; pullSecret?: string | null };
    expect(mappings.mode).toBe(user.mode ?? 'enforce');
    expect(mappings.pullSecret).toBe(
      user.pullSecret === undefined ? 'docker-proxy-credentials' : user.pullSecret,
    );
  });
});

describe('generateEcrCacheDocument', () => {
  it('maps each upstream host to its prefix with no pull secret, and ignores the own registry', () => {
    const document = generated(ecrRegistryHost('123456789012', 'eu-west-1'), {
      upstreams: ['docker-hub', 'k8s'],
    });
    expect(document).toEqual({
      version: 1,
      registries: {
        'docker.io': { proxy: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/docker-hub', pullSecret: null },
        'registry.k8s.io': { proxy: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/k8s', pullSecret: null },
      },
      ignore: ['123456789012.dkr.ecr.eu-west-1.amazonaws.com'],
    });
  });

  it('covers every upstream of the CloudFormation UpstreamRegistry enum', () => {
    expect([...ECR_UPSTREAM_NAMES].sort()).toEqual([
      'azure-container-registry',
      'chainguard',
      'docker-hub',
      'ecr',
      'ecr-public',
      'github-container-registry',
      'gitlab-container-registry',
      'k8s',
      'quay',
    ]);
    expect(ECR_UPSTREAMS['docker-hub'].auth).toBe('secret');
    expect(ECR_UPSTREAMS.quay.auth).toBe('none');
    expect(ECR_UPSTREAMS.ecr.auth).toBe('role');
  });

  const account = fc.stringMatching(/^[0-9]{12}$/);
  const region = fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1');
  const fixedUpstreams = ECR_UPSTREAM_NAMES.filter((n) => ECR_UPSTREAMS[n].url !== undefined);
  const prefix = fc.stringMatching(/^[a-z0-9]{2,8}$/);

  it('for every account, region, upstream subset and prefixes, each upstream rewrites under its own prefix', () => {
    fc.assert(
      fc.property(
        account,
        region,
        fc.subarray(fixedUpstreams, { minLength: 1 }),
        fc.uniqueArray(prefix, { minLength: fixedUpstreams.length, maxLength: fixedUpstreams.length }),
        (acct, reg, upstreams, prefixes) => {
          const registry = ecrRegistryHost(acct, reg);
          const selection = {
            upstreams,
            prefixes: Object.fromEntries(upstreams.map((u, i) => [u, prefixes[i] as string])),
          };
          const mappings = combined({ version: 1, registries: {} }, registry, selection);
          for (const [i, name] of upstreams.entries()) {
            const host = ECR_UPSTREAMS[name].imageHost;
            const decision = decideImage(`${host}/team/app:1`, mappings);
            expect(decision.image).toBe(`${registry}/${prefixes[i]}/team/app:1`);
            expect(decideImage(decision.image, mappings).kind).toBe('already-proxied');
          }
          expect(decideImage(`${registry}/private/app:1`, mappings).kind).toBe('ignored');
        },
      ),
    );
  });
});

describe('resolveEcrCacheRules rejects', () => {
  it.each<[string, EcrCacheSelection, string[]]>([
    [
      'an unknown upstream',
      { upstreams: ['dockerhub'] },
      [
        'unknown upstream "dockerhub"; ECR caches docker-hub, github-container-registry, gitlab-container-registry, azure-container-registry, chainguard, ecr-public, k8s, quay, ecr',
      ],
    ],
    ['a repeated upstream', { upstreams: ['quay', 'quay'] }, ['upstream "quay" is listed twice']],
    [
      'Azure without its URL',
      { upstreams: ['azure-container-registry'] },
      [
        'azure-container-registry needs its registry URL, e.g. azure-container-registry=myregistry.azurecr.io',
      ],
    ],
    [
      'ECR with a malformed URL',
      { upstreams: ['ecr'], urls: { ecr: 'ecr.example.com' } },
      ['URL "ecr.example.com" of ecr is not like 111122223333.dkr.ecr.us-east-1.amazonaws.com'],
    ],
    [
      'a URL for a fixed upstream',
      { upstreams: ['quay'], urls: { quay: 'quay.example.com' } },
      ['quay always caches quay.io; remove its URL'],
    ],
    [
      'a prefix for an upstream not cached',
      { upstreams: ['quay'], prefixes: { k8s: 'kube' } },
      ['a prefix is given for "k8s", which is not cached'],
    ],
    [
      'a prefix ECR refuses',
      { upstreams: ['quay'], prefixes: { quay: 'Quay/' } },
      [
        'prefix "Quay/" of quay is not an ECR repository prefix: 2-30 characters, lowercase components separated by "/"',
      ],
    ],
    [
      'overlapping prefixes',
      { upstreams: ['quay', 'k8s'], prefixes: { quay: 'cache', k8s: 'cache/k8s' } },
      ['prefixes "cache" (quay) and "cache/k8s" (k8s) overlap; give each upstream its own'],
    ],
  ])('%s', (_name, selection, errors) => {
    const result = resolveEcrCacheRules(selection);
    expect(result).toEqual({ ok: false, errors });
  });
});

describe('combineMappings rejects, naming both sources', () => {
  const generatedDoc = generated('123456789012.dkr.ecr.eu-west-1.amazonaws.com', {
    upstreams: ['docker-hub', 'ecr'],
    urls: { ecr: '111122223333.dkr.ecr.us-east-1.amazonaws.com' },
  });
  const reject = (user: unknown): string[] => {
    const result = combineMappings(
      { source: 'SSM parameter /p', value: user },
      { source: GENERATED, value: generatedDoc },
    );
    if (result.ok) throw new Error('accepted');
    return result.error.message.split('\n');
  };

  it.each<[string, unknown, string[]]>([
    [
      'a user key for a cached registry',
      { version: 1, registries: { 'index.docker.io': 'harbor.example.com/hub' } },
      [
        'registries["index.docker.io"]: in SSM parameter /p: same registry as registries["docker.io"] in the ECR pull-through cache of the stack, which must match the cache rules; remove it (or drop that upstream from the cache)',
      ],
    ],
    [
      'a user ignore covering a cached registry',
      { version: 1, registries: {}, ignore: ['*.dkr.ecr.*.amazonaws.com'] },
      [
        'ignore[0]: in SSM parameter /p: "*.dkr.ecr.*.amazonaws.com" covers registries["111122223333.dkr.ecr.us-east-1.amazonaws.com"] of the ECR pull-through cache of the stack, so those images would never reach the cache; narrow the pattern',
      ],
    ],
    [
      'a user key for the own registry',
      {
        version: 1,
        registries: { '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team': 'harbor.example.com/team' },
      },
      [
        'registries["123456789012.dkr.ecr.eu-west-1.amazonaws.com/team"]: in SSM parameter /p: never applies, "123456789012.dkr.ecr.eu-west-1.amazonaws.com" in the ignore of the ECR pull-through cache of the stack covers it',
      ],
    ],
    [
      'a user proxy the cache would rewrite again',
      { version: 1, registries: { 'gcr.io': 'docker.io/mirror' } },
      [
        'registries["gcr.io"]: in SSM parameter /p: "docker.io/mirror" is itself matched by registries["docker.io"]: rewritten images would be rewritten again',
      ],
    ],
  ])('%s', (_name, user, errors) => {
    expect(reject(user)).toEqual(errors);
  });

  it("reports the user's own faults as before, and JSON syntax with the source", () => {
    expect(reject({ version: 2, registries: {} })).toEqual(['version: 2 is not allowed; expected 1']);
    const result = combineMappingsJson('{', 'SSM parameter /p', { source: GENERATED, value: generatedDoc });
    expect(result.ok ? '' : result.error.message).toMatch(/^in SSM parameter \/p: not valid JSON: /);
  });
});
