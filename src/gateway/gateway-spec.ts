import type { ClientSecurity } from '../security/client-security.js';

/** `datastorm gateway`: the HTTP-to-Kafka service. */
export interface GatewaySpec {
  host: string;
  port: number;
  maxBodyBytes: number;
  /** Record bytes taken and not yet acknowledged by Kafka, at most: beyond it requests get 503. */
  bufferBytes: number;
  lingerMs: number;
  batchBytes: number;
  ordersTopic: string;
  bootstrap: string[];
  security: ClientSecurity;
}
