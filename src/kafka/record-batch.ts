import { crc32c } from '@node-rs/crc32';
import { combineCrc32c } from './crc32c-combine.js';

/**
 * Kafka's record batch format (magic 2), written by hand: the varints and records of the v2 format, and the
 * batch header around them. The producer's accumulator writes records straight into a pooled buffer with
 * these, so a batch is encoded once, where it will be sent from.
 */

type Bytes = Buffer | string | null | undefined;

/** Kafka's signed varints are zigzag-encoded; this works for any safe integer. */
const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

export function varintSize(n: number): number {
  let size = 1;
  for (let u = zigzag(n); u >= 128; u = Math.floor(u / 128)) size++;
  return size;
}

export function writeVarint(buf: Buffer, offset: number, n: number): number {
  let u = zigzag(n);
  for (; u >= 128; u = Math.floor(u / 128)) buf[offset++] = (u % 128) | 128;
  buf[offset++] = u;
  return offset;
}

/** -1 for a null key or value, as the format writes it. */
export const byteLength = (bytes: Bytes) => (bytes == null ? -1 : Buffer.byteLength(bytes));

function writeBytes(buf: Buffer, offset: number, bytes: Bytes, length: number): number {
  offset = writeVarint(buf, offset, length);
  if (bytes == null) return offset;
  if (typeof bytes === 'string') return offset + buf.write(bytes, offset, 'utf8');
  buf.set(bytes, offset); // TypedArray#set: Buffer#copy's argument checks cost more than a 250 B copy
  return offset + length;
}

/** A record's headers block with no header: its count, 0. */
export const NO_HEADERS: Buffer = Buffer.from([0]);

export interface RecordHeader {
  key: string;
  value: string;
}

/** Headers as a record carries them: their count, then each key and value with its length (varints). */
export function encodeHeaders(headers: RecordHeader[]): Buffer {
  const parts = headers.map(({ key, value }) => [Buffer.from(key), Buffer.from(value)]);
  const size = varintSize(headers.length) + parts.reduce((sum, [k, v]) => sum + varintSize(k.length) + k.length + varintSize(v.length) + v.length, 0);
  const buf = Buffer.alloc(size);
  let offset = writeVarint(buf, 0, headers.length);
  for (const [k, v] of parts) {
    offset = writeBytes(buf, offset, k, k.length);
    offset = writeBytes(buf, offset, v, v.length);
  }
  return buf;
}

/** The size of a record's body: attributes, timestamp delta 0, offset delta, key, value, headers block. */
export function recordBodySize(offsetDelta: number, keyLength: number, valueLength: number, headersLength: number): number {
  return 1 + 1 + varintSize(offsetDelta) + varintSize(keyLength) + Math.max(keyLength, 0) +
    varintSize(valueLength) + Math.max(valueLength, 0) + headersLength;
}

/** Bytes a record takes in a batch, its length varint included; `headersLength`: its headers block's (encodeHeaders). */
export function recordSize(offsetDelta: number, keyLength: number, valueLength: number, headersLength = NO_HEADERS.length): number {
  const body = recordBodySize(offsetDelta, keyLength, valueLength, headersLength);
  return varintSize(body) + body;
}

/**
 * Writes one record (no timestamp delta: every record carries the batch's timestamp) with its headers block
 * (encodeHeaders; the same for every record of a run) at `offset` and returns the offset after it.
 */
export function writeRecord(
  buf: Buffer, offset: number, offsetDelta: number, key: Bytes, keyLength: number, value: Bytes, valueLength: number, headers = NO_HEADERS,
): number {
  offset = writeVarint(buf, offset, recordBodySize(offsetDelta, keyLength, valueLength, headers.length));
  buf[offset++] = 0; // attributes
  buf[offset++] = 0; // timestamp delta
  offset = writeVarint(buf, offset, offsetDelta);
  offset = writeBytes(buf, offset, key, keyLength);
  offset = writeBytes(buf, offset, value, valueLength);
  if (headers.length === 1) { // no headers, the usual case: one byte, without a set() call per record
    buf[offset++] = headers[0];
    return offset;
  }
  buf.set(headers, offset);
  return offset + headers.length;
}

/**
 * baseOffset 8, batchLength 4, partitionLeaderEpoch 4, magic 1, crc 4, attributes 2, lastOffsetDelta 4,
 * baseTimestamp 8, maxTimestamp 8, producerId 8, producerEpoch 2, baseSequence 4, record count 4.
 */
