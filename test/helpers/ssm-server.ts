import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback server speaking the SSM JSON 1.1 protocol (`X-Amz-Target: AmazonSSM.GetParameter` and
 * `PutParameter`), so the real AWS SDK client is exercised offline. Faults are queued and consumed one per
 * request, in order.
 */
export type SsmFault =
  | { kind: 'throttle' }
  | { kind: 'server-error' }
  | { kind: 'delay'; ms: number }
  | { kind: 'not-found' };

export interface LocalSsm {
  readonly endpoint: string;
  /** Parameter values by name. */
  readonly parameters: Map<string, string>;
  /** Queues faults for the next requests. */
  fail(...faults: SsmFault[]): void;
  /** A fault for every request until `outage(undefined)` (queued faults come first). */
  outage(fault: SsmFault | undefined): void;
  /** Every request's signing region (from its SigV4 credential scope), in order. */
  readonly regions: string[];
  /** Every request's target, parameter name and (PutParameter) tier, in order. */
  readonly calls: { target: string; name: string | undefined; tier?: string }[];
  /** Forgets parameters, queued faults, the outage and calls. */
  reset(): void;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLocalSsm(): Promise<LocalSsm> {
  const parameters = new Map<string, string>();
  const versions = new Map<string, number>();
  const faults: SsmFault[] = [];
  let persistent: SsmFault | undefined;
  const calls: { target: string; name: string | undefined; tier?: string }[] = [];
  const regions: string[] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer(async (request, response) => {
    const target = String(request.headers['x-amz-target'] ?? '');
    regions.push(/Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(request.headers.authorization))?.[1] ?? '');
    const body = JSON.parse((await readBody(request)) || '{}') as {
      Name?: string;
      Value?: string;
      Tier?: string;
    };
    calls.push({ target, name: body.Name, ...(body.Tier === undefined ? {} : { tier: body.Tier }) });
    const send = (status: number, value: unknown) => {
      if (response.destroyed) return;
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': 'local',
      });
      response.end(JSON.stringify(value));
    };
    const fault = faults.shift() ?? persistent;
    if (fault?.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'throttle')
      return send(400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    if (fault?.kind === 'server-error') return send(500, { __type: 'InternalServerError', message: 'boom' });
    const name = body.Name ?? '';
    if (target === 'AmazonSSM.GetParameter') {
      const value = parameters.get(name);
      if (fault?.kind === 'not-found' || value === undefined) {
        return send(400, { __type: 'ParameterNotFound', message: `Parameter ${name} not found.` });
      }
      return send(200, {
        Parameter: { Name: name, Type: 'String', Value: value, Version: versions.get(name) ?? 1 },
      });
    }
    if (target === 'AmazonSSM.PutParameter') {
      parameters.set(name, body.Value ?? '');
      const version = (versions.get(name) ?? 0) + 1;
      versions.set(name, version);
      return send(200, { Version: version, Tier: 'Standard' });
    }
    return send(400, { __type: 'InvalidAction', message: `unsupported target ${target}` });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    parameters,
    calls,
    regions,
    fail: (...f) => faults.push(...f),
    outage: (fault) => {
      persistent = fault;
    },
    reset: () => {
      persistent = undefined;
      parameters.clear();
      versions.clear();
      faults.length = 0;
      calls.length = 0;
      regions.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** SDK client settings for the local server: fixed region, dummy credentials, no retries' jitter surprises. */
export const localAwsConfig = (endpoint: string) => ({
  endpoint,
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
});

/** The environment the Lambda runtime gives the function, with SSM pointed at the local server. */
export const lambdaAwsEnv = (endpoint: string): Record<string, string> => ({
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_ENDPOINT_URL_SSM: endpoint,
});
