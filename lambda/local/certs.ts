/**
 * TLS for the local server: a local CA and a serving certificate signed by it, generated on first start with
 * node-forge (keys from node:crypto, which is fast), kept under a git-ignored folder and reused while they
 * cover the requested names and have more than a week left.
 */
import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import forge from 'node-forge';

/** Names every serving certificate covers: the host itself, and what containers call it (kind, Docker). */
export const DEFAULT_SANS: readonly string[] = ['localhost', '127.0.0.1', '::1', 'host.docker.internal'];

export interface LocalCertificates {
  readonly caPath: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** Whether this call created (or renewed) them. */
  readonly generated: boolean;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

/**
 * The name a certificate holds for a host as given: an IPv6 address may come bracketed as in a URL
 * (`[fd00::1]`), but the certificate needs the bare address as an IP SAN, not a DNS name `[fd00::1]`.
 */
export function certificateName(host: string): string {
  const inner = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return isIP(inner) === 6 ? inner : host;
}

function rsaKeys() {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey),
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    privatePem: privateKey,
  };
}

function newCertificate(publicKey: forge.pki.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: a leading 0 nibble keeps the DER integer unsigned.
  cert.serialNumber = `0${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * 24 * 3600 * 1000);
  return cert;
}

function createCa(dir: string) {
  const keys = rsaKeys();
  const cert = newCertificate(keys.publicKey, 3650);
  const subject = [
    { name: 'commonName', value: 'docker-proxy-webhook local CA' },
    { name: 'organizationName', value: 'docker-proxy-webhook (local development)' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  writeFileSync(join(dir, 'ca.pem'), pem);
  writeFileSync(join(dir, 'ca-key.pem'), keys.privatePem, { mode: 0o600 });
  return { cert, key: keys.privateKey, pem };
}

function loadCa(dir: string) {
  const pem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  return {
    cert: forge.pki.certificateFromPem(pem),
    key: forge.pki.privateKeyFromPem(readFileSync(join(dir, 'ca-key.pem'), 'utf8')),
    pem,
  };
}

function createServing(
  dir: string,
  ca: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey },
  sans: readonly string[],
) {
  const keys = rsaKeys();
  // Under 398 days: the longest serving validity clients (and Go's verifier for some uses) accept.
  const cert = newCertificate(keys.publicKey, 397);
  cert.setSubject([{ name: 'commonName', value: sans[0] ?? 'localhost' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: sans.map((san) => (isIP(san) ? { type: 7, ip: san } : { type: 2, value: san })),
    },
  ]);
  cert.sign(ca.key as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  writeFileSync(join(dir, 'server.pem'), pem);
  writeFileSync(join(dir, 'server-key.pem'), keys.privatePem, { mode: 0o600 });
}

/** Whether the serving certificate covers every name and is valid for another week. */
function servingIsUsable(dir: string, caPem: string, sans: readonly string[]): boolean {
  const path = join(dir, 'server.pem');
  if (!existsSync(path) || !existsSync(join(dir, 'server-key.pem'))) return false;
  try {
    const cert = new X509Certificate(readFileSync(path));
    if (!cert.verify(new X509Certificate(caPem).publicKey)) return false;
    if (Date.parse(cert.validTo) - Date.now() < WEEK_MS) return false;
    return sans.every((san) =>
      isIP(san) ? cert.checkIP(san) !== undefined : cert.checkHost(san) !== undefined,
    );
  } catch {
    return false;
  }
}

/** Returns the local CA and serving certificate in `dir`, creating or renewing what is missing. */
export function ensureLocalCertificates(dir: string, extraSans: readonly string[] = []): LocalCertificates {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const sans = [...new Set([...DEFAULT_SANS, ...extraSans.map(certificateName)])];
  let generated = false;
  let ca: ReturnType<typeof loadCa>;
  const caUsable =
    existsSync(join(dir, 'ca.pem')) &&
    existsSync(join(dir, 'ca-key.pem')) &&
    Date.parse(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).validTo) - Date.now() > WEEK_MS;
  if (caUsable) {
    ca = loadCa(dir);
  } else {
    ca = createCa(dir);
    generated = true;
  }
  if (generated || !servingIsUsable(dir, ca.pem, sans)) {
    createServing(dir, ca, sans);
    generated = true;
  }
  return {
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
    ca: ca.pem,
    cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
    key: readFileSync(join(dir, 'server-key.pem'), 'utf8'),
    generated,
  };
}
