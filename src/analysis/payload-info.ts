import { gzipSync } from 'node:zlib';
import type { PayloadSource } from '../produce/run-config.js';
import { buildPayloadPool, poolSize } from '../produce/payloads.js';

/**
 * What the records carried, for the report: codec figures mean little without knowing how compressible the
 * values were. The ratio is measured on the values worker 0 sends (its pool, seed 1), gzip at its default level.
 */
export interface PayloadInfo {
  description: string;
  /** Bytes of the pool / bytes of the pool gzipped in one piece. */
  poolGzipRatio: number;
  /** True when the points send different values (a sweep of --record-size): the figures are the first point's. */
  variesByPoint?: boolean;
}

export function describePayload(payload: PayloadSource): string {
  if (payload.kind === 'file') return `the values of ${payload.path}, as they are`;
  if (payload.kind === 'monotonic') return 'the record numbers 0, 1, 2, ... as text (--payload-monotonic)';
  if (payload.schemaFile) return `avsc's random values of the Avro schema ${payload.schemaFile}`;
  return `the default click-event Avro values (dev.datastorm.ClickEvent: ids, timestamps, URLs, user agents, ` +
    `a country, attributes and a note of words), each sized to exactly ${payload.recordSizeBytes} B, ` +
    `${poolSize(payload.recordSizeBytes)} distinct values per worker`;
}

/** The values of the points' payloads (encoding aside): described and measured for the first. */
export function payloadInfo(payloads: PayloadSource[]): PayloadInfo {
  const [first] = payloads;
  const pool = Buffer.concat(buildPayloadPool(first, 1));
  const valuesOf = (payload: PayloadSource) => JSON.stringify({ ...payload, serializeOnSend: undefined });
  const variesByPoint = payloads.some((payload) => valuesOf(payload) !== valuesOf(first));
  return { description: describePayload(first), poolGzipRatio: pool.length / gzipSync(pool).length, ...(variesByPoint ? { variesByPoint } : {}) };
}
