/** Reading `npx cdk deploy --outputs-file cdk-outputs.json`: `{ "<StackName>": { "<Output>": "value" } }`. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { OUTPUT, type OutputName } from '../constants.ts';
import { toError } from '../result.ts';
import { StackOutputsError } from './errors.ts';

/** The stack's outputs by name (lambda/constants.ts's OUTPUT, which the stack declares them with). */
export type StackOutputs = { readonly [name in OutputName]?: string };

/** Reads the outputs of the one stack in the file that has a `MutateUrl` (or the named one). */
export async function readStackOutputs(file: string, cwd: string, stackName?: string): Promise<StackOutputs> {
  const path = resolve(cwd, file);
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new StackOutputsError(`cannot read stack outputs from ${path}: ${toError(error).message}`, {
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null)
    throw new StackOutputsError(`${path} is not a cdk outputs file`);
  const stacks = Object.entries(value as Record<string, unknown>).filter(
    ([name, outputs]) =>
      (stackName === undefined || name === stackName) &&
      typeof outputs === 'object' &&
      outputs !== null &&
      OUTPUT.mutateUrl in outputs,
  );
  if (stacks.length !== 1) {
    const names = Object.keys(value as object).join(', ') || 'none';
    throw new StackOutputsError(
      stacks.length === 0
        ? `${path} has no docker-proxy-webhook stack outputs (stacks: ${names}); run npx cdk deploy --outputs-file ${file}`
        : `${path} has several docker-proxy-webhook stacks (${names}); pass --stack NAME`,
    );
  }
  return (stacks[0] as [string, StackOutputs])[1];
}
