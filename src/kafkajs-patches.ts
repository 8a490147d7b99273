import { createRequire } from 'node:module';

/**
 * Two fixes to kafkajs 2.2.4's send path, installed into the module cache before kafkajs loads (src/kafkajs.ts
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

/** kafkajs's Encoder: only what encodeRecord uses. */
interface KafkajsEncoder {
  buf: Buffer;
  readonly buffer: Buffer;
  writeVarInt(value: number): KafkajsEncoder;
  writeInt8(value: number): KafkajsEncoder;
  writeVarLong(value: number): KafkajsEncoder;
  writeVarIntBytes(value: Buffer | string | null | undefined): KafkajsEncoder;
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

function install(modulePath: string, exports: unknown): void {
  const target = require.resolve(modulePath);
  require.cache[target] = { id: target, filename: target, loaded: true, exports } as unknown as NodeJS.Module;
}

/** Puts both fixes in the module cache; a no-op once kafkajs itself has loaded (the check says which won). */
export function installKafkajsPatches(): void {
  if (require.cache[require.resolve('kafkajs')]) return;
  install('kafkajs/src/producer/groupMessagesPerPartition.js', groupMessagesPerPartition);
  install('kafkajs/src/protocol/recordBatch/record/v0/index.js', encodeRecord);
}

/** True when kafkajs's send path uses both fixes (kafkajs was loaded after this module). */
export function kafkajsPatched(): boolean {
  return require('kafkajs/src/producer/groupMessagesPerPartition.js') === groupMessagesPerPartition &&
    require('kafkajs/src/protocol/recordBatch/record/v0/index.js') === encodeRecord;
}
