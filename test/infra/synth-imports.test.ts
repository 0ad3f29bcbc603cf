import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixtures.ts';

const ROOT = join(FIXTURES_DIR, '..', '..');

/** The packages a module loads, following our own files (esbuild's import graph, packages left external). */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const imports = Object.values(result.metafile.inputs).flatMap((input) => input.imports);
  return [...new Set(imports.filter((i) => i.external).map((i) => i.path))].sort();
}

describe('synth', () => {
  it('loads no AWS SDK: infra/ takes its constants from lambda/constants.ts, not from the adapters', async () => {
    const loaded = await packagesLoadedBy('infra/app.ts');
    expect(loaded).toContain('aws-cdk-lib');
    expect(loaded.filter((p) => p.startsWith('@aws-sdk/'))).toEqual([]);
  });

  it('the check can fail: the SSM adapter does load the SDK', async () => {
    expect(await packagesLoadedBy('lambda/mappings/ssm.ts')).toContain('@aws-sdk/client-ssm');
  });
});
