import type { ConnectionOptions } from 'node:tls';
import type { TlsSettings } from './client-security.js';

/** Node's TLS options for a client's TLS settings, as every Kafka client here takes them (kafkajs's ssl, platformatic's tls). */
export function tlsConnectionOptions(tls: TlsSettings): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(tls.caPem ? { ca: [tls.caPem] } : {}),
    ...(tls.certPem ? { cert: tls.certPem, key: tls.keyPem } : {}),
    ...(tls.pkcs12Base64 ? { pfx: Buffer.from(tls.pkcs12Base64, 'base64') } : {}),
    ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
    // ssl.endpoint.identification.algorithm= (empty): the chain is still verified, the host name is not.
    ...(tls.verifyHostname ? {} : { checkServerIdentity: () => undefined }),
  };
}
