import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeDecision } from '../../lambda/images/describe.ts';
import { decideImage } from '../../lambda/images/rewrite.ts';
import { type Mappings, parseMappings } from '../../lambda/mappings/parse.ts';
import { validReference } from '../helpers/arbitraries.ts';
import { loadFixtureDir } from '../helpers/fixtures.ts';

/** One expected decision; fields left out are not asserted. */
interface RewriteCase {
  input: string;
  decision: string;
  image: string;
  normalized?: string;
  pullSecret?: string | null;
  rule?: string;
  reason?: string;
  message?: string;
  note?: string;
}

interface RewriteFixture {
  description: string;
  mappings: unknown;
  cases: RewriteCase[];
}

function compile(document: unknown): Mappings {
  const result = parseMappings(document);
  if (!result.ok) throw result.error;
  return result.value;
}

const fixtures = loadFixtureDir<RewriteFixture>('rewrite');

describe.each(fixtures)('decideImage with the %s mappings', (_name, fixture) => {
  const mappings = compile(fixture.mappings);

  it.each(fixture.cases.map((c) => [c.input, c.note ?? '', c]))('%j %s', (_input, _note, c) => {
    // Act
    const decision = decideImage(c.input, mappings);

    // Assess
    expect(decision.kind).toBe(c.decision);
    expect(decision.input).toBe(c.input);
    expect(decision.image).toBe(c.image);
    if (c.pullSecret !== undefined) expect(decision).toHaveProperty('pullSecret', c.pullSecret);
    if (c.rule !== undefined) expect(decision).toHaveProperty('rule', c.rule);
    if (c.normalized !== undefined) expect(decision).toHaveProperty('normalized', c.normalized);
    if (c.reason !== undefined) expect(decision).toHaveProperty('error.reason', c.reason);
    if (c.message !== undefined) expect(describeDecision(decision)).toBe(c.message);
  });

  it('a rewritten image is already-proxied on the second pass, unchanged', () => {
    for (const c of fixture.cases.filter((c) => c.decision === 'rewritten')) {
      const again = decideImage(c.image, mappings);
      expect([c.input, again.kind, again.image]).toEqual([c.input, 'already-proxied', c.image]);
    }
  });
});

describe('decideImage', () => {
  const mappings = compile({
    version: 1,
    registries: {
      'docker.io': 'harbor.example.com/dockerhub',
      'ghcr.io': { proxy: 'harbor.example.com/ghcr', pullSecret: null },
      '*.example.io': 'cache.example.net',
      'docker.io/exact/image': 'harbor.example.com/one',
      'docker.io/none/image': 'bare.example.net',
    },
    ignore: ['*.dkr.ecr.*.amazonaws.com'],
  });

  it('leaves an image unmapped, with the reason, when the rewritten name would exceed 255 characters', () => {
    const long = `ghcr.io/${'a'.repeat(125)}/${'b'.repeat(125)}:1`;
    const decision = decideImage(long, mappings);
    expect(decision).toMatchObject({ kind: 'unmapped', image: long });
    expect(describeDecision(decision)).toMatch(/longer than 255 characters/);
  });

  it.each([
    [232, 'rewritten'],
    [233, 'rewritten'],
    [234, 'unmapped'],
    [240, 'unmapped'],
  ])(
    'counts the domain in the 255-character limit of a rewritten name (%i-character path)',
    (length, kind) => {
      // Prepare: input within distribution/reference v0.6's rule (path only); the rewrite adds
      // "harbor.example.com/ex/" (22 characters) to the name, which containerd counts whole.
      const wide = compile({ version: 1, registries: { 'example.com': 'harbor.example.com/ex' } });
      const input = `example.com/${'a'.repeat(length)}:1`;

      // Act
      const decision = decideImage(input, wide);

      // Assess
      expect(decision.kind).toBe(kind);
      if (kind === 'rewritten') expect(decision.image).toBe(`harbor.example.com/ex/${'a'.repeat(length)}:1`);
      else expect(describeDecision(decision)).toMatch(/name \(domain and path\) longer than 255 characters/);
    },
  );

  it('never rewrites to a name over 255 characters, domain included', () => {
    fc.assert(
      fc.property(validReference, fc.integer({ min: 200, max: 260 }), (input, pad) => {
        const long = `ghcr.io/${'p'.repeat(pad)}/${input.replace(/^[^/]*\//, '')}`;
        const decision = decideImage(long, mappings);
        if (decision.kind !== 'rewritten') return;
        const name = decision.image.replace(/(:[\w][\w.-]*)?(@[a-z0-9]+:[a-f0-9]+)?$/, '');
        expect(name.length).toBeLessThanOrEqual(255);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves an image unmapped when a host-only proxy would receive an empty path', () => {
    const decision = decideImage('none/image:1', mappings);
    expect(decision).toMatchObject({ kind: 'unmapped', image: 'none/image:1' });
    expect(describeDecision(decision)).toMatch(/leaves no repository path/);
  });

  it('maps a key that is a whole repository onto the proxy prefix itself', () => {
    expect(decideImage('exact/image:1', mappings).image).toBe('harbor.example.com/one:1');
  });

  it('never throws, whatever the string', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (input) => {
        const decision = decideImage(input, mappings);
        expect(decision.input).toBe(input);
      }),
    );
  });

  it('is idempotent: the image a decision gives decides to itself (already-proxied or unchanged)', () => {
    fc.assert(
      fc.property(validReference, (input) => {
        const first = decideImage(input, mappings);
        const second = decideImage(first.image, mappings);
        expect(second.image).toBe(first.image);
        if (first.kind === 'rewritten') expect(second.kind).toBe('already-proxied');
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps the tag and digest of every rewritten reference exactly', () => {
    fc.assert(
      fc.property(validReference, (input) => {
        const decision = decideImage(input, mappings);
        if (decision.kind !== 'rewritten') return;
        const suffix = /(:[\w][\w.-]*)?(@[a-z0-9]+:[a-f0-9]+)?$/.exec(input)?.[0] ?? '';
        expect(decision.image.endsWith(suffix)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
