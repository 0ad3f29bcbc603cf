import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatReference,
  ImageReferenceError,
  parseNormalizedReference,
  parseReference,
} from '../../lambda/images/reference.ts';
import { validReference } from '../helpers/arbitraries.ts';
import { loadFixture } from '../helpers/fixtures.ts';

/** Our normalization table: what a container runtime pulls for each input. */
interface NormalizeCase {
  input: string;
  normalized?: string;
  domain?: string;
  path?: string;
  tag?: string;
  digest?: string;
  error?: string;
  message?: string;
  note?: string;
}

const normalizeCases = loadFixture<NormalizeCase[]>('reference/normalize.json');

describe('parseNormalizedReference', () => {
  it.each(normalizeCases.map((c) => [c.input, c]))('%j', (_input, c) => {
    // Act
    const result = parseNormalizedReference(c.input);

    // Assess
    if (c.error !== undefined) {
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error).toBeInstanceOf(ImageReferenceError);
      expect(result.error.code).toBe(c.error);
      expect(result.error.input).toBe(c.input);
      expect(result.error.message).toBe(c.message ?? `${JSON.stringify(c.input)}: ${result.error.reason}`);
      return;
    }
    expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
    if (!result.ok) return;
    expect(formatReference(result.value)).toBe(c.normalized);
    for (const field of ['domain', 'path', 'tag', 'digest'] as const) {
      if (c[field] !== undefined) expect(result.value[field], field).toBe(c[field]);
    }
  });

  it('is idempotent: a normalized reference normalizes to itself', () => {
    for (const c of normalizeCases.filter((n) => n.normalized !== undefined)) {
      const again = parseNormalizedReference(c.normalized as string);
      expect(again.ok && formatReference(again.value)).toBe(c.normalized);
    }
  });
});

describe('reference properties', () => {
  it('never throws, whatever the input: it returns a reference or an error value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), validReference), (input) => {
        for (const parse of [parseReference, parseNormalizedReference]) {
          const result = parse(input);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) expect(result.error.message.startsWith(JSON.stringify(input))).toBe(true);
        }
      }),
      { numRuns: 5_000 },
    );
  });

  it('round-trips: format(parse(x)) === x for every valid reference', () => {
    fc.assert(
      fc.property(validReference, (input) => {
        const result = parseReference(input);
        expect(result.ok && formatReference(result.value)).toBe(input);
      }),
      { numRuns: 5_000 },
    );
  });

  it('normalization is idempotent and keeps tag and digest exactly', () => {
    fc.assert(
      fc.property(validReference, (input) => {
        const once = parseNormalizedReference(input);
        if (!once.ok) return; // e.g. uppercase host followed by nothing else: covered by the table
        const twice = parseNormalizedReference(formatReference(once.value));
        expect(twice.ok && formatReference(twice.value)).toBe(formatReference(once.value));
        const raw = parseReference(input);
        expect(raw.ok && raw.value.tag).toBe(once.value.tag);
        expect(raw.ok && raw.value.digest).toBe(once.value.digest);
      }),
      { numRuns: 5_000 },
    );
  });
});

describe('normalized parsing errors', () => {
  it("name the user's input, and keep the error of the normalized form as cause", () => {
    const result = parseNormalizedReference('nginx:bad tag');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatchObject({ code: 'ReferenceInvalidFormat', input: 'nginx:bad tag' });
    expect(result.error.cause).toBeInstanceOf(ImageReferenceError);
    expect(result.error.cause).toMatchObject({ input: 'docker.io/library/nginx:bad tag' });
  });
});
