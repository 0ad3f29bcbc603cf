import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of `test/fixtures`. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Reads one JSON fixture, by its path under `test/fixtures`. */
export function loadFixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, relativePath), 'utf8')) as T;
}

/** Reads every `*.json` fixture of one kind (`test/fixtures/<kind>/`), as `[caseName, value]` rows for `it.each`. */
export function loadFixtureDir<T = unknown>(kind: string): [string, T][] {
  const dir = join(FIXTURES_DIR, kind);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => [basename(file, '.json'), loadFixture<T>(join(kind, file))]);
}
