import { gzipSync } from 'node:zlib';
import type { PayloadSource } from '../config.js';
import { buildPayloadPool, poolSize } from '../payloads.js';

/**
 * What the records carried, for the report: codec figures mean little without knowing how compressible the
 * values were. The ratio is measured on the values worker 0 sends (its pool, seed 1), gzip at its default level.
 */
export interface PayloadInfo {
  description: string;
  /** Bytes of the pool / bytes of the pool gzipped in one piece. */
  poolGzipRatio: number;
}

export function describePayload(payload: PayloadSource): string {
  if (payload.kind === 'file') return `the values of ${payload.path}, as they are`;
  if (payload.schemaFile) return `avsc's random values of the Avro schema ${payload.schemaFile}`;
  return `the default click-event Avro values (dev.datastorm.ClickEvent: ids, timestamps, URLs, user agents, ` +
    `a country, attributes and a note of words), each sized to exactly ${payload.recordSizeBytes} B, ` +
    `${poolSize(payload.recordSizeBytes)} distinct values per worker`;
}

export function payloadInfo(payload: PayloadSource): PayloadInfo {
  const pool = Buffer.concat(buildPayloadPool(payload, 1));
  return { description: describePayload(payload), poolGzipRatio: pool.length / gzipSync(pool).length };
}
