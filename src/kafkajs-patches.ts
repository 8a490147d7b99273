import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';

/**
 * Fixes to kafkajs 2.2.4's send path, installed into the module cache before kafkajs loads (src/kafkajs.ts
 * calls installKafkajsPatches, then requires kafkajs). Both give the same bytes as kafkajs
 * (test/unit/kafkajs-patches.test.ts).
 *
 * 1. kafkajs groups a send's messages by partition with `[...current, message]`, copying the partition's array for
 * every message: O(n²) in the batch size. A 2,000-record batch copies 2 million references, and a profile of one
 * worker showed it (and the garbage it leaves) as the largest cost of a send. This groups in one pass with the
 * same result: partition → messages in send order.
 */
interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[]> {
  const groups: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return groups;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (groups[partition] ??= []).push(message);
  }
  return groups;
}

const require = createRequire(import.meta.url);

/** kafkajs's Encoder: only what the fixes use. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeVarInt(value: number): KafkajsEncoder;
  writeInt8(value: number): KafkajsEncoder;
  writeInt16(value: number): KafkajsEncoder;
  writeInt32(value: number): KafkajsEncoder;
  writeUInt32(value: number): KafkajsEncoder;
  writeInt64(value: unknown): KafkajsEncoder;
  writeVarLong(value: number): KafkajsEncoder;
  writeVarIntBytes(value: Buffer | string | null | undefined): KafkajsEncoder;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  writeString(value: string | null): KafkajsEncoder;
  writeArray(value: unknown[]): KafkajsEncoder;
}
interface EncoderClass {
  new (initialSize?: number): KafkajsEncoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number): number;
  sizeOfVarIntBytes(value: Buffer | string | null | undefined): number;
}
interface RecordArgs {
  offsetDelta?: number;
  timestampDelta?: number;
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
}

const Encoder = require('kafkajs/src/protocol/encoder.js') as EncoderClass;
/** kafkajs's own record encoder: records with headers, and the equivalence test. */
export const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (args: RecordArgs) => KafkajsEncoder;

/**
 * 2. kafkajs encodes each record into a fresh zero-filled 512-byte Buffer (Buffer.alloc), however small the
 * record: allocation and GC were the next largest cost. A record without headers is encoded here into a buffer
 * of its exact size taken from Node's pool; records with headers go to kafkajs's own encoder.
 */
export function encodeRecord(args: RecordArgs): KafkajsEncoder {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers } = args;
  if (headers && Object.keys(headers).length > 0) return kafkajsRecord(args);
  const sizeOfBody = 1 + Encoder.sizeOfVarLong(timestampDelta) + Encoder.sizeOfVarInt(offsetDelta) +
    Encoder.sizeOfVarIntBytes(key) + Encoder.sizeOfVarIntBytes(value) + Encoder.sizeOfVarInt(0);
  const encoder = new Encoder(0);
  encoder.buf = Buffer.allocUnsafe(Encoder.sizeOfVarInt(sizeOfBody) + sizeOfBody);
  // Attributes 0, then the record's fields; the last varint is the (empty) headers array.
  return encoder.writeVarInt(sizeOfBody).writeInt8(0).writeVarLong(timestampDelta).writeVarInt(offsetDelta)
    .writeVarIntBytes(key).writeVarIntBytes(value).writeVarInt(0);
}

/** An Encoder over a buffer of exactly `size` bytes from Node's pool (kafkajs's own starts zero-filled and grows). */
function exactEncoder(size: number): KafkajsEncoder {
  const encoder = new Encoder(0);
  encoder.buf = Buffer.allocUnsafe(size);
  return encoder;
}

function appendEncoders(target: KafkajsEncoder, encoders: KafkajsEncoder[]): void {
  for (const encoder of encoders) {
    encoder.buf.copy(target.buf, target.offset, 0, encoder.offset);
    target.offset += encoder.offset;
  }
}

interface RecordBatchArgs {
  compression?: number;
  firstOffset?: unknown;
  firstTimestamp?: number;
  maxTimestamp?: number;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: unknown;
  producerEpoch?: number;
  firstSequence?: number;
  records?: KafkajsEncoder[];
}

const kafkajsRecordBatchModule = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: RecordBatchArgs) => Promise<KafkajsEncoder>;
  MAGIC_BYTE: number;
};
/** kafkajs's own record-batch encoder, for the equivalence test. */
export const kafkajsRecordBatch = kafkajsRecordBatchModule.RecordBatch;
const Long = require('kafkajs/src/utils/long.js') as { fromInt(n: number): unknown; fromValue(n: number): unknown };
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): { compress(encoder: KafkajsEncoder): Promise<Buffer> };
};
const COMPRESSION_CODEC_MASK = 0x07;
const TRANSACTIONAL_MASK = 16;
/** attributes, lastOffsetDelta, firstTimestamp, maxTimestamp, producerId, producerEpoch, firstSequence, record count */
const BATCH_BODY_HEADER_BYTES = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/**
 * 3. kafkajs builds a record batch by growing zero-filled buffers from 512 bytes (a copy at every doubling),
 * then copies it twice more, and computes its CRC32C in JavaScript (~3 ms per 600 KB). This writes the batch
 * once into a buffer of its exact size and takes the CRC32C from @node-rs/crc32 (native, ~100x faster).
 */
