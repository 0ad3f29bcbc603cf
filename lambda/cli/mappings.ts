/** `docker-proxy-webhook mappings`: validate a mappings document, diff or push it to SSM, print or render it. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createTwoFilesPatch } from 'diff';
import { DEFAULTS, OUTPUT, SSM_PARAMETER_TIER } from '../constants.ts';
import { type Mappings, parseMappingsJson } from '../mappings/parse.ts';
import { getParameterValue } from '../mappings/ssm.ts';
import { toError } from '../result.ts';
import { createCliSsmClient, parseCommandArgs } from './common.ts';
import { UsageError } from './errors.ts';
import type { CliIo, Command } from './io.ts';
import { readStackOutputs } from './stack-outputs.ts';

const USAGE = `usage: docker-proxy-webhook mappings <validate|diff|push|get|render> [options] [FILE]

  validate FILE     validate a mappings document exactly as the webhook does (exit 0, or 2 with every fault)
  diff FILE         validate, then show the difference from the document in SSM (exit 0 equal, 1 different)
  push FILE         validate, show the difference, then write the document to SSM (overwrite)
  get               print the document in SSM
  render            print your document combined with the ECR cache's generated one (see render --help)

  --parameter NAME  the SSM parameter (default: --outputs' MappingsParameterName, else ${DEFAULTS.mappingsParameterName})
  --outputs FILE    stack outputs from npx cdk deploy --outputs-file FILE

AWS access uses the standard credential chain and region (AWS_PROFILE, AWS_REGION, ...).
`;

/** The document as it is compared and pushed: the text, re-indented, so diffs show content, not spacing. */
const pretty = (text: string): string => `${JSON.stringify(JSON.parse(text), null, 2)}\n`;

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === 'ParameterNotFound';
}

/** `Name: message` of an AWS SDK error, as the messages show it. */
function awsError(error: unknown): string {
  const { name, message } = toError(error);
  return `${name}: ${message}`;
}

type Subcommand = 'validate' | 'diff' | 'push' | 'get';
interface LocalDocument {
  readonly file: string;
  readonly text: string;
  readonly mappings: Mappings;
}

/** Reads and validates FILE exactly as the webhook does; throws {@link UsageError} with every fault. */
async function readDocument(command: Subcommand, file: string, io: CliIo): Promise<LocalDocument> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`mappings ${command}: cannot read ${path}: ${toError(error).message}`, {
      cause: error,
    });
  }
  const parsed = parseMappingsJson(text);
  if (!parsed.ok) {
    throw new UsageError(`mappings ${command}: ${path} is invalid:\n${parsed.error.message}`, {
      cause: parsed.error,
    });
  }
  return { file, text, mappings: parsed.value };
}

/** The subcommand and its FILE (for all but `get`); throws {@link UsageError} with the usage otherwise. */
function subcommandOf(positionals: readonly string[]): { sub: Subcommand; file: string | undefined } {
  const [sub, ...rest] = positionals;
  const wantsFile = sub === 'validate' || sub === 'diff' || sub === 'push';
  if (sub === undefined || (!wantsFile && sub !== 'get')) {
    throw new UsageError(`mappings: unknown subcommand ${JSON.stringify(sub ?? '')}`, { usage: USAGE });
  }
  if (rest.length !== (wantsFile ? 1 : 0)) {
    throw new UsageError(`mappings ${sub}: ${wantsFile ? 'give exactly one FILE' : 'takes no FILE'}`, {
      usage: USAGE,
    });
  }
  return { sub, file: rest[0] };
}

/** `--parameter`, else the stack outputs' parameter, else the default. */
async function parameterName(
  sub: Subcommand,
  values: { parameter?: string; outputs?: string },
  io: CliIo,
): Promise<string> {
  if (values.parameter !== undefined) return values.parameter;
  if (values.outputs !== undefined) {
    try {
      const fromOutputs = (await readStackOutputs(values.outputs, io.cwd))[OUTPUT.mappingsParameterName];
      if (fromOutputs !== undefined) return fromOutputs;
    } catch (error) {
      throw new UsageError(`mappings ${sub}: ${toError(error).message}`, { cause: error });
    }
  }
  return DEFAULTS.mappingsParameterName;
}

