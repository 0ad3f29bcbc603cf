import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MAPPINGS_PATH, loadMappingsFile } from '../../lambda/mappings/file.ts';
import { parseMappings, parseMappingsJson } from '../../lambda/mappings/parse.ts';
import { SCHEMA_PATH, schemaText } from '../../lambda/mappings/write-schema.ts';
import { loadFixture, loadFixtureDir } from '../helpers/fixtures.ts';

interface InvalidCase {
  name: string;
  document: unknown;
  errors: string[];
}

describe('parseMappings rejects', () => {
  it.each(loadFixture<InvalidCase[]>('mappings/invalid.json').map((c) => [c.name, c]))('%s', (_name, c) => {
    // Act
    const result = parseMappings(c.document);

    // Assess
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.message.split('\n')).toEqual(c.errors);
    expect(result.error.issues).toHaveLength(c.errors.length);
  });

  it('keeps the lower error as cause: the JSON syntax error, the unreadable file', async () => {
    const syntax = parseMappingsJson('{"version": 1,');
    const unreadable = await loadMappingsFile('/nonexistent/mappings.json');
    expect(!syntax.ok && syntax.error.cause).toBeInstanceOf(SyntaxError);
    expect(!unreadable.ok && unreadable.error.cause).toMatchObject({ code: 'ENOENT' });
  });

  it('reports a JSON syntax error as a fault of the whole document', () => {
    const result = parseMappingsJson('{"version": 1,');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/^not valid JSON: /);
  });
});

describe('parseMappings accepts', () => {
  it.each(loadFixtureDir<{ mappings: unknown }>('rewrite'))('the %s fixture', (_name, fixture) => {
    expect(parseMappings(fixture.mappings).ok).toBe(true);
  });

  it('the shipped example, with every registry the issue names', () => {
    const result = parseMappingsJson(readFileSync(EXAMPLE_MAPPINGS_PATH, 'utf8'));
    if (!result.ok) throw result.error;
    expect(Object.keys(result.value.document.registries)).toEqual(
      expect.arrayContaining([
        'docker.io',
        'ghcr.io',
        'quay.io',
        'registry.k8s.io',
        'gcr.io',
        'public.ecr.aws',
      ]),
    );
  });

  it('fills defaults: enforce mode, no ignores, the default pull secret', () => {
    const result = parseMappings({ version: 1, registries: { 'ghcr.io': 'cache.example.com/ghcr' } });
    if (!result.ok) throw result.error;
    expect(result.value).toMatchObject({
      mode: 'enforce',
      pullSecret: 'docker-proxy-credentials',
      ignore: [],
    });
    expect(result.value.registries[0]?.pullSecret).toBe('docker-proxy-credentials');
  });

  it('per-mapping pullSecret overrides the default, and null means none', () => {
    const result = parseMappings({
      version: 1,
      registries: {
        'ghcr.io': { proxy: 'cache.example.com/ghcr', pullSecret: null },
        'quay.io': { proxy: 'cache.example.com/quay', pullSecret: 'quay-pull' },
        'docker.io': { proxy: 'cache.example.com/hub' },
      },
      pullSecret: 'default-pull',
    });
    if (!result.ok) throw result.error;
    expect(result.value.registries.map((r) => [r.key, r.pullSecret])).toEqual([
      ['ghcr.io', null],
      ['quay.io', 'quay-pull'],
      ['docker.io', 'default-pull'],
    ]);
  });
});

describe('compiled mappings', () => {
  const doc = { version: 1, registries: { 'ghcr.io': 'cache.example.com/ghcr' }, ignore: ['x.example.com'] };

  it('are frozen all the way down', () => {
    const result = parseMappings(doc);
    if (!result.ok) throw result.error;
    expect(Object.isFrozen(result.value)).toBe(true);
    expect(Object.isFrozen(result.value.registries[0])).toBe(true);
    expect(Object.isFrozen(result.value.document.registries)).toBe(true);
  });

  it('have a revision that ignores formatting and key order but follows content', () => {
    const a = parseMappingsJson(JSON.stringify(doc));
    const b = parseMappingsJson(
      `{ "ignore": ["x.example.com"],\n "registries": {"ghcr.io": "cache.example.com/ghcr"}, "version": 1 }`,
    );
    const c = parseMappings({ ...doc, mode: 'observe' });
    if (!a.ok || !b.ok || !c.ok) throw new Error('fixture rejected');
    expect(a.value.revision).toMatch(/^[0-9a-f]{12}$/);
    expect(b.value.revision).toBe(a.value.revision);
    expect(c.value.revision).not.toBe(a.value.revision);
  });
});

describe('mappings.schema.json', () => {
  it('is the committed output of `npm run schema`', () => {
    expect(readFileSync(SCHEMA_PATH, 'utf8')).toBe(schemaText());
  });
});
