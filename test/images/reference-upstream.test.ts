import { describe, expect, it } from 'vitest';
import {
  formatReference,
  nameOf,
  parseName,
  parseNamed,
  parseReference,
  type ReferenceResult,
} from '../../lambda/images/reference.ts';
import { loadFixture } from '../helpers/fixtures.ts';

/**
 * distribution/reference's own parse table (copied from shared/vectors), as data.
 * `asserted` lists the fields upstream's test checks; we check exactly those.
 */
interface UpstreamCase {
  source: string;
  function: string;
  input: string;
  valid: boolean;
  asserted: string[];
  string?: string;
  name?: string;
  domain?: string;
  path?: string;
  tag?: string | null;
  digest?: string | null;
  error?: string;
  errorMessage?: string;
}

const cases = loadFixture<UpstreamCase[]>('reference/distribution-reference-parse.json');

const parsers: Record<string, (input: string) => ReferenceResult> = {
  Parse: parseReference,
  'Parse (via Field.UnmarshalText)': parseReference,
  ParseNamed: parseNamed,
  WithName: parseName,
};

/**
 * The vectors' README: the `validname@sha512:` case at master fails only because that test binary
 * lacks sha512 support — "treat a grammar-valid sha512 digest as valid".
 */
function expectedValid(c: UpstreamCase): boolean {
  return c.valid || (c.error === 'digest.ErrDigestUnsupported' && c.input.includes('@sha512:'));
}

describe('distribution/reference upstream vectors', () => {
  it('covers every function in the table', () => {
    // Prepare / Act
    const unknown = cases.filter((c) => !(c.function in parsers)).map((c) => c.function);
    // Assess
    expect(unknown).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(74);
  });

  it.each(cases.map((c) => [`${c.function} ${JSON.stringify(c.input.slice(0, 60))} (${c.source})`, c]))(
    '%s',
    (_label, c) => {
      // Act
      const parse = parsers[c.function] as (input: string) => ReferenceResult;
      const result = parse(c.input);

      // Assess
      if (!expectedValid(c)) {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        // `digest.ErrDigestUnsupported` → `DigestUnsupported`, `ErrNameEmpty` → `NameEmpty`.
        const code = (c.error ?? '').replace(/^digest\./, '').replace(/^Err/, '');
        expect(result.error.code).toBe(code);
        expect(result.error.reason).toBe(c.errorMessage);
        expect(result.error.message).toBe(`${JSON.stringify(c.input)}: ${c.errorMessage}`);
        return;
      }
      expect(result.ok, result.ok ? '' : result.error.message).toBe(true);
      if (!result.ok) return;
      const ref = result.value;
      const actual: Record<string, unknown> = {
        string: formatReference(ref),
        name: nameOf(ref),
        domain: ref.domain,
        path: ref.path,
        tag: ref.tag ?? null,
        digest: ref.digest ?? null,
      };
      if (!c.valid) {
        // The sha512 override: no upstream fields to compare, so the reference must round-trip.
        expect(formatReference(ref)).toBe(c.input);
        expect(ref.digest?.startsWith('sha512:')).toBe(true);
        return;
      }
      for (const field of c.asserted.filter((f) => f !== 'valid')) {
        expect(actual[field], field).toEqual(c[field as keyof UpstreamCase]);
      }
    },
  );
});
