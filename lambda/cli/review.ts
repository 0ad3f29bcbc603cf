/** `docker-proxy-webhook review`: the webhook's own admission code on an AdmissionReview file. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import fastJsonPatch from 'fast-json-patch';
import { mutateReview } from '../admission/mutate.ts';
import type { ReviewOutcome } from '../admission/outcome.ts';
import { type AdmissionReview, decodeAdmissionReview } from '../admission/review.ts';
import { validateReview } from '../admission/validate.ts';
import { DEFAULTS, VALIDATE_MODES, type ValidateMode } from '../constants.ts';
import { decideWithHealth } from '../health/review-health.ts';
import { describeDecision } from '../images/describe.ts';
import { decideImage } from '../images/rewrite.ts';
import { healthPolicies } from '../mappings/health-policy.ts';
import { toError } from '../result.ts';
import { loadCommandMappings, MAPPINGS_OPTION, MAPPINGS_USAGE, parseCommandArgs } from './common.ts';
import { UsageError } from './errors.ts';
import type { CliIo, Command } from './io.ts';
import { commandProxyHealth, HEALTH_OPTIONS, HEALTH_USAGE, printProxyStates } from './proxy-health.ts';

const USAGE = `usage: docker-proxy-webhook review [--mappings FILE] [--validate [--validate-mode warn|deny]] [--patched]
       [--probe] [--proxy-down HOST] FILE|-

Runs the webhook's own admission code on an AdmissionReview (a file, or - for standard input) and prints the
AdmissionReview response — or, with --patched, the pod after applying the response's JSON Patch.
One line per container (decision, original, result) goes to standard error.

${MAPPINGS_USAGE}
  --validate            answer as the /validate endpoint instead of /mutate
  --validate-mode MODE  warn (default) or deny, as VALIDATE_MODE in the deployment
  --patched             print the patched pod instead of the response
${HEALTH_USAGE}
`;

function summarize(outcome: ReviewOutcome, io: CliIo): void {
  if (outcome.skipped !== undefined) io.stderr.write(`skipped: ${outcome.skipped}\n`);
  for (const { list, container, decision } of outcome.decisions) {
    io.stderr.write(`${list}/${container}: ${decision.kind} ${describeDecision(decision, 'change')}\n`);
  }
}

const OPTIONS = {
  ...MAPPINGS_OPTION,
  ...HEALTH_OPTIONS,
  validate: { type: 'boolean', default: false },
  'validate-mode': { type: 'string', default: DEFAULTS.validateMode },
  patched: { type: 'boolean', default: false },
} as const;

/** The AdmissionReview in `input` (a file, or `-` for standard input); throws {@link UsageError} when it is not one. */
async function readReview(input: string, io: CliIo): Promise<AdmissionReview> {
  let text: string;
  try {
    text = input === '-' ? await io.readStdin() : await readFile(resolve(io.cwd, input), 'utf8');
  } catch (error) {
    throw new UsageError(`review: cannot read ${input}: ${toError(error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`review: ${input} is not valid JSON: ${toError(error).message}`, { cause: error });
  }
  const decoded = decodeAdmissionReview(value);
  if (!decoded.ok) {
    throw new UsageError(`review: ${input} is not an AdmissionReview: ${decoded.error.message}`, {
      cause: decoded.error,
    });
  }
  return decoded.value;
}

/** The pod after applying the response's JSON Patch (the pod unchanged when there is none). */
function patchedPod(review: AdmissionReview, outcome: ReviewOutcome): unknown {
  const pod = structuredClone(review.request.object ?? null);
  const patch = outcome.response.response.patch;
  if (patch === undefined) return pod;
  const operations = JSON.parse(Buffer.from(patch, 'base64').toString('utf8'));
  return fastJsonPatch.applyPatch(pod, operations, true, false).newDocument;
}

/** `docker-proxy-webhook review`: see {@link USAGE}. */
export const review: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs('review', USAGE, OPTIONS, argv);
  const mode = values['validate-mode'];
  if (!(VALIDATE_MODES as readonly string[]).includes(mode)) {
    throw new UsageError(`review: --validate-mode must be warn or deny, got ${JSON.stringify(mode)}`);
  }
  if (positionals.length !== 1) {
    throw new UsageError('review: give exactly one AdmissionReview file, or - for standard input', {
      usage: USAGE,
    });
  }
  const { mappings } = await loadCommandMappings('review', values.mappings, io);
  const admissionReview = await readReview(positionals[0] as string, io);

  const proxies = commandProxyHealth(values);
  const { decide } = await decideWithHealth(
    admissionReview,
    (image) => decideImage(image, mappings),
    healthPolicies(mappings),
    proxies,
  );
  printProxyStates(proxies, io);
  const outcome = values.validate
    ? validateReview(admissionReview, decide, { mode: mode as ValidateMode })
    : mutateReview(admissionReview, decide, { observe: mappings.mode === 'observe' });
  summarize(outcome, io);
  const printed = values.patched ? patchedPod(admissionReview, outcome) : outcome.response;
  io.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
  return 0;
};
