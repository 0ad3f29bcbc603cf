/** `docker-proxy-webhook rewrite`: what the webhook decides for image references. */
import type { ImageDecision } from '../images/decision.ts';
import { describeDecision } from '../images/describe.ts';
import { applyHealth, proxiesToCheck } from '../images/proxy-health.ts';
import { decideImage } from '../images/rewrite.ts';
import { healthPolicies } from '../mappings/health-policy.ts';
import { loadCommandMappings, MAPPINGS_OPTION, MAPPINGS_USAGE, parseCommandArgs } from './common.ts';
import type { Command } from './io.ts';
import { commandProxyHealth, HEALTH_OPTIONS, HEALTH_USAGE, printProxyStates } from './proxy-health.ts';

const USAGE = `usage: docker-proxy-webhook rewrite [--mappings FILE] [--json] [--probe] [--proxy-down HOST] [IMAGE...]

Shows what the webhook does with each image: the images given as arguments, or one per line on standard
input when none are given. Exits 0 whatever the decisions are; 2 when the mappings are invalid.

${MAPPINGS_USAGE}
  --json                one JSON object per line:
                        {"input","decision","image","normalized","pullSecret","reason"}
                        (and "proxy" for proxy-unavailable)
${HEALTH_USAGE}

The state of each proxy a decision depended on goes to standard error.
`;

/** The `--json` line for one decision: stable field names, `null` where a field does not apply. */
export function decisionRecord(decision: ImageDecision): Record<string, string | null> {
  const record: Record<string, string | null> = {
    input: decision.input,
    decision: decision.kind,
    image: decision.image,
  };
  if (decision.kind !== 'invalid') record.normalized = decision.normalized;
  record.pullSecret = decision.kind === 'rewritten' ? decision.pullSecret : null;
  record.reason = describeDecision(decision, 'reason');
  if (decision.kind === 'proxy-unavailable') record.proxy = decision.proxy;
  return record;
}

/** `docker-proxy-webhook rewrite`: see {@link USAGE}. */
export const rewrite: Command = async (argv, io) => {
  const args = parseCommandArgs(
    'rewrite',
    USAGE,
    { ...MAPPINGS_OPTION, ...HEALTH_OPTIONS, json: { type: 'boolean' } },
    argv,
  );
  const loaded = await loadCommandMappings('rewrite', args.values.mappings, io);
  const images =
    args.positionals.length > 0
      ? args.positionals
      : (await io.readStdin())
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#'));
  const policies = healthPolicies(loaded.mappings);
  const base = images.map((image) => decideImage(image, loaded.mappings));
  const proxies = commandProxyHealth(args.values);
  const health = await proxies.check(proxiesToCheck(base, policies));
  const decisions = base.map((decision) => applyHealth(decision, policies, health));
  printProxyStates(proxies, io);
  if (args.values.json === true) {
    for (const decision of decisions) io.stdout.write(`${JSON.stringify(decisionRecord(decision))}\n`);
    return 0;
  }
  const width = Math.max(0, ...decisions.map((d) => d.input.length));
  for (const decision of decisions) {
    const result = decision.image === decision.input ? '' : ` -> ${decision.image}`;
    io.stdout.write(
      `${decision.kind.padEnd(15)} ${decision.input.padEnd(width)}${result}  (${describeDecision(decision, 'reason')})\n`,
    );
  }
  return 0;
};
