/**
 * One set of mappings from two documents: the user's (the SSM parameter, `mappings.json`) and the one the stack
 * generates for its ECR pull-through cache rules. They are kept apart — `mappings push` writes only the user's,
 * so it can neither drop the generated entries nor change them — and combined here, at every load in the
 * function and once at synth, by the same rules:
 *
 * - `registries` and `ignore` are the union of both; `mode`, `pullSecret` and `$schema` are the user's.
 * - A user key meaning the same registry as a generated key is a conflict, not an override: the cache rules and
 *   the mappings must agree, so the user entry is rejected (a more specific key, such as `docker.io/acme`, is
 *   fine — the most specific key wins as always).
 * - A user `ignore` pattern covering a whole generated key is a conflict too (those images would never reach
 *   the cache), and so is a user key the generated `ignore` covers (it would never apply).
 * - Every other fault of the combined document (loops, two registries sharing a proxy prefix) is reported with
 *   the source of the entry at fault.
 *
 * A rejected combination is a rejected document: the function keeps serving the last good mappings.
 */

import { err, ok, type Result } from '../result.ts';
import { jsonPath, type MappingsIssue, MappingsValidationError } from './issues.ts';
import { type Mappings, type MappingsParseResult, parseMappings, parseMappingsJson } from './parse.ts';

/** How messages name the document the stack generates for its cache rules. */
export const GENERATED_SOURCE = 'the mappings generated for the ECR pull-through cache (ecrCache)';

/** A document and where it came from, for messages (`SSM parameter /x`, `mappings.json`). */
export interface SourcedDocument {
  readonly source: string;
  readonly value: unknown;
}

const invalid = (issues: MappingsIssue[], options?: ErrorOptions): MappingsParseResult =>
  err(new MappingsValidationError(issues, options));

/** `docker.io/library` → `{ domain: 'docker.io', path: ['library'] }`, for a key without a wildcard. */
function splitKey(normalizedKey: string): { domain: string; path: string[] } {
  const [domain = '', ...path] = normalizedKey.split('/');
  return { domain, path };
}

/** The conflicts between the user's rules and the generated ones, each naming both sources. */
function conflicts(
  user: Mappings,
  userSource: string,
  generated: Mappings,
  generatedSource: string,
): MappingsIssue[] {
  const issues: MappingsIssue[] = [];
  const theirs = new Map(generated.registries.map((rule) => [rule.normalizedKey, rule]));
  for (const rule of user.registries) {
    const twin = theirs.get(rule.normalizedKey);
    if (twin !== undefined) {
      issues.push({
        path: jsonPath(['registries', rule.key]),
        message: `in ${userSource}: same registry as registries[${JSON.stringify(twin.key)}] in ${generatedSource}, which must match the cache rules; remove it (or drop that upstream from the cache)`,
      });
      continue;
    }
    if (rule.wildcard) continue;
    const { domain, path } = splitKey(rule.normalizedKey);
    const shadow = generated.ignored(domain, path);
    if (shadow !== undefined) {
      issues.push({
        path: jsonPath(['registries', rule.key]),
        message: `in ${userSource}: never applies, ${JSON.stringify(shadow.pattern)} in the ignore of ${generatedSource} covers it`,
      });
    }
  }
  for (const rule of generated.registries) {
    const { domain, path } = splitKey(rule.normalizedKey);
    const shadow = user.ignored(domain, path);
    if (shadow === undefined) continue;
    const index = user.document.ignore.indexOf(shadow.pattern);
    issues.push({
      path: jsonPath(['ignore', index]),
      message: `in ${userSource}: ${JSON.stringify(shadow.pattern)} covers registries[${JSON.stringify(rule.key)}] of ${generatedSource}, so those images would never reach the cache; narrow the pattern`,
    });
  }
  return issues;
}

/** Says which document an issue of the combined document belongs to. */
function attribute(
  issue: MappingsIssue,
  generatedKeys: ReadonlySet<string>,
  userSource: string,
  generatedSource: string,
): MappingsIssue {
  const match = /^registries\[("(?:[^"\\]|\\.)*")\]/.exec(issue.path);
  const key = match?.[1] === undefined ? undefined : (JSON.parse(match[1]) as string);
  const source = key !== undefined && generatedKeys.has(key) ? generatedSource : userSource;
  return { path: issue.path, message: `in ${source}: ${issue.message}` };
}

/**
 * Validates and compiles the user's document combined with the generated one. Never throws. Faults of either
 * document alone are reported as that document's; conflicts name both.
 */
export function combineMappings(user: SourcedDocument, generated: SourcedDocument): MappingsParseResult {
  const ours = parseMappings(generated.value);
  if (!ours.ok)
    return invalid(
      ours.error.issues.map((i) => ({ path: i.path, message: `in ${generated.source}: ${i.message}` })),
    );
  const theirs = parseMappings(user.value);
  if (!theirs.ok) return theirs;
  const found = conflicts(theirs.value, user.source, ours.value, generated.source);
  if (found.length > 0) return invalid(found);

  const u = theirs.value.document;
  const g = ours.value.document;
  const combined = {
    ...u,
    registries: { ...u.registries, ...g.registries },
    ignore: [...new Set([...u.ignore, ...g.ignore])],
  };
  const result = parseMappings(combined);
  if (result.ok) return result;
  const generatedKeys = new Set(Object.keys(g.registries));
  return invalid(result.error.issues.map((i) => attribute(i, generatedKeys, user.source, generated.source)));
}

/** {@link combineMappings} on the user's JSON text; a syntax error is reported like any other fault. */
export function combineMappingsJson(
  userText: string,
  userSource: string,
  generated: SourcedDocument,
): MappingsParseResult {
  let value: unknown;
  try {
    value = JSON.parse(userText);
  } catch (error) {
    const message = `in ${userSource}: not valid JSON: ${(error as Error).message}`;
    return invalid([{ path: '', message }], { cause: error });
  }
  return combineMappings({ source: userSource, value }, generated);
}

/**
 * The parser of loaded documents: plain {@link parseMappingsJson} without a generated document, else
 * {@link combineMappingsJson} with it. The generated document (JSON text, checked here once, at cold start) is
 * the stack's: a bad one is a deployment fault, returned as the error.
 */
export function createMappingsParser(
  generatedText: string | undefined,
  userSource: string,
): Result<(text: string) => MappingsParseResult, MappingsValidationError> {
  if (generatedText === undefined) return ok(parseMappingsJson);
  const generated = parseMappingsJson(generatedText);
  if (!generated.ok) return generated;
  const value = generated.value.document;
  return ok((text: string) => combineMappingsJson(text, userSource, { source: GENERATED_SOURCE, value }));
}
