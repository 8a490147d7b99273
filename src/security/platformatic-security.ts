import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from '@platformatic/kafka';
import type { ClientSecurity } from './client-security.js';
import { tlsConnectionOptions } from './tls-options.js';

/**
 * @platformatic/kafka's `tls` and `sasl` options for a client's security (none for PLAINTEXT). PLAIN and SCRAM only:
 * src/drivers/driver-support.ts refuses OAUTHBEARER for this client before any work.
 */
export function platformaticSecurity(security: ClientSecurity): { tls?: ConnectionOptions; sasl?: SASLOptions } {
  const { sasl } = security;
  if (sasl?.mechanism === 'OAUTHBEARER') throw new Error('OAUTHBEARER reached the platformatic client: driver-support.ts refuses it');
  return {
    ...(security.tls ? { tls: tlsConnectionOptions(security.tls) } : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } } : {}),
  };
}
