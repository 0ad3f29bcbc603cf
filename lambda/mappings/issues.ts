/**
 * Faults in a mappings document, said the way its users think: a JSON path (`registries["ghcr.io"].proxy`),
 * the bad value, and what to write instead. Zod's issues are translated here; the meaning checks in
 * `parse.ts` and `rules.ts` build theirs with {@link jsonPath} and {@link show}.
 */
import type * as z from 'zod/mini';

/** One fault in a mappings document: where (a JSON path such as `registries["ghcr.io"].proxy`) and what. */
export interface MappingsIssue {
  readonly path: string;
  readonly message: string;
}

/**
 * Returned (never thrown) by `parseMappings` when a document is rejected. The message lists every fault, one
 * per line, as `<json path>: <what is wrong>`. `cause` is set when a lower error is the reason (bad JSON, an
 * unreadable file).
 */
export class MappingsValidationError extends Error {
  override readonly name = 'MappingsValidationError';
  readonly issues: readonly MappingsIssue[];

  constructor(issues: readonly MappingsIssue[], options?: ErrorOptions) {
    super(issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
  }
}

const formatIssue = (issue: MappingsIssue): string =>
  issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `["registries", "ghcr.io", "proxy"]` → `registries["ghcr.io"].proxy`. */
export function jsonPath(segments: readonly PropertyKey[]): string {
  let path = '';
  for (const segment of segments) {
    if (typeof segment === 'number') path += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      path += path === '' ? segment : `.${segment}`;
    else path += `[${JSON.stringify(String(segment))}]`;
  }
  return path;
}

/** A value as JSON, cut to 80 characters, for messages. */
export const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
};

/** The message of a union issue: a mapping is a string or an object, and an object's own faults are the news. */
function fromUnion(issue: z.core.$ZodIssueInvalidUnion, path: string): MappingsIssue | MappingsIssue[] {
  const branch = issue.errors.find((errors) =>
    errors.every((e) => e.code !== 'invalid_type' || e.path.length > 0),
  );
  if (branch !== undefined && typeof issue.input === 'object' && issue.input !== null) {
    return fromZod(branch, issue.path);
  }
  return {
    path,
    message: `${show(issue.input)} must be a proxy prefix string or { "proxy": "...", "pullSecret": "..." }`,
  };
}

/** Zod's issues, said the way this document's users think: path, value, what to write instead. */
export function fromZod(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): MappingsIssue[] {
  return issues.flatMap((raw): MappingsIssue | MappingsIssue[] => {
    const issue = { ...raw, path: [...prefix, ...raw.path] } as z.core.$ZodIssue;
    const path = jsonPath(issue.path);
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({ path: jsonPath([...issue.path, key]), message: 'unknown key' }));
      case 'invalid_value':
        return {
          path,
          message: `${show(issue.input)} is not allowed; expected ${issue.values.map(show).join(' or ')}`,
        };
      case 'invalid_type':
        return {
          path,
          message:
            issue.input === undefined
              ? `is required (${issue.expected})`
              : `${show(issue.input)} is not ${issue.expected === 'object' ? 'an object' : `a ${issue.expected}`}`,
        };
      case 'invalid_union':
        return fromUnion(issue, path);
      default:
        return { path, message: issue.message };
    }
  });
}
