import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { DataStormError } from '../shared/errors.js';
import type { ClientSecurity, SaslSettings } from './client-security.js';
import { tlsConnectionOptions } from './tls-options.js';

/** kafkajs's `ssl` and `sasl` options for a client's security (none for PLAINTEXT: the default path is unchanged). */
export function kafkajsSecurity(security: ClientSecurity): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ...(security.tls ? { ssl: tlsConnectionOptions(security.tls) } : {}),
    ...(security.sasl ? { sasl: saslOptions(security.sasl) } : {}),
  };
}

function saslOptions(sasl: SaslSettings): SASLOptions {
  if (sasl.mechanism === 'OAUTHBEARER') {
    return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: readToken(sasl) }) };
  }
  const mechanism = sasl.mechanism.toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { mechanism, username: sasl.username, password: sasl.password };
}

/** The token now: a file is read again at each authentication (a refreshed token is picked up), a command run again. */
function readToken(sasl: { tokenFile?: string; tokenCommand?: string }): string {
  try {
    const text = sasl.tokenFile !== undefined ? readFileSync(sasl.tokenFile, 'utf8')
      : execFileSync('/bin/sh', ['-c', sasl.tokenCommand ?? ''], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 });
    const token = text.trim();
    if (!token) throw new Error('it gave an empty token');
    return token;
  } catch (error) {
    const source = sasl.tokenFile !== undefined ? `token file ${sasl.tokenFile}` : 'the token command';
    // The message of a failed command may echo its output; only its status is shown.
    const why = (error as NodeJS.ErrnoException).code ?? ((error as { status?: number }).status !== undefined ? `exit ${(error as { status?: number }).status}` : (error as Error).message);
    throw new DataStormError('DS_OAUTH_TOKEN', `cannot get an OAUTHBEARER token from ${source}: ${why}`);
  }
}
