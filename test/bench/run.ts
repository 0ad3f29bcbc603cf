/**
 * `npm run bench [-- --quick]`: the webhook against its physical floors, as ratios measured in the same run.
 * Prints a Markdown table, then one JSON line with every figure. See docs/performance.md for the method.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ARTIFACT_PATH, BUNDLE_OPTIONS, HANDLER_ENTRY } from '../../infra/bundling.ts';
import { restEvent } from '../helpers/events.ts';
import { startLocalSsm } from '../helpers/ssm-server.ts';
import { blackHolePassed, type HealthBench, healthRows } from './health.ts';
import { BENCH_MAPPINGS, median, percentile, ROOT, reviewBody, runWorker } from './shared.ts';

const quick = process.argv.includes('--quick');
const flags = quick ? ['--quick'] : [];
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** List prices used for the cost estimate (AWS public pricing, us-east-1), and when they were taken. */
export const PRICES = {
  asOf: '2026-11-25 (us-east-1 list prices; check the AWS pricing pages for yours)',
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  restApiPerMillionRequests: 3.5,
} as const;

// ---- 1. Warm path ----
log('warm path (handler vs JSON.parse + JSON.stringify + base64)');
const warm = await runWorker<{
  results: Record<string, { handlerUs: number; floorUs: number; ratio: number; bodyBytes: number }>;
}>('./warm.worker.ts', flags);
// The same, with logging and metrics silenced: how much of the gap is telemetry, how much the webhook's logic.
const warmQuiet = await runWorker<typeof warm>('./warm.worker.ts', flags, [], {
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
});
// Proxy health checks on vs off, and a review while the probe is black-holed, against the probe bound.
log('warm path with proxy health checks on and off; a review with the proxy black-holed');
const health = await runWorker<HealthBench>('./health.worker.ts', flags);

// ---- 2. Cold start ----
log('building dist/handler.mjs and the SSM-client floor bundle');
const benchDir = join(ROOT, '.local', 'bench');
mkdirSync(benchDir, { recursive: true });
await build({
  ...BUNDLE_OPTIONS,
  mainFields: [...BUNDLE_OPTIONS.mainFields],
  absWorkingDir: ROOT,
  entryPoints: [HANDLER_ENTRY],
  outfile: join(ROOT, ARTIFACT_PATH),
  logLevel: 'error',
});
const floorBundle = join(benchDir, 'ssm-floor.mjs');
await build({
  ...BUNDLE_OPTIONS,
  mainFields: [...BUNDLE_OPTIONS.mainFields],
  absWorkingDir: ROOT,
  entryPoints: ['test/bench/ssm-floor.entry.ts'],
  outfile: floorBundle,
  logLevel: 'error',
});
const bundleBytes = statSync(join(ROOT, ARTIFACT_PATH)).size;
const floorBundleBytes = statSync(floorBundle).size;

const ssm = await startLocalSsm();
ssm.parameters.set('/bench/mappings', JSON.stringify(BENCH_MAPPINGS));
const coldEnv = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_ENDPOINT_URL_SSM: ssm.endpoint,
  MAPPINGS_PARAMETER: '/bench/mappings',
  ARTIFACT: join(ROOT, ARTIFACT_PATH),
  EVENT: JSON.stringify(restEvent({ body: reviewBody(10) })),
};
const coldRun = (script: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], {
      env: coldEnv,
      cwd: tmpdir(),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', () => {
      const match = /\nCOLD ([\d.]+) (\S+)/.exec(stderr);
      if (match === null || match[2] === 'bad')
        reject(new Error(`cold run of ${script} failed: ${stderr.slice(-500)}`));
      else resolve(Number(match[1]));
    });
  });
log('cold start (fresh processes, alternating)');
const coldHandler: number[] = [];
const coldFloor: number[] = [];
for (let i = 0; i < (quick ? 5 : 15); i++) {
  coldFloor.push(await coldRun(floorBundle));
  coldHandler.push(await coldRun(fileURLToPath(new URL('./cold-handler.mjs', import.meta.url))));
}
await ssm.close();
const coldHandlerMs = median(coldHandler);
const coldFloorMs = median(coldFloor);

// ---- 3. Throughput ----
const tlsDir = mkdtempSync(join(tmpdir(), 'dpw-bench-tls-'));
function startServer(mode: 'webhook' | 'bare'): Promise<{ port: number; ca: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./throughput.server.ts', import.meta.url)), [mode, tlsDir], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      cwd: ROOT,
    });
    child.once('message', (m) => resolve({ ...(m as { port: number; ca: string }), child }));
    child.once('exit', (code) => reject(new Error(`${mode} server exited with ${code}`)));
  });
}
interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}
async function load(port: number, ca: string, clients: number, total: number): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: clients, ca });
  const bodies = Array.from({ length: 64 }, (_, i) => reviewBody(10, `uid-${i}`));
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const one = (body: string) =>
    new Promise<void>((resolve) => {
      const started = performance.now();
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) errors++;
            latencies.push(performance.now() - started);
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < total) {
        const i = next++;
        await one(bodies[i % bodies.length] as string);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { rps: total / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors };
}
log('throughput (local HTTPS webhook vs bare HTTPS server)');
const webhookServer = await startServer('webhook');
const bareServer = await startServer('bare');
const throughput: Record<string, { webhook: LoadResult; bare: LoadResult; ratio: number }> = {};
for (const clients of [1, 16, 64]) {
  const total = quick ? 400 : 3_000;
  // Warm both, then measure alternately.
  await load(webhookServer.port, webhookServer.ca, clients, Math.min(200, total));
  await load(bareServer.port, bareServer.ca, clients, Math.min(200, total));
  const webhookRuns: LoadResult[] = [];
  const bareRuns: LoadResult[] = [];
  for (let r = 0; r < (quick ? 1 : 3); r++) {
    webhookRuns.push(await load(webhookServer.port, webhookServer.ca, clients, total));
    bareRuns.push(await load(bareServer.port, bareServer.ca, clients, total));
  }
  const pick = (runs: LoadResult[]) =>
    runs.sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)] as LoadResult;
  const webhook = pick(webhookRuns);
  const bare = pick(bareRuns);
  throughput[String(clients)] = {
    webhook: { ...webhook, errors: webhookRuns.reduce((n, r) => n + r.errors, 0) },
    bare,
    ratio: webhook.rps / bare.rps,
  };
}
webhookServer.child.kill();
bareServer.child.kill();

