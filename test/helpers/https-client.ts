import { type Agent, request } from 'node:https';
import { toError } from '../../lambda/result.ts';

/** What a test reads back from an HTTPS reply. */
export interface HttpsReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Whether the request went out on a pooled keep-alive connection (with an `agent`). */
  readonly reusedSocket: boolean;
}

export interface HttpsCallOptions {
  /** The CA that must have signed the server's certificate (the client verifies it). */
  readonly ca: string | undefined;
  /** @default POST with a body, GET without */
  readonly method?: string;
  readonly body?: string | Buffer;
  /** Sent with a body. @default application/json */
  readonly contentType?: string;
  /**
   * A connection pool to reuse. @default false: a fresh connection per call, so no test inherits a pooled socket
   * the server has already closed for idleness (an ECONNRESET that depends on how slow the machine is).
   */
  readonly agent?: Agent | false;
  /** Send the first half of the body, then the rest once this settles (slow clients). */
  readonly slowBody?: Promise<void>;
}

/** One request with a real HTTPS client that verifies the server against `ca`; resolves with the whole reply. */
export function httpsCall(url: string, options: HttpsCallOptions): Promise<HttpsReply> {
  const { slowBody } = options;
  const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? (body === undefined ? 'GET' : 'POST'),
        ca: options.ca,
        headers: body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' },
        agent: options.agent ?? false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('error', reject);
    if (body === undefined) {
      req.end();
    } else if (slowBody !== undefined) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      slowBody.then(
        () => req.end(body.subarray(half)),
        (error: unknown) => req.destroy(toError(error)),
      );
    } else {
      req.end(body);
    }
  });
}
