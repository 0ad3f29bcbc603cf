/**
 * Parsers of context values. Values from the command line (`-c name=value`) arrive as strings, from cdk.json
 * as JSON: both are accepted. A bad value throws {@link ContextError} naming the option, the value and what to
 * write instead.
 */

/** Thrown at synth for a context value the stack cannot use, or a key that looks like a mistyped option. */
export class ContextError extends Error {
  override readonly name = 'ContextError';
}

/** Throws the error every parser throws: the option, the value as given, and what was expected. */
export const fail = (name: string, raw: unknown, expected: string): never => {
  throw new ContextError(`context ${name}=${JSON.stringify(raw)} is invalid: expected ${expected}`);
};

/** A whole number in `[min, max]`. */
export function integer(name: string, raw: unknown, min: number, max: number): number {
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    return fail(name, raw, `a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `true` or `false` (booleans or their strings). */
export function boolean(name: string, raw: unknown): boolean {
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  return fail(name, raw, 'true or false');
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(name: string, raw: unknown, allowed: readonly T[]): T {
  if (typeof raw === 'string' && (allowed as readonly string[]).includes(raw)) return raw as T;
  return fail(name, raw, allowed.join(' or '));
}

/** A string matching `pattern`. */
export function matching(name: string, raw: unknown, pattern: RegExp, expected: string): string {
  return typeof raw === 'string' && pattern.test(raw) ? raw : fail(name, raw, expected);
}

/** A list: a JSON array, or a comma-separated string (`-c allowedSourceCidrs=10.0.0.0/8,192.168.0.0/16`). */
export function list(name: string, raw: unknown, item: RegExp, example: string): string[] {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null;
  if (items === null) return fail(name, raw, `a comma-separated list or a JSON array, e.g. ${example}`);
  for (const value of items) {
    if (typeof value !== 'string' || !item.test(value)) return fail(name, raw, `items like ${example}`);
  }
  return items as string[];
}

const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Tags: a JSON object, or `key=value` pairs separated by commas (`-c tags=team=platform,env=prod`). */
export function tags(name: string, raw: unknown): Record<string, string> {
  const example = 'team=platform,env=prod or {"team":"platform"}';
  const entries =
    typeof raw === 'string'
      ? raw
          .split(',')
          .filter((pair) => pair.trim() !== '')
          .map((pair) => {
            const at = pair.indexOf('=');
            return at < 1 ? ['', ''] : [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
          })
      : typeof raw === 'object' && raw !== null && !Array.isArray(raw)
        ? Object.entries(raw)
        : null;
  if (entries === null) return fail(name, raw, example);
  for (const [key, value] of entries) {
    const ok = typeof value === 'string' && TAG_KEY.test(String(key)) && TAG_VALUE.test(value);
    if (!ok || String(key).toLowerCase().startsWith('aws:')) return fail(name, raw, example);
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions): how many one-character edits
 * turn `a` into `b`. Used to recognise a mistyped option name.
 */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}
