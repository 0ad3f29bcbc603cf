/**
 * RFC 6902 JSON Patch operations, built so they always apply to the exact object they were computed from:
 * a patch that does not apply fails the API request with HTTP 500 even under `failurePolicy: Ignore`.
 * So: `add` never relies on a missing parent (the parent is added whole), array appends use `-`, and keys are
 * escaped per RFC 6901 (`~` → `~0`, `/` → `~1`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6902
 * @see https://www.rfc-editor.org/rfc/rfc6901
 */

import { isObject } from './json.ts';

export type JsonPatchOperation =
  | { readonly op: 'add'; readonly path: string; readonly value: unknown }
  | { readonly op: 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

/** Escapes one reference token (RFC 6901 §3). */
export function escapePointerToken(token: string | number): string {
  return String(token).replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Builds a JSON Pointer from unescaped tokens: `pointer('metadata', 'annotations', 'a/b')` → `/metadata/annotations/a~1b`. */
export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${escapePointerToken(t)}`).join('');
}

export const replace = (path: string, value: unknown): JsonPatchOperation => ({ op: 'replace', path, value });
export const add = (path: string, value: unknown): JsonPatchOperation => ({ op: 'add', path, value });
/** Removes a member; only for a path read from the very object the patch applies to (a missing one fails). */
export const remove = (path: string): JsonPatchOperation => ({ op: 'remove', path });

/**
 * Sets `key` in the object at `parentTokens` under `root`, adding the parent (and its parent) whole when
 * absent. `add` on an existing member replaces it (RFC 6902 §4.1), so this works either way.
 */
export function setMember(
  root: unknown,
  parentTokens: readonly string[],
  key: string,
  value: unknown,
): JsonPatchOperation {
  let node: unknown = root;
  let built: unknown = { [key]: value };
  for (let depth = 0; depth < parentTokens.length; depth++) {
    const token = parentTokens[depth] as string;
    const child = isObject(node) ? node[token] : undefined;
    if (!isObject(child)) {
      // Build the missing subtree from here down and add it whole at this level.
      for (let i = parentTokens.length - 1; i > depth; i--) built = { [parentTokens[i] as string]: built };
      return add(pointer(...parentTokens.slice(0, depth + 1)), built);
    }
    node = child;
  }
  return add(pointer(...parentTokens, key), value);
}

/** Appends items to the array at `tokens`, creating the array when it is absent (or not an array). */
export function appendItems(
  root: unknown,
  tokens: readonly string[],
  items: readonly unknown[],
): JsonPatchOperation[] {
  if (items.length === 0) return [];
  let node: unknown = root;
  for (const token of tokens) node = isObject(node) ? node[token] : undefined;
  if (!Array.isArray(node)) return [add(pointer(...tokens), [...items])];
  return items.map((item) => add(`${pointer(...tokens)}/-`, item));
}