/** `mappings get`: prints the document in SSM, warning (not failing) when it is invalid. */
function printCurrent(current: string | undefined, io: CliIo): number {
  io.stdout.write(current?.endsWith('\n') ? current : `${current}\n`);
  const parsed = parseMappingsJson(current ?? '');
  if (!parsed.ok)
    io.stderr.write(`mappings get: warning: the document in SSM is invalid:\n${parsed.error.message}\n`);
  return 0;
}

/** Prints the unified diff from the document in SSM to the local one; `false` when they are equal. */
function printDiff(parameter: string, current: string | undefined, local: LocalDocument, io: CliIo): boolean {
  const next = pretty(local.text);
  let before = '';
  if (current !== undefined) {
    try {
      before = pretty(current);
    } catch {
      before = current.endsWith('\n') ? current : `${current}\n`;
    }
  }
  const label = `ssm:${parameter}`;
  if (before === next) {
    io.stdout.write(`no difference from ${label}\n`);
    return false;
  }
  const patch = createTwoFilesPatch(
    label,
    local.file,
    before,
    next,
    current === undefined ? '(absent)' : '',
    '',
  );
  // Drop the `====` separator line: a plain unified diff, as `diff -u` prints it.
  io.stdout.write(patch.replace(/^=+\n/, ''));
  return true;
}

/** Writes the document (compact) to SSM, in the Advanced tier only when the Standard tier is too small. */
async function push(client: SSMClient, parameter: string, local: LocalDocument, io: CliIo): Promise<number> {
  const value = JSON.stringify(JSON.parse(local.text));
  try {
    const result = await client.send(
      new PutParameterCommand({
        Name: parameter,
        Value: value,
        Type: 'String',
        Overwrite: true,
        // The tier the stack gives the parameter: a shrink after an Advanced-sized push must not fail.
        Tier: SSM_PARAMETER_TIER,
      }),
    );
    io.stdout.write(
      `pushed revision ${local.mappings.revision} to ${parameter} (version ${result.Version}); the webhook picks it up within its TTL\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`mappings push: cannot write SSM parameter ${parameter}: ${awsError(error)}\n`);
    return 1;
  }
}

/** `docker-proxy-webhook mappings`: see {@link USAGE}. */
export const mappings: Command = async (argv, io) => {
  // render has its own options (the cache's generated document): its own module.
  if (argv[0] === 'render') return (await import('./render.ts')).render(argv.slice(1), io);
  const args = parseCommandArgs(
    'mappings',
    USAGE,
    { parameter: { type: 'string' }, outputs: { type: 'string' } },
    argv,
  );
  const { sub, file } = subcommandOf(args.positionals);
  const local = file === undefined ? undefined : await readDocument(sub, file, io);
  if (local !== undefined && args.values.outputs !== undefined) {
    await (await import('./render.ts')).checkAgainstCache(sub, args.values.outputs, local, io);
  }
  if (sub === 'validate' && local !== undefined) {
    const m = local.mappings;
    io.stdout.write(
      `valid: ${m.registryCount} registries, ${m.ignore.length} ignore patterns, mode ${m.mode}, revision ${m.revision}\n`,
    );
    return 0;
  }
  const parameter = await parameterName(sub, args.values, io);
  const client = createCliSsmClient();
  let current: string | undefined;
  try {
    current = await getParameterValue(client, parameter);
  } catch (error) {
    if (!isNotFound(error) || sub === 'get') {
      io.stderr.write(`mappings ${sub}: cannot read SSM parameter ${parameter}: ${awsError(error)}\n`);
      return 1;
    }
  }
  if (sub === 'get' || local === undefined) return printCurrent(current, io);
  if (!printDiff(parameter, current, local, io)) return 0;
  return sub === 'diff' ? 1 : await push(client, parameter, local, io);
};
