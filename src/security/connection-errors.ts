import { connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { DataStormError } from '../shared/errors.js';
import type { ClientSecurity } from './client-security.js';

/** Node's codes for a certificate chain the client does not trust. */
const UNTRUSTED_CODES = [
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED',
];
const PROBE_TIMEOUT_MS = 1500;

/** The messages of an error and of what it wraps (kafkajs nests the connection's error in its retries). */
function messagesOf(error: unknown): string[] {
  const messages: string[] = [];
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length > 0 && seen.size < 20) {
    const current = queue.shift() as { message?: string; name?: string; cause?: unknown; originalError?: unknown; code?: string } | undefined;
    if (!current || seen.has(current)) continue;
    seen.add(current);
    messages.push(`${current.name ?? ''}: ${current.code ?? ''} ${current.message ?? String(current)}`);
    queue.push(current.cause, current.originalError);
  }
  return messages;
}

/** What the listener at host:port speaks: TLS when a TLS handshake gets a server hello, else plaintext (or nothing). */
export function probeListener(broker: string): Promise<'tls' | 'plaintext' | 'closed'> {
  const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const tcp = tcpConnect({ host, port });
    const fail = () => { tcp.destroy(); resolve('closed'); };
    tcp.setTimeout(PROBE_TIMEOUT_MS, fail);
    tcp.once('error', fail);
    tcp.once('connect', () => {
      tcp.setTimeout(0);
      tcp.removeListener('error', fail);
      // Any certificate will do: the question is only whether the port answers a TLS client hello.
      const tls = tlsConnect({ socket: tcp, rejectUnauthorized: false });
      const done = (answer: 'tls' | 'plaintext') => { tls.destroy(); resolve(answer); };
      tls.setTimeout(PROBE_TIMEOUT_MS, () => done('plaintext'));
      tls.once('secureConnect', () => done('tls'));
      tls.once('error', () => done('plaintext'));
    });
  });
}

/**
 * A connection failure as one line a user can act on: wrong credentials, an untrusted certificate, TLS and
 * plaintext crossed (found by probing the first broker, only once a connection has failed), or unreachable.
 */
export async function explainConnectionFailure(error: unknown, brokers: string[], security: ClientSecurity): Promise<DataStormError> {
  const text = messagesOf(error).join(' | ');
  const at = brokers.join(',');
  const sasl = security.sasl;
  if (sasl && /SASL|Authentication failed|authentication/i.test(text)) {
    const notEnabled = /mechanism is not supported by the server|does not support the requested SASL mechanism|UNSUPPORTED_SASL_MECHANISM/i.exec(text);
    if (notEnabled) {
      return new DataStormError('DS_SASL_MECHANISM', `the brokers at ${at} do not enable SASL mechanism ${sasl.mechanism}`, {
        hint: 'set sasl.mechanism to one the listener enables (the local cluster: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)', cause: error,
      });
    }
    const user = sasl.mechanism === 'OAUTHBEARER' ? 'the OAUTHBEARER token' : `user ${sasl.username}`;
    return new DataStormError('DS_AUTH_FAILED', `authentication failed for ${user} with mechanism ${sasl.mechanism} at ${at}`, {
      hint: sasl.mechanism === 'OAUTHBEARER' ? 'check the token' : 'check username and password in sasl.jaas.config, and that the user has credentials for this mechanism',
      cause: error,
    });
  }
  const untrusted = UNTRUSTED_CODES.find((code) => text.includes(code));
  if (security.tls && untrusted) {
    const given = security.tls.caFile ? `ssl.truststore.location ${security.tls.caFile} does not hold the CA that signed it` : 'no ssl.truststore.location is set';
    return new DataStormError('DS_TLS_UNTRUSTED', `the certificate of the brokers at ${at} is not trusted (${untrusted}): ${given}`, {
      hint: 'pass the CA file that signed it: ssl.truststore.type=PEM and ssl.truststore.location=<ca.pem> (the local cluster\'s is tls/ca.pem in its folder, named in its client-sasl-ssl.properties)',
      cause: error,
    });
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/i.test(text)) {
    return new DataStormError('DS_TLS_HOSTNAME', `the certificate of the brokers at ${at} does not name the host connected to`, {
      hint: 'connect with a name the certificate holds, or set ssl.endpoint.identification.algorithm= (empty) to skip the check', cause: error,
    });
  }
  if (!/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH/.test(text)) {
    const speaks = await probeListener(brokers[0]);
    if (speaks === 'tls' && !security.tls) {
      return new DataStormError('DS_PLAINTEXT_TO_TLS', `${brokers[0]} is a TLS listener, but security.protocol is ${security.protocol}`, {
        hint: 'set security.protocol=SSL or SASL_SSL (with ssl.truststore.location) in --producer.config / --command-config', cause: error,
      });
    }
    if (speaks === 'plaintext' && security.tls) {
      return new DataStormError('DS_TLS_TO_PLAINTEXT', `${brokers[0]} does not speak TLS (a plaintext listener), but security.protocol is ${security.protocol}`, {
        hint: 'give the TLS listener\'s address in --bootstrap-server, or set security.protocol=PLAINTEXT or SASL_PLAINTEXT', cause: error,
      });
    }
  }
  return new DataStormError('DS_UNREACHABLE', `cannot reach Kafka at ${at}: ${(error as Error).message}`, {
    hint: 'start a local cluster with `datastorm cluster up`, or check --bootstrap-server', cause: error,
  });
}
