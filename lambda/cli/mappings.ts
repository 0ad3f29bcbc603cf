import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createTwoFilesPatch } from 'diff';
import { type Mappings, parseMappingsJson } from '../mappings/schema.ts';
import { SSM_PARAMETER_TIER } from '../constants.ts';
import { getParameterValue } from '../mappings/ssm.ts';
import { createCliSsmClient, parseCommandArgs } from './common.ts';
import { type CliIo, type Command, EXIT_USAGE } from './io.ts';
import { readStackOutputs } from './stack-outputs.ts';

export const DEFAULT_PARAMETER = '/docker-proxy-webhook/mappings';

const USAGE = `usage: docker-proxy-webhook mappings <validate|diff|push|get> [options] [FILE]

  validate FILE     validate a mappings document exactly as the webhook does (exit 0, or 2 with every fault)
  diff FILE         validate, then show the difference from the document in SSM (exit 0 equal, 1 different)
  push FILE         validate, show the difference, then write the document to SSM (overwrite)
  get               print the document in SSM

  --parameter NAME  the SSM parameter (default: --outputs' MappingsParameterName, else ${DEFAULT_PARAMETER})
  --outputs FILE    stack outputs from npx cdk deploy --outputs-file FILE

AWS access uses the standard credential chain and region (AWS_PROFILE, AWS_REGION, ...).
`;

/** The document as it is compared and pushed: the text, re-indented, so diffs show content, not spacing. */
const pretty = (text: string): string => `${JSON.stringify(JSON.parse(text), null, 2)}\n`;

function isNotFound(error: unknown): boolean {
  return (error as { name?: string }).name === 'ParameterNotFound';
}

async function readDocument(
  command: string,
  file: string,
  io: CliIo,
): Promise<{ text: string; mappings: Mappings } | number> {
  const path = resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    io.stderr.write(`mappings ${command}: cannot read ${path}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  const parsed = parseMappingsJson(text);
  if (!parsed.ok) {
    io.stderr.write(`mappings ${command}: ${path} is invalid:\n${parsed.error.message}\n`);
    return EXIT_USAGE;
  }
  return { text, mappings: parsed.mappings };
}

/** `docker-proxy-webhook mappings`: see {@link USAGE}. */
export const mappings: Command = async (argv, io) => {
  const args = parseCommandArgs(
    'mappings',
    USAGE,
    { parameter: { type: 'string' }, outputs: { type: 'string' } },
    argv,
    io,
  );
  if (typeof args === 'number') return args;
  const [sub, ...rest] = args.positionals;
  const wantsFile = sub === 'validate' || sub === 'diff' || sub === 'push';
  if (sub === undefined || (!wantsFile && sub !== 'get')) {
    io.stderr.write(`mappings: unknown subcommand ${JSON.stringify(sub ?? '')}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.length !== (wantsFile ? 1 : 0)) {
    io.stderr.write(`mappings ${sub}: ${wantsFile ? 'give exactly one FILE' : 'takes no FILE'}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  let local: { text: string; mappings: Mappings } | undefined;
  if (wantsFile) {
    const read = await readDocument(sub, rest[0] as string, io);
    if (typeof read === 'number') return read;
    local = read;
    if (sub === 'validate') {
      const m = read.mappings;
      io.stdout.write(
        `valid: ${m.registryCount} registries, ${m.ignore.length} ignore patterns, mode ${m.mode}, revision ${m.revision}\n`,
      );
      return 0;
    }
  }

  let parameter = args.values.parameter;
  if (parameter === undefined && args.values.outputs !== undefined) {
    try {
      parameter = (await readStackOutputs(args.values.outputs, io.cwd)).MappingsParameterName;
    } catch (error) {
      io.stderr.write(`mappings ${sub}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  parameter ??= DEFAULT_PARAMETER;

  const client = createCliSsmClient();
  let current: string | undefined;
  try {
    current = await getParameterValue(client, parameter);
  } catch (error) {
    if (!isNotFound(error) || sub === 'get') {
      io.stderr.write(
        `mappings ${sub}: cannot read SSM parameter ${parameter}: ${(error as Error).name}: ${(error as Error).message}\n`,
      );
      return 1;
    }
  }

  if (sub === 'get') {
    io.stdout.write(current?.endsWith('\n') ? current : `${current}\n`);
    const parsed = parseMappingsJson(current ?? '');
    if (!parsed.ok)
      io.stderr.write(`mappings get: warning: the document in SSM is invalid:\n${parsed.error.message}\n`);
    return 0;
  }

  const next = pretty((local as { text: string }).text);
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
    return 0;
  }
  const patch = createTwoFilesPatch(
    label,
    rest[0] as string,
    before,
    next,
    current === undefined ? '(absent)' : '',
    '',
  );
  // Drop the `====` separator line: a plain unified diff, as `diff -u` prints it.
  io.stdout.write(patch.replace(/^=+\n/, ''));
  if (sub === 'diff') return 1;

  const value = JSON.stringify(JSON.parse(next));
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
      `pushed revision ${(local as { mappings: Mappings }).mappings.revision} to ${parameter} (version ${result.Version}); the webhook picks it up within its TTL\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(
      `mappings push: cannot write SSM parameter ${parameter}: ${(error as Error).name}: ${(error as Error).message}\n`,
    );
    return 1;
  }
};
