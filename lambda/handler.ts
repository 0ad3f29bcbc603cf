/**
 * The Lambda entry: `dist/handler.mjs`, export `handler`. Module scope runs once per cold start (the init
 * phase); a bad configuration fails the cold start with a ConfigError naming the variable (visible in the
 * function's logs). The middy chain it runs is built by create-handler.ts.
 */
import { createHandler } from './create-handler.ts';
import { createDependencies, warmUp } from './dependencies.ts';

const dependencies = createDependencies(process.env);
// Top-level await: the init phase waits for the mappings and the path token (bounded), so nothing started at
// cold start is still in flight when Lambda freezes the instance before its first invocation.
await warmUp(dependencies);

export const handler = createHandler(dependencies);
