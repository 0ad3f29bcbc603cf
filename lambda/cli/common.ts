/** Pieces every command shares: argument parsing with usage on error, and the `--mappings` option. */
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { defaultMappingsPath, loadMappingsFile } from '../mappings/file.ts';
import type { Mappings } from '../mappings/parse.ts';
import { createSsmClient } from '../mappings/ssm.ts';
import { type CliIo, EXIT_USAGE } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments (strict: unknown options are errors). Returns the exit code instead when the
 * arguments are wrong (usage on stderr, exit 2) or `--help` was asked for (usage on stdout, exit 0).
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  usage: string,
  options: O,
  argv: readonly string[],
  io: CliIo,
):
  | ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>
  | number {
  try {
    const parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { ...options, help: { type: 'boolean', short: 'h' } } as O,
    });
    if ((parsed.values as { help?: boolean }).help === true) {
      io.stdout.write(usage);
      return 0;
    }
    return parsed;
  } catch (error) {
    io.stderr.write(`${command}: ${(error as Error).message}\n\n${usage}`);
    return EXIT_USAGE;
  }
}

/** The `--mappings FILE` option every command that decides images takes. */
export const MAPPINGS_OPTION = { mappings: { type: 'string' } } as const;
export const MAPPINGS_USAGE =
  '  --mappings FILE       mappings document (default: ./mappings.json, else mappings.example.json)';

/** Loads `--mappings` (or the default file); on failure prints `<command>: <file>: <faults>` and returns 2. */
export async function loadCommandMappings(
  command: string,
  file: string | undefined,
  io: CliIo,
): Promise<{ mappings: Mappings; path: string } | number> {
  const path = file === undefined ? defaultMappingsPath(io.cwd) : resolve(io.cwd, file);
  const loaded = await loadMappingsFile(path);
  if (!loaded.ok) {
    io.stderr.write(`${command}: ${path}: ${loaded.error.message}\n`);
    return EXIT_USAGE;
  }
  return { mappings: loaded.value, path };
}

/**
 * An SSM client for commands run by a person: the standard credential chain and region, and timeouts for a
 * laptop's network rather than the Lambda's 2 s budget.
 */
export function createCliSsmClient(): SSMClient {
  return createSsmClient({
    maxAttempts: 3,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
}
