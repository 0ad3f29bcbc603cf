import fc from 'fast-check';

/** fast-check generators shared by the property tests. */

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const alnum = fc.string({ unit: lower, minLength: 1, maxLength: 8 });
const separator = fc.constantFrom('.', '_', '__', '-', '--');
export const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 2 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(''));
const label = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC0123456789'.split('')),
    fc.stringMatching(/^[a-z0-9-]{0,6}[a-z0-9]$/),
  )
  .map(([a, b]) => a + b);
const host = fc.oneof(
  fc.array(label, { minLength: 2, maxLength: 4 }).map((labels) => labels.join('.')),
  fc.constant('localhost'),
  fc.constantFrom('[::1]', '[2001:db8::1]', '10.0.0.1'),
);
export const domain = fc
  .tuple(host, fc.option(fc.integer({ min: 1, max: 65535 })))
  .map(([h, p]) => (p === null ? h : `${h}:${p}`));
export const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}$/);
export const digest = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
  fc.stringMatching(/^[a-f0-9]{128}$/).map((hex) => `sha512:${hex}`),
);
/** Valid references in canonical (fully written) form. */
export const validReference = fc
  .record({
    domain: fc.option(domain, { nil: undefined }),
    path: fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((c) => c.join('/')),
    tag: fc.option(tag, { nil: undefined }),
    digest: fc.option(digest, { nil: undefined }),
  })
  .map(
    ({ domain: d, path, tag: t, digest: g }) =>
      `${d === undefined ? '' : `${d}/`}${path}${t === undefined ? '' : `:${t}`}${g === undefined ? '' : `@${g}`}`,
  );
