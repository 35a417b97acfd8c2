import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface GeneratedCert {
  /** PEM certificate; also the CA a test client trusts (self-signed). */
  certPath: string;
  keyPath: string;
  /** Certificate then key in one PEM, as HAProxy's `crt` wants. */
  bundlePath: string;
}

export interface GenerateCertOptions {
  /** Directory to write cert.pem, key.pem, bundle.pem into (created if missing). Never a committed path. */
  dir: string;
  /** Names the certificate is valid for. Default localhost and 127.0.0.1. */
  dnsNames?: string[];
  ipAddresses?: string[];
  validDays?: number;
}

/**
 * Generates a self-signed P-256 certificate with `openssl` at run time, so no
 * key is ever committed. P-256 keeps generation and handshakes cheap on a shared machine.
 */
export async function generateSelfSignedCert(options: GenerateCertOptions): Promise<GeneratedCert> {
  const dnsNames = options.dnsNames ?? ['localhost'];
  const ipAddresses = options.ipAddresses ?? ['127.0.0.1'];
  const subjectAltName = [...dnsNames.map((n) => `DNS:${n}`), ...ipAddresses.map((ip) => `IP:${ip}`)].join(
    ',',
  );
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const certPath = join(options.dir, 'cert.pem');
  const keyPath = join(options.dir, 'key.pem');
  const bundlePath = join(options.dir, 'bundle.pem');
  await execFileAsync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    String(options.validDays ?? 7),
    '-subj',
    `/CN=${dnsNames[0] ?? ipAddresses[0] ?? 'wslab'}`,
    '-addext',
    `subjectAltName=${subjectAltName}`,
  ]);
  const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  await writeFile(bundlePath, `${cert.trimEnd()}\n${key.trimEnd()}\n`, { mode: 0o600 });
  return { certPath, keyPath, bundlePath };
}
