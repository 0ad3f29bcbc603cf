/** A server for the throughput benchmark: the local webhook, or a bare HTTPS server with a fixed answer. */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ensureLocalCertificates } from '../../lambda/local/certs.ts';
import { startLocalServer } from '../../lambda/local/server.ts';
import { reviewBody } from './shared.ts';

const [mode, tlsDir] = process.argv.slice(2) as [string, string];
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
const certs = ensureLocalCertificates(tlsDir);

if (mode === 'webhook') {
  const server = await startLocalServer({
    port: 0,
    tlsDir,
    mappingsFile: `${process.cwd()}/mappings.example.json`,
  });
  process.send?.({ port: server.port, ca: certs.ca });
} else {
  // The floor: read the body, parse it, answer a fixed AdmissionReview — no routing, no policy, no logging.
  const fixed = JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    response: {
      uid: 'x',
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(reviewBody(1)).toString('base64').slice(0, 1200),
    },
  });
  const server = createServer({ cert: certs.cert, key: certs.key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      response.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(fixed),
      });
      response.end(fixed);
    });
  });
  server.listen(0, '127.0.0.1', () =>
    process.send?.({ port: (server.address() as AddressInfo).port, ca: certs.ca }),
  );
}
