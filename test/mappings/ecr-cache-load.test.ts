import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createDependencies } from '../../lambda/dependencies.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { generateEcrCacheDocument } from '../../lambda/mappings/ecr-cache.ts';

const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const GENERATED = JSON.stringify(
  generateEcrCacheDocument(REGISTRY, [
    { upstream: 'docker-hub', url: 'registry-1.docker.io', imageHost: 'docker.io', prefix: 'docker-hub' },
    { upstream: 'k8s', url: 'registry.k8s.io', imageHost: 'registry.k8s.io', prefix: 'k8s' },
  ]),
);

beforeEach(() => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

/** A cold start with a mappings file and the stack's generated document in the environment. */
function coldStart(user: unknown) {
  const file = join(mkdtempSync(join(tmpdir(), 'dpw-ecr-')), 'mappings.json');
  writeFileSync(file, JSON.stringify(user));
  const deps = createDependencies({ MAPPINGS_FILE: file, GENERATED_MAPPINGS: GENERATED });
  return { deps, file };
}

describe('the function with GENERATED_MAPPINGS (ecrCache)', () => {
  it("serves the user's document combined with the generated one", async () => {
    // Prepare
    const { deps } = coldStart({ version: 1, registries: { 'quay.io': 'harbor.example.com/quay' } });

    // Act
    const { value } = await deps.mappings.current();

    // Assess
    if (value === undefined) throw new Error('no mappings');
    expect(decideImage('nginx:1.27', value).image).toBe(`${REGISTRY}/docker-hub/library/nginx:1.27`);
    expect(decideImage('registry.k8s.io/pause:3.10', value).image).toBe(`${REGISTRY}/k8s/pause:3.10`);
    expect(decideImage('quay.io/a/b:1', value).image).toBe('harbor.example.com/quay/a/b:1');
    expect(decideImage(`${REGISTRY}/team/app:1`, value).kind).toBe('ignored');
  });

  it('works with an empty user document', async () => {
    const { value } = await coldStart({ version: 1, registries: {} }).deps.mappings.current();
    expect(value?.registryCount).toBe(2);
  });

  it('rejects a user document that conflicts, naming both sources, and keeps serving the last good one', async () => {
    // Prepare
    const { deps, file } = coldStart({ version: 1, registries: {} });
    const good = await deps.mappings.current();
    writeFileSync(
      file,
      JSON.stringify({ version: 1, registries: { 'docker.io': 'harbor.example.com/hub' } }),
    );

    // Act
    const after = await deps.mappings.refresh();

    // Assess
    expect(after.value?.revision).toBe(good.value?.revision);
    expect(after.lastError).toBe(
      `registries["docker.io"]: in file ${file}: same registry as registries["docker.io"] in the mappings generated for the ECR pull-through cache (ecrCache), which must match the cache rules; remove it (or drop that upstream from the cache)`,
    );
  });

  it('refuses to start when the generated document itself is invalid', () => {
    expect(() => createDependencies({ MAPPINGS_FILE: 'x', GENERATED_MAPPINGS: '{"version":1}' })).toThrow(
      'GENERATED_MAPPINGS is invalid:\nregistries: is required (record)',
    );
  });
});
