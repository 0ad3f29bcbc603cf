/**
 * `docker-proxy-webhook mappings render`: the document the webhook serves when the stack runs an ECR
 * pull-through cache — the user's document combined with the one generated for the cache rules — so that
 * `rewrite --mappings` and `review --mappings` show exactly what the deployed function does.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { combineMappings, combineMappingsJson, GENERATED_SOURCE } from '../mappings/combine.ts';
import { ECR_CACHE_OUTPUT } from '../mappings/ecr-cache.ts';
import { toError } from '../result.ts';
import { parseCommandArgs } from './common.ts';
import { UsageError } from './errors.ts';
import type { CliIo, Command } from './io.ts';
import { readStackOutputs } from './stack-outputs.ts';

const USAGE = `usage: docker-proxy-webhook mappings render --outputs FILE [--mappings FILE]
       docker-proxy-webhook mappings render --template FILE --account ID --region NAME [--mappings FILE]

Prints the mappings the webhook serves with the stack's ECR pull-through cache (-c ecrCache=...): your
document combined with the one generated for the cache rules, conflicts reported as the function reports
them. Save it and pass it to rewrite or review --mappings.

  --outputs FILE    stack outputs from npx cdk deploy --outputs-file FILE (after a deploy)
  --template FILE   the synthesized template, cdk.out/<StackName>.template.json (before a deploy) ...
  --account ID      ... with the account and
  --region NAME     ... region it is deployed to
  --mappings FILE   your document (default: ./mappings.json, else an empty one, as the stack seeds it)
`;

/** Thrown when the generated document cannot be read from the outputs or the template. */
export class RenderError extends Error {
  override readonly name = 'RenderError';
}

/** The pseudo parameters the generated document refers to. */
export interface PseudoParameters {
  readonly account: string;
  readonly region: string;
}

const PSEUDO = (p: PseudoParameters): Record<string, string> => ({
  'AWS::AccountId': p.account,
  'AWS::Region': p.region,
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::Partition': 'aws',
});

/** Resolves the intrinsics CDK writes for the generated document: `Fn::Join` of strings and pseudo `Ref`s. */
export function resolveIntrinsics(value: unknown, pseudo: PseudoParameters): string {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object') {
    const ref = (value as { Ref?: unknown }).Ref;
    if (typeof ref === 'string') {
      const resolved = PSEUDO(pseudo)[ref];
      if (resolved !== undefined) return resolved;
      throw new RenderError(`cannot resolve {"Ref": ${JSON.stringify(ref)}} without a deploy`);
    }
    const join = (value as { 'Fn::Join'?: unknown })['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map((part: unknown) => resolveIntrinsics(part, pseudo)).join(join[0]);
    }
  }
  throw new RenderError(`cannot resolve ${JSON.stringify(value)?.slice(0, 80)} without a deploy`);
}

type Values = { outputs?: string; template?: string; account?: string; region?: string; mappings?: string };

/** The generated document's JSON text, from the deploy outputs or the template. */
async function generatedText(v: Values, io: CliIo): Promise<string> {
  if (v.outputs !== undefined) {
    const outputs = (await readStackOutputs(v.outputs, io.cwd)) as Record<string, string | undefined>;
    const text = outputs[ECR_CACHE_OUTPUT.mappings];
    if (text === undefined)
      throw new RenderError(
        `${v.outputs} has no ${ECR_CACHE_OUTPUT.mappings}: was the stack deployed with -c ecrCache=...?`,
      );
    return text;
  }
  if (v.template === undefined || v.account === undefined || v.region === undefined) {
    throw new RenderError('give --outputs FILE, or --template FILE with --account and --region');
  }
  if (!/^[0-9]{12}$/.test(v.account) || !/^[a-z]{2}(-[a-z]+)+-[0-9]$/.test(v.region)) {
    throw new RenderError(
      `--account ${v.account} --region ${v.region}: expected a 12-digit account and a region such as eu-west-1`,
    );
  }
  const path = resolve(io.cwd, v.template);
  const template = JSON.parse(await readFile(path, 'utf8')) as {
    Outputs?: Record<string, { Value?: unknown }>;
  };
  const value = template.Outputs?.[ECR_CACHE_OUTPUT.mappings]?.Value;
  if (value === undefined)
    throw new RenderError(
      `${path} has no ${ECR_CACHE_OUTPUT.mappings} output: synthesize with -c ecrCache=...`,
    );
  return resolveIntrinsics(value, { account: v.account, region: v.region });
}

/** The user's document: `--mappings`, else `./mappings.json`, else the empty document the stack would seed. */
async function userDocument(v: Values, io: CliIo): Promise<{ source: string; value: unknown }> {
  const path = v.mappings === undefined ? join(io.cwd, 'mappings.json') : resolve(io.cwd, v.mappings);
  if (v.mappings === undefined && !existsSync(path))
    return { source: 'the empty document', value: { version: 1, registries: {} } };
  return { source: path, value: JSON.parse(await readFile(path, 'utf8')) };
}

/** `docker-proxy-webhook mappings render`: see {@link USAGE}. */
export const render: Command = async (argv, io) => {
  const options = {
    outputs: { type: 'string' },
    template: { type: 'string' },
    account: { type: 'string' },
    region: { type: 'string' },
    mappings: { type: 'string' },
  } as const;
  const args = parseCommandArgs('mappings render', USAGE, options, argv);
  if (args.positionals.length > 0) throw new UsageError('mappings render: takes no FILE', { usage: USAGE });
  let result: ReturnType<typeof combineMappings>;
  try {
    const generated = JSON.parse(await generatedText(args.values, io)) as unknown;
    result = combineMappings(await userDocument(args.values, io), {
      source: GENERATED_SOURCE,
      value: generated,
    });
  } catch (error) {
    throw new UsageError(`mappings render: ${toError(error).message}`, { cause: error });
  }
  if (!result.ok) {
    throw new UsageError(`mappings render: the documents cannot be combined:\n${result.error.message}`, {
      cause: result.error,
    });
  }
  io.stdout.write(`${JSON.stringify(result.value.document, null, 2)}\n`);
  return 0;
};

/**
 * For `mappings validate|diff|push --outputs`: when the stack runs an ECR cache, FILE must combine with the
 * cache's generated document, as the function will combine them — so a conflicting document is refused here,
 * before it reaches SSM (where the function would reject it and keep serving the last good one).
 */
export async function checkAgainstCache(
  command: string,
  outputsFile: string,
  local: { readonly file: string; readonly text: string },
  io: CliIo,
): Promise<void> {
  let generated: string | undefined;
  try {
    generated = ((await readStackOutputs(outputsFile, io.cwd)) as Record<string, string | undefined>)[
      ECR_CACHE_OUTPUT.mappings
    ];
  } catch (error) {
    throw new UsageError(`mappings ${command}: ${toError(error).message}`, { cause: error });
  }
  if (generated === undefined) return;
  const result = combineMappingsJson(local.text, local.file, {
    source: GENERATED_SOURCE,
    value: JSON.parse(generated) as unknown,
  });
  if (!result.ok) {
    throw new UsageError(
      `mappings ${command}: ${local.file} conflicts with the stack's ECR pull-through cache:\n${result.error.message}`,
      { cause: result.error },
    );
  }
}
