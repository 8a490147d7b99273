import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';

/**
 * Fixes to kafkajs 2.2.4's send path, put into the module cache before kafkajs loads (src/kafkajs.ts calls
 * installKafkajsPatches, then requires kafkajs). Each gives the same bytes as kafkajs
 * (test/unit/kafkajs-patches.test.ts). Profiles of one worker, in the order they were found:
 *
 * 1. Grouping a send's messages by partition copied the partition's array for every message
 *    (`[...current, message]`): quadratic in the batch size, the largest cost of a send.
 * 2. The produce request (v3, which v4-v7 reuse) copied every message into a new object, encoded each record
 *    into a fresh zero-filled 512-byte buffer and each varint through a temporary array, then grew the batch
 *    from 512 bytes (a copy at every doubling) and copied it twice more. Here the records of a partition are
 *    written once, straight into one buffer of their exact size, and the batch around them once more.
 * 3. CRC32C was computed in JavaScript (~3 ms per 600 KB): @node-rs/crc32 computes it natively (~100x faster);
 *    the consumer's batch checks use it too.
 * Together they took one worker from 56K to 325K records/s (250 B records, acks=1, a 2-core machine: README).
 */
const require = createRequire(import.meta.url);

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

/** Fix 1: partition → its messages in send order, in one pass. */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[]> {
  const groups: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return groups;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (groups[partition] ??= []).push(message);
  }
  return groups;
}

/** kafkajs's Encoder: only what the fixes use. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeInt8(value: number): KafkajsEncoder;
  writeInt16(value: number): KafkajsEncoder;
  writeInt32(value: number): KafkajsEncoder;
  writeUInt32(value: number): KafkajsEncoder;
  writeInt64(value: unknown): KafkajsEncoder;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  writeString(value: string | null): KafkajsEncoder;
  writeArray(value: unknown[]): KafkajsEncoder;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown };
const { Produce: PRODUCE_API_KEY } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
const { MAGIC_BYTE } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { MAGIC_BYTE: number };
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): { compress(encoder: { buffer: Buffer }): Promise<Buffer> };
};

type Bytes = Buffer | string | null | undefined;

/** Kafka's signed varints are zigzag-encoded; this works for any safe integer. */
const zigzag = (n: number) => (n >= 0 ? n * 2 : -n * 2 - 1);

function varintSize(n: number): number {
  let size = 1;
  for (let u = zigzag(n); u >= 128; u = Math.floor(u / 128)) size++;
  return size;
}

function writeVarint(buf: Buffer, offset: number, n: number): number {
  let u = zigzag(n);
  for (; u >= 128; u = Math.floor(u / 128)) buf[offset++] = (u % 128) | 128;
  buf[offset++] = u;
  return offset;
}

const byteLength = (bytes: Bytes) => (bytes == null ? -1 : Buffer.byteLength(bytes));

function writeBytes(buf: Buffer, offset: number, bytes: Bytes, length: number): number {
  offset = writeVarint(buf, offset, length);
  if (bytes == null) return offset;
  return offset + (typeof bytes === 'string' ? buf.write(bytes, offset, 'utf8') : bytes.copy(buf, offset));
}

/** The size of a record's body: attributes, timestamp delta 0, offset delta, key, value, no headers. */
function recordBodySize(offsetDelta: number, keyLength: number, valueLength: number): number {
  return 1 + 1 + varintSize(offsetDelta) + varintSize(keyLength) + Math.max(keyLength, 0) +
    varintSize(valueLength) + Math.max(valueLength, 0) + 1;
}

export interface RecordToWrite {
  key?: Bytes;
  value?: Bytes;
}