export const RECORD_BATCH_HEADER_BYTES = 61;
const MAGIC = 2;
const TRANSACTIONAL_MASK = 16;
/** The CRC covers the batch from its attributes on. */
const CRC_AT = 17;
export const ATTRIBUTES_AT = 21;
/** Where a batch's other header fields are, from its start: the one layout the producer writes and the consumer reads. */
export const BATCH_LENGTH_AT = 8;
/** batchLength counts the bytes after it. */
export const BATCH_LENGTH_EXCLUDES = 12;
const PARTITION_LEADER_EPOCH_AT = 12;
export const MAGIC_AT = 16;
export const LAST_OFFSET_DELTA_AT = 23;
const BASE_TIMESTAMP_AT = 27;
const MAX_TIMESTAMP_AT = 35;
const PRODUCER_ID_AT = 43;
const PRODUCER_EPOCH_AT = 51;
const BASE_SEQUENCE_AT = 53;
export const RECORD_COUNT_AT = 57;

export interface RecordBatchHeader {
  recordCount: number;
  /** Kafka's codec id (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression: number;
  transactional: boolean;
  timestampMs: number;
  producerId: bigint;
  producerEpoch: number;
  firstSequence: number;
}

/**
 * Writes a batch's header at `at`, before its records (already at `at + RECORD_BATCH_HEADER_BYTES`, `recordsLength`
 * bytes, compressed or not), then its CRC32C over everything from the attributes on: over the header's fields and
 * `recordsCrc` (the records' own CRC32C) when given, else over every byte. Returns the batch's size.
 */
export function writeRecordBatchHeader(buf: Buffer, at: number, recordsLength: number, header: RecordBatchHeader, recordsCrc?: number): number {
  const size = RECORD_BATCH_HEADER_BYTES + recordsLength;
  buf.writeBigInt64BE(0n, at); // base offset: the broker assigns offsets
  buf.writeInt32BE(size - BATCH_LENGTH_EXCLUDES, at + BATCH_LENGTH_AT);
  buf.writeInt32BE(0, at + PARTITION_LEADER_EPOCH_AT);
  buf.writeInt8(MAGIC, at + MAGIC_AT);
  buf.writeInt16BE(header.compression | (header.transactional ? TRANSACTIONAL_MASK : 0), at + ATTRIBUTES_AT);
  buf.writeInt32BE(header.recordCount - 1, at + LAST_OFFSET_DELTA_AT);
  buf.writeBigInt64BE(BigInt(header.timestampMs), at + BASE_TIMESTAMP_AT);
  buf.writeBigInt64BE(BigInt(header.timestampMs), at + MAX_TIMESTAMP_AT);
  buf.writeBigInt64BE(header.producerId, at + PRODUCER_ID_AT);
  buf.writeInt16BE(header.producerEpoch, at + PRODUCER_EPOCH_AT);
  buf.writeInt32BE(header.firstSequence, at + BASE_SEQUENCE_AT);
  buf.writeInt32BE(header.recordCount, at + RECORD_COUNT_AT);
  const crc = recordsCrc === undefined ? crc32c(buf.subarray(at + ATTRIBUTES_AT, at + size))
    : combineCrc32c(crc32c(buf.subarray(at + ATTRIBUTES_AT, at + RECORD_BATCH_HEADER_BYTES)), recordsCrc, recordsLength);
  buf.writeUInt32BE(crc >>> 0, at + CRC_AT);
  return size;
}

export interface RecordToWrite {
  key?: Bytes;
  value?: Bytes;
}

/** Records with offset deltas 0..n-1, each with the `headers` block (encodeHeaders), encoded into one buffer of their exact size. */
export function encodeRecords(messages: RecordToWrite[], headers = NO_HEADERS): Buffer {
  const keyLengths = new Int32Array(messages.length);
  const valueLengths = new Int32Array(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    keyLengths[i] = byteLength(messages[i].key);
    valueLengths[i] = byteLength(messages[i].value);
    total += recordSize(i, keyLengths[i], valueLengths[i], headers.length);
  }
  const buf = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < messages.length; i++) {
    offset = writeRecord(buf, offset, i, messages[i].key, keyLengths[i], messages[i].value, valueLengths[i], headers);
  }
  return buf;
}
