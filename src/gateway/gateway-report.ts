import { formatStatusesLine } from '../http-ingest/http-report.js';
import type { GatewaySpec } from './gateway-spec.js';
import type { GatewayStats } from './gateway.js';

/** The gateway's lines: what it serves when it starts, what it did when it stops. Pure, tested to the byte. */

export function formatGatewayListening(url: string, spec: GatewaySpec): string {
  return `gateway listening on ${url}: POST /topics/{topic} (Strimzi bridge shape) and /orders/batch (to ${spec.ordersTopic}) into ` +
    `${spec.bootstrap.join(',')}, acks=all, idempotent; bodies up to ${spec.maxBodyBytes} bytes, ${spec.bufferBytes} bytes of records ` +
    `waiting for Kafka at most, linger ${spec.lingerMs} ms, batches up to ${spec.batchBytes} bytes`;
}

/** What the gateway did, printed when it stops. */
export function formatGatewayStats(stats: GatewayStats): string {
  return `gateway stopped: ${stats.requests} requests, ${stats.recordsAcknowledged} records acknowledged, ${stats.recordsFailed} not written; ` +
    `${formatStatusesLine(stats.statuses)}; at most ${stats.maxBufferedBytes} bytes waiting for Kafka`;
}