/** Kafka's record v2 encoding of records without timestamps or headers, offset deltas 0..n-1, in one buffer. */
export function encodeRecords(messages: RecordToWrite[]): Buffer {
  const keyLengths = new Int32Array(messages.length);
  const valueLengths = new Int32Array(messages.length);
  let total = 0;
  for (let i = 0; i < messages.length; i++) {
    keyLengths[i] = byteLength(messages[i].key);
    valueLengths[i] = byteLength(messages[i].value);
    const body = recordBodySize(i, keyLengths[i], valueLengths[i]);
    total += varintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let offset = 0;
  for (let i = 0; i < messages.length; i++) {
    offset = writeVarint(buf, offset, recordBodySize(i, keyLengths[i], valueLengths[i]));
    buf[offset++] = 0; // attributes
    buf[offset++] = 0; // timestamp delta: every record carries the batch's timestamp
    offset = writeVarint(buf, offset, i);
    offset = writeBytes(buf, offset, messages[i].key, keyLengths[i]);
    offset = writeBytes(buf, offset, messages[i].value, valueLengths[i]);
    buf[offset++] = 0; // no headers
  }
  return buf;
}

/** An Encoder over a buffer of exactly `size` bytes from Node's pool. */
function exactEncoder(size: number): KafkajsEncoder {
  const encoder = new Encoder(0);
  encoder.buf = Buffer.allocUnsafe(size);
  return encoder;
}

/** attributes, lastOffsetDelta, firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, record count */
const BATCH_BODY_HEADER_BYTES = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const TRANSACTIONAL_MASK = 16;

interface BatchArgs {
  records: Buffer;
  recordCount: number;
  compression: number;
  timestamp: number;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
  transactional: boolean;
}

/** A record batch (magic 2) around encoded records: offset 0, length, epoch, magic, CRC32C, body. */
async function encodeRecordBatch(args: BatchArgs): Promise<KafkajsEncoder> {
  const payload = args.compression === 0 ? args.records : await lookupCodec(args.compression).compress({ buffer: args.records });
  const batchBytes = 4 + 1 + 4 + BATCH_BODY_HEADER_BYTES + payload.length; // partitionLeaderEpoch, magic, crc, body
  const out = exactEncoder(8 + 4 + batchBytes);
  out.writeInt64(0).writeInt32(batchBytes).writeInt32(0).writeInt8(MAGIC_BYTE);
  const crcAt = out.offset;
  out.writeUInt32(0);
  const bodyAt = out.offset;
  out.writeInt16(args.compression | (args.transactional ? TRANSACTIONAL_MASK : 0)).writeInt32(args.recordCount - 1)
    .writeInt64(args.timestamp).writeInt64(args.timestamp).writeInt64(args.producerId).writeInt16(args.producerEpoch)
    .writeInt32(args.firstSequence).writeInt32(args.recordCount);
  out.offset += payload.copy(out.buf, out.offset);
  out.buf.writeUInt32BE(crc32c(out.buf.subarray(bodyAt, out.offset)) >>> 0, crcAt);
  return out;
}

interface ProduceMessage extends RecordToWrite {
  headers?: Record<string, unknown>;
  timestamp?: number | string;
}
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: ProduceMessage[]; firstSequence?: number }> }>;
}

/** kafkajs's own produce v3 request: sends this fix does not cover, and the equivalence test. */
export const kafkajsProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceArgs) => unknown;

const hasTimestampOrHeaders = (m: ProduceMessage) => m.timestamp != null || (m.headers !== undefined && Object.keys(m.headers).length > 0);

/** Fix 2 (and 3 through the batch's CRC): kafkajs's produce request v3, same fields, same bytes. */
export function produceRequestV3(args: ProduceArgs): unknown {
  if (args.topicData.some((t) => t.partitions.some((p) => p.messages.some(hasTimestampOrHeaders)))) return kafkajsProduceRequest(args);
  const { acks, timeout, transactionalId = null, compression = 0, producerId = Long.fromInt(-1), producerEpoch = 0 } = args;
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async () => {
      const topics = [];
      for (const { topic, partitions } of args.topicData) {
        const encoded = [];
        for (const { partition, messages, firstSequence = 0 } of partitions) {
          const batch = await encodeRecordBatch({
            records: encodeRecords(messages), recordCount: messages.length, compression, timestamp: Date.now(),
            producerId, producerEpoch, firstSequence, transactional: Boolean(transactionalId),
          });
          encoded.push(new Encoder().writeInt32(partition).writeInt32(batch.offset).writeEncoder(batch));
        }
        topics.push(new Encoder().writeString(topic).writeArray(encoded));
      }
      return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
    },
  };
}

const nativeCrc32c = (buffer: Buffer) => crc32c(buffer) >>> 0;

const PATCHES: Record<string, unknown> = {
  'kafkajs/src/producer/groupMessagesPerPartition.js': groupMessagesPerPartition,
  'kafkajs/src/protocol/requests/produce/v3/request.js': produceRequestV3,
  'kafkajs/src/protocol/recordBatch/crc32C/index.js': nativeCrc32c,
};

/** Puts the fixes in the module cache; a no-op once kafkajs itself has loaded (kafkajsPatched says which won). */
export function installKafkajsPatches(): void {
  if (require.cache[require.resolve('kafkajs')]) return;
  for (const [modulePath, exports] of Object.entries(PATCHES)) {
    const target = require.resolve(modulePath);
    require.cache[target] = { id: target, filename: target, loaded: true, exports } as unknown as NodeJS.Module;
  }
}

/** True when kafkajs's send path uses the fixes (kafkajs was loaded after installKafkajsPatches). */
export function kafkajsPatched(): boolean {
  return Object.entries(PATCHES).every(([modulePath, exports]) => require(modulePath) === exports);
}
