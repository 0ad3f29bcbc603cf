#!/usr/bin/env node
// `npx docker-proxy-webhook …`: runs the TypeScript sources directly (no build step on a fresh clone).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./index.ts');
process.exitCode = await main(process.argv.slice(2));