export async function encodeRecordBatch(args: RecordBatchArgs): Promise<KafkajsEncoder> {
  const {
    compression = 0, firstOffset = Long.fromInt(0), firstTimestamp = Date.now(), maxTimestamp = Date.now(),
    partitionLeaderEpoch = 0, lastOffsetDelta = 0, transactional = false, producerId = Long.fromValue(-1),
    producerEpoch = 0, firstSequence = 0, records = [],
  } = args;
  const codec = compression & COMPRESSION_CODEC_MASK;
  const recordsBytes = records.reduce((sum, record) => sum + record.offset, 0);
  let compressed: Buffer | undefined;
  if (codec !== 0) {
    const plain = exactEncoder(recordsBytes);
    appendEncoders(plain, records);
    compressed = await lookupCodec(codec).compress(plain);
  }
  const bodyBytes = BATCH_BODY_HEADER_BYTES + (compressed ? compressed.length : recordsBytes);
  const batchBytes = 4 + 1 + 4 + bodyBytes; // partitionLeaderEpoch, magic, crc, body
  const out = exactEncoder(8 + 4 + batchBytes);
  out.writeInt64(firstOffset).writeInt32(batchBytes).writeInt32(partitionLeaderEpoch).writeInt8(kafkajsRecordBatchModule.MAGIC_BYTE);
  const crcAt = out.offset;
  out.writeUInt32(0);
  const bodyAt = out.offset;
  out.writeInt16(codec | (transactional ? TRANSACTIONAL_MASK : 0)).writeInt32(lastOffsetDelta).writeInt64(firstTimestamp)
    .writeInt64(maxTimestamp).writeInt64(producerId).writeInt16(producerEpoch).writeInt32(firstSequence).writeInt32(records.length);
  if (compressed) {
    compressed.copy(out.buf, out.offset);
    out.offset += compressed.length;
  } else {
    appendEncoders(out, records);
  }
  out.buf.writeUInt32BE(crc32c(out.buf.subarray(bodyAt, out.offset)) >>> 0, crcAt);
  return out;
}

interface ProduceMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, unknown>;
  timestamp?: number | string;
}
interface PartitionData {
  partition: number;
  messages: ProduceMessage[];
  firstSequence?: number;
}
interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: PartitionData[] }>;
}

const { Produce: PRODUCE_API_KEY } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
const kafkajsProduceRequestV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceArgs) => unknown;

/** One partition's record batch, as kafkajs's produce v3 request writes it. */
async function encodePartition(data: PartitionData, compression: number, args: ProduceArgs): Promise<KafkajsEncoder> {
  const { messages } = data;
  const records = new Array<KafkajsEncoder>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const { key, value, headers } = messages[i];
    records[i] = encodeRecord({ key, value, headers, offsetDelta: i, timestampDelta: 0 });
  }
  const now = Date.now();
  const batch = await encodeRecordBatch({
    compression, records, firstTimestamp: now, maxTimestamp: now, producerId: args.producerId, producerEpoch: args.producerEpoch,
    firstSequence: data.firstSequence, transactional: Boolean(args.transactionalId), lastOffsetDelta: records.length - 1,
  });
  return new Encoder().writeInt32(data.partition).writeInt32(batch.offset).writeEncoder(batch);
}

/**
 * 4. kafkajs's produce request (v3, which v4-v7 reuse) copies every message into a new object to add its
 * offset delta, then sorts the timestamps: the largest cost left in a worker's profile. Messages without a
 * timestamp (all of DataStorm's) are encoded here in one loop, with the same bytes; a send that carries any
 * timestamp goes to kafkajs's own request.
 */
export function produceRequestV3(args: ProduceArgs): unknown {
  const timestamped = args.topicData.some((topic) => topic.partitions.some((p) => p.messages.some((m) => m.timestamp != null)));
  if (timestamped) return kafkajsProduceRequestV3(args);
  const { acks, timeout, transactionalId = null, compression = 0 } = args;
  const withDefaults = { ...args, producerId: args.producerId ?? Long.fromInt(-1), producerEpoch: args.producerEpoch ?? 0 };
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async () => {
      const topics = [];
      for (const { topic, partitions } of args.topicData) {
        const encoded = [];
        for (const data of partitions) encoded.push(await encodePartition(data, compression, withDefaults));
        topics.push(new Encoder().writeString(topic).writeArray(encoded));
      }
      return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
    },
  };
}
/** kafkajs's own produce v3 request, for the equivalence test. */
export const kafkajsProduceRequest = kafkajsProduceRequestV3;

function install(modulePath: string, exports: unknown): void {
  const target = require.resolve(modulePath);
  require.cache[target] = { id: target, filename: target, loaded: true, exports } as unknown as NodeJS.Module;
}

/** Puts both fixes in the module cache; a no-op once kafkajs itself has loaded (the check says which won). */
export function installKafkajsPatches(): void {
  if (require.cache[require.resolve('kafkajs')]) return;
  install('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);
  install('kafkajs/src/protocol/recordBatch/record/v0/index.js', encodeRecord);
  install('kafkajs/src/protocol/recordBatch/v0/index.js', { ...kafkajsRecordBatchModule, RecordBatch: encodeRecordBatch });
  // The consumer checks batches with the same function: native there too.
  install('kafkajs/src/protocol/requests/produce/v3/request.js', produceRequestV3);
  install('kafkajs/src/protocol/recordBatch/crc32C/index.js', (buffer: Buffer) => crc32c(buffer) >>> 0);
}

/** True when kafkajs's send path uses both fixes (kafkajs was loaded after this module). */
export function kafkajsPatched(): boolean {
  return require('kafkajs/src/producer/groupMessagesPerPartition.js') === groupMessagesPerPartition &&
    require('kafkajs/src/protocol/recordBatch/record/v0/index.js') === encodeRecord &&
    (require('kafkajs/src/protocol/recordBatch/v0/index.js') as typeof kafkajsRecordBatchModule).RecordBatch === encodeRecordBatch &&
    require('kafkajs/src/protocol/requests/produce/v3/request.js') === produceRequestV3;
}
