/** Mappings from a file on disk: the `rewrite`/`review` commands, `npm start`, tests. */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err } from '../result.ts';
import { type MappingsParseResult, MappingsValidationError, parseMappingsJson } from './parse.ts';

/** The example shipped at the repository root. */
export const EXAMPLE_MAPPINGS_PATH: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'mappings.example.json',
);

/** `./mappings.json` in `cwd` when it exists, else the shipped example. */
export function defaultMappingsPath(cwd: string = process.cwd()): string {
  const local = join(cwd, 'mappings.json');
  return existsSync(local) ? local : EXAMPLE_MAPPINGS_PATH;
}

/** Reads and validates a mappings file. Never throws: an unreadable file is reported like a bad document. */
export async function loadMappingsFile(path: string): Promise<MappingsParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return err(
      new MappingsValidationError([{ path: '', message: `cannot read ${path}: ${reason}` }], {
        cause: error,
      }),
    );
  }
  return parseMappingsJson(text);
}
