/** The revision of a mappings document: a short hash that changes exactly when the meaning may. */
import { createHash } from 'node:crypto';

/** Canonical JSON (sorted keys, no `$schema`) so whitespace and key order do not change the revision. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([key, v]) => v !== undefined && key !== '$schema')
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** First 12 hex digits of the sha256 of the canonical document. */
export function revisionOf(document: unknown): string {
  return createHash('sha256').update(canonical(document)).digest('hex').slice(0, 12);
}
