import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fastJsonPatch from 'fast-json-patch';
import { mutateReview } from '../admission/mutate.ts';
import type { ReviewOutcome } from '../admission/outcome.ts';
import { decodeAdmissionReview } from '../admission/review.ts';
import { validateReview } from '../admission/validate.ts';
import type { ValidateMode } from '../config.ts';
import { decideImage } from '../images/rewrite.ts';
import { loadCommandMappings, MAPPINGS_OPTION, MAPPINGS_USAGE, parseCommandArgs } from './common.ts';
import { type CliIo, type Command, EXIT_USAGE } from './io.ts';

const USAGE = `usage: docker-proxy-webhook review [--mappings FILE] [--validate [--validate-mode warn|deny]] [--patched] FILE|-

Runs the webhook's own admission code on an AdmissionReview (a file, or - for standard input) and prints the
AdmissionReview response — or, with --patched, the pod after applying the response's JSON Patch.
One line per container (decision, original, result) goes to standard error.

${MAPPINGS_USAGE}
  --validate            answer as the /validate endpoint instead of /mutate
  --validate-mode MODE  warn (default) or deny, as VALIDATE_MODE in the deployment
  --patched             print the patched pod instead of the response
`;

function summarize(outcome: ReviewOutcome, io: CliIo): void {
  if (outcome.skipped !== undefined) io.stderr.write(`skipped: ${outcome.skipped}\n`);
  for (const { list, container, decision } of outcome.decisions) {
    const target = decision.image === decision.input ? '' : ` -> ${decision.image}`;
    io.stderr.write(`${list}/${container}: ${decision.kind} ${decision.input}${target}\n`);
  }
}

/** `docker-proxy-webhook review`: see {@link USAGE}. */
export const review: Command = async (argv, io) => {
  const args = parseCommandArgs(
    'review',
    USAGE,
    {
      ...MAPPINGS_OPTION,
      validate: { type: 'boolean', default: false },
      'validate-mode': { type: 'string', default: 'warn' },
      patched: { type: 'boolean', default: false },
    },
    argv,
    io,
  );
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const mode = values['validate-mode'];
  if (mode !== 'warn' && mode !== 'deny') {
    io.stderr.write(`review: --validate-mode must be warn or deny, got ${JSON.stringify(mode)}\n`);
    return EXIT_USAGE;
  }
  if (positionals.length !== 1) {
    io.stderr.write(`review: give exactly one AdmissionReview file, or - for standard input\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const input = positionals[0] as string;

  const loaded = await loadCommandMappings('review', values.mappings, io);
  if (typeof loaded === 'number') return loaded;
  const { mappings } = loaded;

  let text: string;
  try {
    text = input === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, input), 'utf8');
  } catch (error) {
    io.stderr.write(`review: cannot read ${input}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    io.stderr.write(`review: ${input} is not valid JSON: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const decoded = decodeAdmissionReview(value);
  if (!decoded.ok) {
    io.stderr.write(`review: ${input} is not an AdmissionReview: ${decoded.message}\n`);
    return EXIT_USAGE;
  }

  const decide = (image: string) => decideImage(image, mappings);
  const outcome = values.validate
    ? validateReview(decoded.review, decide, { mode: mode as ValidateMode })
    : mutateReview(decoded.review, decide, { observe: mappings.mode === 'observe' });
  summarize(outcome, io);

  if (!values.patched) {
    io.stdout.write(`${JSON.stringify(outcome.response, null, 2)}\n`);
    return 0;
  }
  const pod = structuredClone(decoded.review.request.object ?? null);
  const patch = outcome.response.response.patch;
  const patchedPod =
    patch === undefined
      ? pod
      : fastJsonPatch.applyPatch(pod, JSON.parse(Buffer.from(patch, 'base64').toString('utf8')), true, false)
          .newDocument;
  io.stdout.write(`${JSON.stringify(patchedPod, null, 2)}\n`);
  return 0;
};
