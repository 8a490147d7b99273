import {
  ATTRIBUTES_AT, BATCH_LENGTH_AT, BATCH_LENGTH_EXCLUDES, LAST_OFFSET_DELTA_AT, MAGIC_AT, RECORD_BATCH_HEADER_BYTES, RECORD_COUNT_AT,
} from './record-batch.js';

/**
 * Reads Kafka's record batches (magic 2) only as far as counting needs: offsets from the batch header, and the
 * key and value lengths from each record's varints, without an object per record. Kafka's layout:
 * baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8, crc int32, attributes int16,
 * lastOffsetDelta int32, baseTimestamp int64, maxTimestamp int64, producerId int64, producerEpoch int16,
 * baseSequence int32, recordCount int32, then the records (compressed as a whole when the codec says so);
 * a record is length varint, attributes int8, timestampDelta varlong, offsetDelta varint, keyLength varint,
 * key, valueLength varint, value, headers.
 */

const CODEC_MASK = 0x07;
const CONTROL_BATCH_MASK = 0x20;

export interface RecordBatchHeader {
  baseOffset: number;
  /** Bytes of the whole batch, header included. */
  size: number;
  magic: number;
  /** Kafka's codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  codec: number;
  /** A transaction marker: its one record is not a record of the topic's. */
  isControlBatch: boolean;
  lastOffsetDelta: number;
  recordCount: number;
}

/** Whether fetched bytes are record batches (magic 2), as their first entry says; else a legacy message set. */
export function areRecordBatches(buffer: Buffer): boolean {
  return buffer.length <= MAGIC_AT || buffer.readInt8(MAGIC_AT) === 2;
}

/** The header of the batch at `at`, or undefined when the batch is cut short (a fetch's last batch may be). */
export function readBatchHeader(buffer: Buffer, at: number): RecordBatchHeader | undefined {
  if (at + RECORD_BATCH_HEADER_BYTES > buffer.length) return undefined;
  const size = buffer.readInt32BE(at + BATCH_LENGTH_AT) + BATCH_LENGTH_EXCLUDES;
  if (at + size > buffer.length) return undefined;
  const attributes = buffer.readInt16BE(at + ATTRIBUTES_AT);
  return {
    baseOffset: Number(buffer.readBigInt64BE(at)),
    size,
    magic: buffer.readInt8(at + MAGIC_AT),
    codec: attributes & CODEC_MASK,
    isControlBatch: (attributes & CONTROL_BATCH_MASK) !== 0,
    lastOffsetDelta: buffer.readInt32BE(at + LAST_OFFSET_DELTA_AT),
    recordCount: buffer.readInt32BE(at + RECORD_COUNT_AT),
  };
}

/** Where the varint read last ended; module state, so that reading one allocates nothing. */
let varintEnd = 0;

/** The zigzag varint at `at` (fits 32 bits: lengths and deltas); sets varintEnd. */
function readVarint(buffer: Buffer, at: number): number {
  let value = 0;
  let shift = 0;
  let byte: number;
  do {
    byte = buffer[at++];
    value |= (byte & 0x7f) << shift;
    shift += 7;
  } while (byte & 0x80);
  varintEnd = at;
  return (value >>> 1) ^ -(value & 1);
}

/** Past the varint at `at`, whatever its width (a timestamp delta may not fit 32 bits). */
function skipVarint(buffer: Buffer, at: number): number {
  while (buffer[at++] & 0x80);
  return at;
}

/** The offset delta of the record whose body (after its length) starts at `bodyAt`; sets varintEnd past it. */
function offsetDeltaAt(records: Buffer, bodyAt: number): number {
  return readVarint(records, skipVarint(records, bodyAt + 1)); // past attributes and timestampDelta
}

/** What walking the records from..to of a batch's (uncompressed) records found. */
export interface RecordsWalk {
  /** Key + value bytes, as Kafka's consumer-perf-test counts them (a null key or value: 0). */
  payloadBytes: number;
  /** Each record's offset delta is its index: no record of the batch was compacted away. */
  consecutive: boolean;
}

/** Walks the records with index from..to-1 of `records` (records of a batch, uncompressed). */
export function walkRecords(records: Buffer, from: number, to: number): RecordsWalk {
  let at = 0;
  let payloadBytes = 0;
  let consecutive = true;
  for (let i = 0; i < to; i += 1) {
    const length = readVarint(records, at);
    const next = varintEnd + length;
    if (i >= from) {
      if (offsetDeltaAt(records, varintEnd) !== i) consecutive = false;
      const keyLength = readVarint(records, varintEnd);
      const valueLength = readVarint(records, varintEnd + Math.max(keyLength, 0));
      payloadBytes += Math.max(keyLength, 0) + Math.max(valueLength, 0);
    }
    at = next;
  }
  return { payloadBytes, consecutive };
}

/** The offset delta of each record of `records` (a compacted batch's offsets). */
export function offsetDeltas(records: Buffer, count: number): number[] {
  const deltas: number[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    const length = readVarint(records, at);
    const next = varintEnd + length;
    deltas.push(offsetDeltaAt(records, varintEnd));
    at = next;
  }
  return deltas;
}

/** The records of the batch at `at` with that header, decompressed when its codec says so. */
export async function batchRecords(buffer: Buffer, at: number, header: RecordBatchHeader,
  decompress: (codec: number, compressed: Buffer) => Promise<Buffer>): Promise<Buffer> {
  const records = buffer.subarray(at + RECORD_BATCH_HEADER_BYTES, at + header.size);
  return header.codec === 0 ? records : decompress(header.codec, records);
}
