import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataStormError } from '../shared/errors.js';

/** The throwaway CA and broker certificate of the local SASL_SSL listener, made with openssl. */
export interface ListenerCerts {
  /** The CA certificate clients trust (ssl.truststore.location, PEM). */
  caFile: string;
  /** The broker's PKCS#8 key and certificate in one file (Kafka's ssl.keystore.type=PEM). */
  keystoreFile: string;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
    throw new DataStormError('DS_TLS_CERTS_FAILED', err.code === 'ENOENT' ? 'openssl is not installed'
      : `openssl ${args[0]} failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`, {
      hint: 'the SASL_SSL listener\'s throwaway certificates are made with openssl (apt-get install openssl)',
    });
  }
}

/** A CA valid for 10 years, and a broker certificate it signs for 127.0.0.1 and localhost, in dir. */
export function makeListenerCerts(dir: string): ListenerCerts {
  mkdirSync(dir, { recursive: true });
  const days = '3650';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', days, '-subj', '/CN=DataStorm local CA',
    '-keyout', 'ca.key', '-out', 'ca.pem'], dir);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'broker.key', '-out', 'broker.csr'], dir);
  writeFileSync(join(dir, 'broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(['x509', '-req', '-in', 'broker.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', days,
    '-extfile', 'broker.ext', '-out', 'broker.crt'], dir);
  openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'broker.key', '-out', 'broker.pk8'], dir);
  const keystoreFile = join(dir, 'broker.pem');
  writeFileSync(keystoreFile, readFileSync(join(dir, 'broker.pk8'), 'utf8') + readFileSync(join(dir, 'broker.crt'), 'utf8'), { mode: 0o600 });
  return { caFile: join(dir, 'ca.pem'), keystoreFile };
}
