/**
 * The Lambda entry: `dist/handler.mjs`, export `handler`. Module scope runs once per cold start; a bad
 * configuration fails the cold start with a ConfigError naming the variable (visible in the function's logs).
 * The middy chain it runs is built by create-handler.ts.
 */
import { createHandler } from './create-handler.ts';
import { createDependencies } from './dependencies.ts';

export const handler = createHandler(createDependencies(process.env));
