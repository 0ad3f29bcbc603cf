import { loadFixture } from './fixtures.ts';

/** One case of the bad-input corpus (`test/fixtures/bad/corpus.json`). */
export interface BadCase {
  name: string;
  /** The body, as text. */
  body?: string;
  /** The body's raw bytes, base64 (for bytes that are not text). */
  bodyBase64?: string;
  /** The AdmissionReview to send, as JSON. */
  review?: unknown;
  /** Generated bodies too large to keep as fixtures. */
  generate?: { nested?: number; nestedInPod?: number; containers?: number; bytes?: number };
  isBase64Encoded?: boolean;
  expect: { status: number; message?: string; allowed?: boolean; patch?: boolean; warnings?: string };
}

export const BAD_CASES: BadCase[] = loadFixture<BadCase[]>('bad/corpus.json');

const review = (object: unknown) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'bad-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'default',
    operation: 'CREATE',
    object,
  },
});

/** The raw bytes a case sends. */
export function bodyBytes(c: BadCase): Buffer {
  if (c.bodyBase64 !== undefined) return Buffer.from(c.bodyBase64, 'base64');
  if (c.body !== undefined) return Buffer.from(c.body, 'utf8');
  if (c.review !== undefined) return Buffer.from(JSON.stringify(c.review), 'utf8');
  const g = c.generate ?? {};
  if (g.nested !== undefined) return Buffer.from(`${'['.repeat(g.nested)}${']'.repeat(g.nested)}`);
  if (g.nestedInPod !== undefined) {
    const deep = `${'{"a":'.repeat(g.nestedInPod)}1${'}'.repeat(g.nestedInPod)}`;
    const text = JSON.stringify(
      review({ spec: { containers: [{ name: 'a', image: 'nginx' }], deep: 'DEEP' } }),
    );
    return Buffer.from(text.replace('"DEEP"', deep));
  }
  if (g.containers !== undefined) {
    const containers = Array.from({ length: g.containers }, (_, i) => ({
      name: `c${i}`,
      image: `nginx:1.${i}`,
    }));
    return Buffer.from(JSON.stringify(review({ spec: { containers } })));
  }
  if (g.bytes !== undefined) {
    const base = JSON.stringify(
      review({
        metadata: { annotations: { big: 'PAD' } },
        spec: { containers: [{ name: 'a', image: 'nginx' }] },
      }),
    );
    return Buffer.from(base.replace('PAD', 'x'.repeat(Math.max(0, g.bytes - base.length))));
  }
  throw new Error(`corpus case ${c.name} has no body`);
}

/** The event body and flag for a case: text unless the case says base64. */
export function eventBody(c: BadCase): { body: string; isBase64Encoded: boolean } {
  const bytes = bodyBytes(c);
  if (c.isBase64Encoded === true) {
    return {
      body: c.bodyBase64 !== undefined ? bytes.toString('base64') : (c.body ?? ''),
      isBase64Encoded: true,
    };
  }
  return { body: bytes.toString('utf8'), isBase64Encoded: false };
}

/** A stack trace or a source path in a response body would leak internals. */
export const LEAK = /\n\s+at |\/lambda\/|node_modules|\.ts:\d+/;
