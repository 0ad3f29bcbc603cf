/**
 * `npm run build`: writes dist/handler.mjs, the exact Lambda artifact, with the esbuild options the CDK
 * stack uses (infra/bundling.ts).
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ARTIFACT_PATH, BUNDLE_OPTIONS, HANDLER_ENTRY } from './bundling.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

const result = await build({
  ...BUNDLE_OPTIONS,
  mainFields: [...BUNDLE_OPTIONS.mainFields],
  absWorkingDir: root,
  entryPoints: [HANDLER_ENTRY],
  outfile: ARTIFACT_PATH,
  metafile: true,
  logLevel: 'warning',
});
const bytes = statSync(`${root}/${ARTIFACT_PATH}`).size;
process.stdout.write(`${ARTIFACT_PATH}: ${(bytes / 1024).toFixed(0)} KiB (${bytes} bytes)\n`);
if (result.warnings.length > 0) process.exitCode = 1;
