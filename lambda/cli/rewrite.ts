import type { ImageDecision } from '../images/decision.ts';
import { describeDecision } from '../images/describe.ts';
import { decideImage } from '../images/rewrite.ts';
import { loadCommandMappings, MAPPINGS_OPTION, MAPPINGS_USAGE, parseCommandArgs } from './common.ts';
import type { Command } from './io.ts';

const USAGE = `usage: docker-proxy-webhook rewrite [--mappings FILE] [--json] [IMAGE...]

Shows what the webhook does with each image: the images given as arguments, or one per line on standard
input when none are given. Exits 0 whatever the decisions are; 2 when the mappings are invalid.

${MAPPINGS_USAGE}
  --json                one JSON object per line:
                        {"input","decision","image","normalized","pullSecret","reason"}
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
  return record;
}

/** `docker-proxy-webhook rewrite`: see {@link USAGE}. */
export const rewrite: Command = async (argv, io) => {
  const args = parseCommandArgs('rewrite', USAGE, { ...MAPPINGS_OPTION, json: { type: 'boolean' } }, argv);
  const loaded = await loadCommandMappings('rewrite', args.values.mappings, io);
  const images =
    args.positionals.length > 0
      ? args.positionals
      : (await io.readStdin())
          .split(/\r?\n/)
          .map((line) => line.trim())
          .filter((line) => line !== '' && !line.startsWith('#'));
  const decisions = images.map((image) => decideImage(image, loaded.mappings));
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
