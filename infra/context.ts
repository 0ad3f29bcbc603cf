/**
 * Reads the deployment options (infra/options.ts) from CDK context. A bad value fails `cdk synth` with a
 * message naming the option, the value and what to write instead; a key that looks like a mistyped option
 * (another case, or one or two edits away) fails it with "did you mean …", because an option that silently
 * does not apply (say `allowedSourceCIDRs`) deploys an API nobody restricted.
 */
import { ContextError, editDistance } from './context-parsers.ts';
import { type DeploymentOptions, OPTIONS, type OptionName, type OptionSpec } from './options.ts';

export { ContextError } from './context-parsers.ts';
export type { DeploymentOptions, OptionName } from './options.ts';

/** Context keys that belong to the CDK itself (feature flags, CLI and bundling settings). */
const CDK_KEY = /^(?:@aws-cdk\/|aws:|cdk[-:]|aws-cdk:|acknowledged-issue-numbers$)/;

/** The option a key was probably meant to be, or `undefined` when it resembles none. */
export function resembledOption(key: string): OptionName | undefined {
  const names = Object.keys(OPTIONS) as OptionName[];
  const folded = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const sameFold = names.find((name) => folded(name) === folded(key));
  if (sameFold !== undefined) return sameFold;
  const near = names
    .map((name) => ({ name, distance: editDistance(key.toLowerCase(), name.toLowerCase()) }))
    .filter((c) => c.distance <= Math.min(2, Math.floor(c.name.length / 4)))
    .sort((a, b) => a.distance - b.distance);
  return near[0]?.name;
}

/** Throws for the first context key that is not an option but resembles one. */
function rejectMistypedKeys(keys: readonly string[]): void {
  for (const key of keys) {
    if (key in OPTIONS || CDK_KEY.test(key)) continue;
    const meant = resembledOption(key);
    if (meant !== undefined) {
      throw new ContextError(`context key ${JSON.stringify(key)} is not an option: did you mean ${meant}?`);
    }
  }
}

/**
 * Reads every option from a context lookup. Only the keys of {@link OPTIONS} are read; `allKeys` (every
 * context key given) is checked for mistyped options. Other keys (CDK's `@aws-cdk/…` flags, `aws:cdk:…`) are
 * left alone.
 */
export function readDeploymentOptions(
  tryGetContext: (key: string) => unknown,
  allKeys: readonly string[] = [],
): DeploymentOptions {
  rejectMistypedKeys(allKeys);
  const options: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(OPTIONS) as [OptionName, OptionSpec<unknown>][]) {
    const raw = tryGetContext(name);
    options[name] = raw === undefined || raw === null || raw === '' ? spec.fallback : spec.parse(name, raw);
  }
  return options as DeploymentOptions;
}
