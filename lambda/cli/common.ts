/** Pieces every command shares: argument parsing with usage on error, and the `--mappings` option. */
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { defaultMappingsPath, loadMappingsFile } from '../mappings/file.ts';
import type { Mappings } from '../mappings/parse.ts';
import { createSsmClient } from '../mappings/ssm.ts';
import { toError } from '../result.ts';
import { HelpRequested, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments (strict: unknown options are errors). Throws {@link UsageError} (with the usage)
 * when they are wrong, {@link HelpRequested} for `--help`.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  usage: string,
  options: O,
  argv: readonly string[],
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O,
    });
  } catch (error) {
    throw new UsageError(`${command}: ${toError(error).message}`, { usage, cause: error });
  }
  if ((parsed.values as { help?: boolean }).help === true) throw new HelpRequested(usage);
  return parsed;
}

/** The `--mappings FILE` option every command that decides images takes. */
export const MAPPINGS_OPTION = { mappings: { type: 'string' } } as const;
export const MAPPINGS_USAGE =
  '  --mappings FILE       mappings document (default: ./mappings.json, else mappings.example.json)';

/** Loads `--mappings` (or the default file); throws {@link UsageError} `<command>: <file>: <faults>` when invalid. */
export async function loadCommandMappings(
  command: string,
  file: string | undefined,
  io: CliIo,
): Promise<{ mappings: Mappings; path: string }> {
  const path = file === undefined ? defaultMappingsPath(io.cwd) : resolve(io.cwd, file);
  const loaded = await loadMappingsFile(path);
  if (!loaded.ok)
    throw new UsageError(`${command}: ${path}: ${loaded.error.message}`, { cause: loaded.error });
  return { mappings: loaded.value, path };
}

/**
 * An SSM client for commands run by a person: the standard credential chain and region (or the given one, say
 * the stack's), and timeouts for a laptop's network rather than the Lambda's 2 s budget.
 */
export function createCliSsmClient(region?: string): SSMClient {
  return createSsmClient({
    ...(region === undefined ? {} : { region }),
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
}
