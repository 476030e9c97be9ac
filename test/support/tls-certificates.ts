import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisTlsFiles } from '../../lib/testing/redis-server';

/** A throwaway CA and a server certificate it signed, for `127.0.0.1`. */
export interface TestCertificates {
  /** What `RedisServer.start({ tls })` takes. */
  server: RedisTlsFiles;
  /** The CA's certificate (PEM): what a client trusts to connect. */
  ca: Buffer;
  /** Another CA's certificate (PEM), which signed nothing the server has: a wrong `ca`. */
  otherCa: Buffer;
  /** Removes the files. */
  remove(): void;
}

/** Runs `openssl` in `dir` with space-separated arguments (none of them contains a space). */
const openssl = (dir: string, args: string) =>
  execFileSync('openssl', args.split(' '), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A new P-256 key, unencrypted: quick to make, and what a TLS server commonly uses. */
const NEW_KEY = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';

/** A self-signed CA certificate and key named `<name>.crt` / `<name>.key` in `dir`. */
function makeCa(dir: string, name: string): void {
  openssl(
    dir,
    `req -x509 ${NEW_KEY} -keyout ${name}.key -out ${name}.crt -days 1 -subj /CN=${name}`,
  );
}

/**
 * Makes the certificates with `openssl` in a fresh temporary directory. The
 * server certificate names `IP:127.0.0.1`, the address the tests connect to,
 * so a client verifies it exactly as it would a production server's.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'delay-task-tls-'));
  try {
    makeCa(dir, 'ca');
    makeCa(dir, 'other-ca');
    writeFileSync(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\n');
    openssl(dir, `req ${NEW_KEY} -keyout server.key -out server.csr -subj /CN=127.0.0.1`);
    openssl(
      dir,
      'x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 1 ' +
        '-extfile server.ext -out server.crt',
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    server: {
      certFile: join(dir, 'server.crt'),
      keyFile: join(dir, 'server.key'),
      caFile: join(dir, 'ca.crt'),
    },
    ca: readFileSync(join(dir, 'ca.crt')),
    otherCa: readFileSync(join(dir, 'other-ca.crt')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
