/** What the benchmark workers share: the pods, the mappings, the statistics. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readConfig } from '../../lambda/config.ts';
import { createHandler, type WebhookHandler } from '../../lambda/create-handler.ts';
import type { ProxyHealth } from '../../lambda/health/health.ts';
import { parseMappings } from '../../lambda/mappings/parse.ts';
import { createMappingsSource } from '../../lambda/mappings/source.ts';
import { createTelemetry } from '../../lambda/telemetry.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const BENCH_MAPPINGS = {
  version: 1,
  registries: {
    'docker.io': 'harbor.example.com/dockerhub',
    'ghcr.io': { proxy: 'harbor.example.com/ghcr', pullSecret: 'ghcr-pull' },
    'quay.io': 'harbor.example.com/quay',
    'registry.k8s.io': 'harbor.example.com/k8s',
  },
  ignore: ['*.dkr.ecr.*.amazonaws.com'],
};

/**
 * The Lambda handler with `document` ({@link BENCH_MAPPINGS} by default) already loaded and its real telemetry;
 * with `proxies`, the proxy health checks the document asks for.
 */
export async function benchHandler(
  document: unknown = BENCH_MAPPINGS,
  proxies?: ProxyHealth,
): Promise<WebhookHandler> {
  const parsed = parseMappings(document);
  if (!parsed.ok) throw parsed.error;
  const mappings = createMappingsSource({
    load: async () => '',
    parse: () => ({ ok: true as const, value: parsed.value }),
    ttlMs: 3_600_000,
    loadTimeoutMs: 1000,
  });
  await mappings.current();
  return createHandler({
    config: readConfig({ MAPPINGS_FILE: 'bench' }),
    mappings,
    telemetry: createTelemetry(),
    pathToken: async () => undefined,
    ...(proxies === undefined ? {} : { proxies }),
  });
}

const IMAGES = [
  'nginx:1.27',
  'ghcr.io/org/app:v1.2.3',
  `quay.io/prometheus/node-exporter@sha256:${'a'.repeat(64)}`,
  'registry.k8s.io/pause:3.10',
  'bitnami/redis:7.2',
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1',
  'harbor.example.com/dockerhub/library/busybox:1.36',
  'example.org/unmapped/thing:2',
];

/** A realistic AdmissionReview for a pod with `containers` containers (env, resources, probes included). */
export function reviewBody(containers: number, uid = '705ab4f5-6393-11e8-b7cc-42010a800002'): string {
  const container = (i: number) => ({
    name: `c${i}`,
    image: IMAGES[i % IMAGES.length],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    ports: [{ containerPort: 8080 + i, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/ready', port: 8080 + i }, periodSeconds: 10 },
    volumeMounts: [{ name: 'data', mountPath: '/data' }],
  });
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        groups: ['system:serviceaccounts'],
      },
      object: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'web-7d4b9c8f6d-',
          namespace: 'shop',
          labels: { app: 'web', 'pod-template-hash': '7d4b9c8f6d' },
          annotations: { 'kubectl.kubernetes.io/restartedAt': '2026-11-24T10:00:00Z' },
          ownerReferences: [
            { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c8f6d', uid: 'x', controller: true },
          ],
        },
        spec: {
          containers: Array.from({ length: containers }, (_, i) => container(i)),
          volumes: [{ name: 'data', emptyDir: {} }],
          serviceAccountName: 'web',
        },
      },
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  });
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
};

/**
 * Runs a worker module in a child process. Its stdout and stderr (the webhook's log lines) go to /dev/null:
 * synchronous like Lambda's log sink, where a pipe would buffer them in the heap and distort the figures.
 */
export function runWorker<T>(
  module: string,
  args: readonly string[] = [],
  execArgv: readonly string[] = [],
  env: Readonly<Record<string, string>> = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL(module, import.meta.url)), [...args], {
      execArgv: ['--import', 'tsx', ...execArgv],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      cwd: ROOT,
    });
    let result: T | undefined;
    child.on('message', (message) => {
      result = message as T;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result === undefined
        ? reject(
            new Error(
              `${module} exited with ${code} and no result; run it with node --import tsx to see why`,
            ),
          )
        : resolve(result),
    );
  });
}

/**
 * The floor of the warm path: what any webhook must do with `body` — parse it, base64 the patch of `response`
 * (the handler's own answer), serialize an AdmissionReview. Returns the length written, for a sink.
 */
export function payloadFloor(body: string, response: { patch?: string }): () => number {
  const patchJson = Buffer.from(response.patch ?? '', 'base64').toString('utf8');
  return () => {
    const request = JSON.parse(body);
    const patch = Buffer.from(patchJson, 'utf8').toString('base64');
    return JSON.stringify({
      apiVersion: request.apiVersion,
      kind: 'AdmissionReview',
      response: { ...response, uid: request.request.uid, patch },
    }).length;
  };
}
