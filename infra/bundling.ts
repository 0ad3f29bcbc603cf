/**
 * esbuild options of the Lambda artifact, in one place: `npm run build` (infra/build.ts) and the CDK
 * stack's NodejsFunction both use them, so what is tested locally is what is deployed.
 */

/** The Lambda entry, relative to the repository root. */
export const HANDLER_ENTRY = 'lambda/handler.ts';

/** The exported handler function. */
export const HANDLER_EXPORT = 'handler';

/** Where `npm run build` writes the artifact, relative to the repository root. */
export const ARTIFACT_PATH = 'dist/handler.mjs';

/** The newest Node.js Lambda runtime's major version. */
export const NODE_TARGET = 'node24';

/**
 * ESM needs `require` for the few CommonJS dependencies esbuild inlines (parts of the AWS SDK).
 * @see https://github.com/evanw/esbuild/issues/1921
 */
export const ESM_REQUIRE_SHIM =
  "import { createRequire as __dpwCreateRequire } from 'node:module'; const require = __dpwCreateRequire(import.meta.url);";

/** The options both builds share (names as in esbuild's JS API). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: NODE_TARGET,
  minify: true,
  sourcemap: true,
  /** Prefer ES module entry points: smaller bundles from the AWS SDK. */
  mainFields: ['module', 'main'],
  banner: { js: ESM_REQUIRE_SHIM },
  /** The SDK is bundled (pinned by our lockfile), not taken from the runtime: nothing is external. */
  external: [] as string[],
  legalComments: 'none',
} as const;