// ---- 4. Memory ----
log('memory (heap after many reviews vs after 1k)');
const memory = await runWorker<{ reviews: number; after1k: number; afterAll: number; growth: number }>(
  './memory.worker.ts',
  flags,
  ['--expose-gc'],
);

// ---- 5. Cost on paper ----
const memoryGb = 512 / 1024;
const warm10 = warm.results['10'] as { handlerUs: number; floorUs: number; ratio: number };
const billedMs = Math.max(1, Math.ceil(warm10.handlerUs / 1000));
const lambdaPerMillion =
  1e6 * (billedMs / 1000) * memoryGb * PRICES.lambdaArmGbSecond + PRICES.lambdaPerMillionRequests;
const costPerMillion = lambdaPerMillion + PRICES.restApiPerMillionRequests;
const ttlSeconds = 60;

// ---- Report ----
const f = (n: number, digits = 2) => n.toFixed(digits);
const rows: string[] = [
  '| measure | webhook | floor | ratio | target |',
  '| --- | --- | --- | --- | --- |',
  ...Object.entries(warm.results).map(
    ([n, r]) =>
      `| warm: ${n}-container pod (${(r.bodyBytes / 1024).toFixed(1)} KB) | ${f(r.handlerUs, 1)} µs | ${f(r.floorUs, 1)} µs | ${f(r.ratio)}× | ${n === '10' ? '≤ 1.5×' : ''} |`,
  ),
  `| warm, telemetry silenced: 10-container pod | ${f((warmQuiet.results['10'] as { handlerUs: number }).handlerUs, 1)} µs | ${f((warmQuiet.results['10'] as { floorUs: number }).floorUs, 1)} µs | ${f((warmQuiet.results['10'] as { ratio: number }).ratio)}× | (diagnostic) |`,
  ...healthRows(health),
  `| cold start: first review, mappings from SSM | ${f(coldHandlerMs, 0)} ms | ${f(coldFloorMs, 0)} ms | ${f(coldHandlerMs / coldFloorMs)}× | ≤ 1.15× |`,
  `| bundle | ${(bundleBytes / 1024).toFixed(0)} KB | ${(floorBundleBytes / 1024).toFixed(0)} KB (SSM client alone) | | ≤ 700 KB |`,
  ...Object.entries(throughput).map(
    ([n, t]) =>
      `| throughput, ${n} clients | ${f(t.webhook.rps, 0)} req/s (p50 ${f(t.webhook.p50Ms)} ms, p99 ${f(t.webhook.p99Ms)} ms) | ${f(t.bare.rps, 0)} req/s (p50 ${f(t.bare.p50Ms)} ms, p99 ${f(t.bare.p99Ms)} ms) | ${f(t.ratio)}× | ${n === '64' ? '≥ 0.7×' : ''} |`,
  ),
  `| heap growth, ${memory.reviews} reviews vs 1k | ${(memory.growth / 1024).toFixed(0)} KB | | | ~0 |`,
  `| cost per million admissions (512 MB arm64, ${billedMs} ms billed) | $${f(costPerMillion)} (Lambda $${f(lambdaPerMillion)} + REST API $${f(PRICES.restApiPerMillionRequests)}) | | | |`,
  `| SSM GetParameter calls per warm container | ${3600 / ttlSeconds} per hour (TTL ${ttlSeconds} s) | | | |`,
];
const errors = Object.values(throughput).reduce((n, t) => n + t.webhook.errors + t.bare.errors, 0);
const summary = {
  quick,
  warmRatio: warm10.ratio,
  warm: warm.results,
  warmWithoutTelemetry: warmQuiet.results,
  healthCheckOnRatio: health.warm.onRatio,
  healthCheckOffRatio: health.warm.offRatio,
  blackHoleReviewMaxMs: health.blackHole.maxMs,
  blackHolePassed: blackHolePassed(health),
  health,
  coldRatio: coldHandlerMs / coldFloorMs,
  coldHandlerMs,
  coldFloorMs,
  bundleBytes,
  floorBundleBytes,
  throughputRatio: (throughput['64'] as { ratio: number }).ratio,
  throughput,
  errors,
  heapGrowthBytes: memory.growth,
  costPerMillionUsd: costPerMillion,
  ssmCallsPerHourPerContainer: 3600 / ttlSeconds,
  prices: PRICES,
  node: process.version,
};
process.stdout.write(`${rows.join('\n')}\n\n${JSON.stringify(summary)}\n`);
