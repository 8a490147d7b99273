import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';
import { countRecordBatches } from './counted-fetch.js';
import { eosManagerWithCoordinatorRetries } from './transaction-coordinator.js';
import {
  RECORD_BATCH_HEADER_BYTES, encodeRecords, writeRecordBatchHeader, type RecordToWrite,
} from './record-batch.js';

/**
 * Fixes to kafkajs 2.2.4's send path, put into the module cache before kafkajs loads (src/kafka/kafkajs.ts calls
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
 * Together they took one worker from 56K to 325K records/s (250 B records, acks=1, a 2-core machine: docs/produce.md, "Where the time went").
 * 4. DataStorm's produce worker writes its record batches itself, in pooled buffers with room before the
 *    records (src/produce/accumulator.ts), and sends each as one PreEncodedMessage: the batch header and the
 *    request's framing are written in place in front of it, so a 16 MB batch is never copied on its way to
 *    the socket (kafkajs copied a request about four times, growing buffers by doubling).
 * 5. A consumer that only counts (countFetchedRecordsOnly) gets each fetched record batch as one counted run
 *    (src/kafka/counted-fetch.ts) where kafkajs built an object per record.
 * 6. Each connection's request queue re-armed a timer after every check of its pending requests, also with none
 *    pending and no throttle (the delay, throttledUntil - now, is then negative: Node runs it after 1 ms), so
 *    every connection polled once a millisecond for its whole life (kafkajs issues 1556 and 1704): about 8,600
 *    timers in a 2.5 s run of one worker. scheduleCheckPendingRequests now arms one only when it has something to
 *    wait for (the end of a throttle, or requests waiting for a free in-flight slot); a push or a response checks
 *    otherwise, as before. A prototype patch, not a module: the queue's class is kafkajs's own.
 * 7. Not the send path: a transaction's commit, abort and partitions' adding are retried on a coordinator that
 *    moved or is loading, as Java's producer does (src/kafka/transaction-coordinator.ts); kafkajs lost the producer.
 */
const require = createRequire(import.meta.url);

/**
 * A record batch the caller encoded itself: `recordCount` records (offset deltas from 0) at
 * [recordsStart, recordsEnd) of `buffer`, with at least RECORD_BATCH_HEADER_BYTES (and room for the request's
 * framing, else it is copied once) free before them. The buffer must stay untouched until the send settles.
 */
export interface EncodedRecords {
  readonly buffer: Buffer;
  readonly recordsStart: number;
  readonly recordsEnd: number;
  readonly recordCount: number;
  readonly partition: number;
  /** A pre-encoded batch: its records are not in `buffer` yet, they are laid there when it is sent. */
  readonly shared?: SharedRecords;
}

/**
 * A pre-encoded batch's records (src/produce/batch-templates.ts): `length` bytes, laid into the batch's buffer when
 * it is sent, then checksummed and compressed as any batch is. `reused` (--batch-encoding pre-encoded-reused): the
 * checksum and compressed bytes of each source, start and length are made once and kept.
 */
export interface SharedRecords {
  readonly source: object;
  readonly start: number;
  readonly length: number;
  readonly reused: boolean;
  /** Writes the records at `at` of `buffer`. */
  lay(buffer: Buffer, at: number): void;
}

/** What producer.send takes to send an EncodedRecords batch: one message standing for all its records. */
export class PreEncodedMessage {
  readonly key = null;
  readonly value = null;
  readonly partition: number;

  constructor(readonly batch: EncodedRecords) {
    this.partition = batch.partition;
  }
}

/** A partition's "messages" for a pre-encoded batch: kafkajs advances idempotent sequences by `length`. */
interface PreEncodedGroup {
  readonly length: number;
  readonly preEncoded: EncodedRecords;
}

const isPreEncoded = (messages: unknown): messages is PreEncodedGroup => (messages as Partial<PreEncodedGroup>).preEncoded !== undefined;

interface GroupArgs<M> {
  topic: string;
  partitionMetadata: unknown[];
  messages: M[];
  partitioner: (args: { topic: string; partitionMetadata: unknown[]; message: M }) => number;
}

/** Fix 1: partition → its messages in send order, in one pass (fix 4: a pre-encoded batch as its own group). */
export function groupMessagesPerPartition<M>({ topic, partitionMetadata, messages, partitioner }: GroupArgs<M>): Record<number, M[] | PreEncodedGroup> {
  const groups: Record<number, M[] | PreEncodedGroup> = {};
  if (partitionMetadata.length === 0) return groups;
  const only = messages.length === 1 ? messages[0] : undefined;
  if (only instanceof PreEncodedMessage) return { [only.partition]: { length: only.batch.recordCount, preEncoded: only.batch } };
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    ((groups[partition] ??= []) as M[]).push(message);
  }
  return groups;
}

/** kafkajs's Encoder: only what the fixes use. */
interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeInt32(value: number): KafkajsEncoder;
  writeEncoder(value: KafkajsEncoder): KafkajsEncoder;
  writeString(value: string | null): KafkajsEncoder;
  writeArray(value: unknown[]): KafkajsEncoder;
  writeInt16(value: number): KafkajsEncoder;
}
const Encoder = require('kafkajs/src/protocol/encoder.js') as new (initialSize?: number) => KafkajsEncoder;
const Long = require('kafkajs/src/utils/long.js') as { fromValue(n: unknown): { value: bigint } };
const { Produce: PRODUCE_API_KEY } = require('kafkajs/src/protocol/requests/apiKeys.js') as { Produce: number };
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
};

/** Kafka's nullable string: int16 length (-1 for null), UTF-8 bytes. */
const stringSize = (text: string | null) => 2 + (text === null ? 0 : Buffer.byteLength(text));
function writeString(buf: Buffer, at: number, text: string | null): number {
  if (text === null) return buf.writeInt16BE(-1, at);
  const length = buf.write(text, at + 2, 'utf8');
  buf.writeInt16BE(length, at);
  return at + 2 + length;
}

/**
 * A request whose bytes end at `end` of `buffer` and start at `start`: more fields are written in place in
 * front of them (into a copy only if the room before `start` is too small).
 */
export class FramedPayload {
  constructor(readonly buffer: Buffer, readonly start: number, readonly end: number) {}

  /** The payload with `size` more bytes in front, which `write(buffer, at)` fills. */
  prepend(size: number, write: (buffer: Buffer, at: number) => void): FramedPayload {
    let framed: FramedPayload = this;
    if (this.start < size) {
      const copy = Buffer.allocUnsafe(size + this.end - this.start);
      this.buffer.copy(copy, size, this.start, this.end);
      framed = new FramedPayload(copy, size, copy.length);
    }
    write(framed.buffer, framed.start - size);
    return new FramedPayload(framed.buffer, framed.start - size, framed.end);
  }
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
  topicData: Array<{ topic: string; partitions: Array<{ partition: number; messages: ProduceMessage[] | PreEncodedGroup; firstSequence?: number }> }>;
}

/** kafkajs's own produce v3 request: sends these fixes do not cover, and the equivalence test. */
export const kafkajsProduceRequest = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (args: ProduceArgs) => unknown;

const hasTimestampOrHeaders = (m: ProduceMessage) => m.timestamp != null || (m.headers !== undefined && Object.keys(m.headers).length > 0);

/** The batch of one partition's records, compressed for the request's codec, each time the request is encoded. */
interface BatchFields {
  compression: number;
  transactional: boolean;
  producerId: unknown;
  producerEpoch: number;
  firstSequence: number;
}

const compress = (compression: number, records: Buffer) => lookupCodec(compression).compress({ buffer: records });
const headerOf = (f: BatchFields, recordCount: number) => ({
  recordCount, compression: f.compression, transactional: f.transactional, timestampMs: Date.now(),
  producerId: Long.fromValue(f.producerId).value, producerEpoch: f.producerEpoch, firstSequence: f.firstSequence,
});

/** A partition's entry of a request (partition, size, record batch of magic 2) in an Encoder of its exact size. */
async function encodePartitionEntry(partition: number, records: Buffer, recordCount: number, fields: BatchFields): Promise<KafkajsEncoder> {
  const payload = fields.compression === 0 ? records : await compress(fields.compression, records);
  const entry = new Encoder(0);
  entry.buf = Buffer.allocUnsafe(8 + RECORD_BATCH_HEADER_BYTES + payload.length);
  payload.copy(entry.buf, 8 + RECORD_BATCH_HEADER_BYTES);
  entry.buf.writeInt32BE(partition, 0);
  entry.buf.writeInt32BE(writeRecordBatchHeader(entry.buf, 8, payload.length, headerOf(fields, recordCount)), 4);
  entry.offset = entry.buf.length;
  return entry;
}

/** Compressed records of a batch, kept while it is in flight: a retried send does not compress again. */
const compressedBatches = new WeakMap<EncodedRecords, { compression: number; records: Buffer }>();

async function compressedRecords(batch: EncodedRecords, compression: number): Promise<Buffer> {
  const cached = compressedBatches.get(batch);
  if (cached?.compression === compression) return cached.records;
  const compressed = await compress(compression, batch.buffer.subarray(batch.recordsStart, batch.recordsEnd));
  compressedBatches.set(batch, { compression, records: compressed });
  return compressed;
}

/** A reused pre-encoded batch's records as sent with one codec: compressed (none: laid each time), and their CRC-32C. */
interface SentRecords {
  compressed?: Buffer;
  crc: number;
}
/**
 * What reused pre-encoded batches send, by codec, start and length, compressed and checksummed once: their batches
 * mostly share a few. All are dropped at once after SENT_CACHE_KEYS keys, or when the compressed ones would hold
 * more than SENT_CACHE_BYTES (per thread).
 */
const sentShared = new WeakMap<object, { compressedBytes: number; byKey: Map<string, SentRecords> }>();
const SENT_CACHE_KEYS = 1024;
const SENT_CACHE_BYTES = 64 * 1024 * 1024;

/** The reused bytes of a batch's records, laid into its buffer first when they are not kept yet (or not compressed). */
async function reusedRecords(batch: EncodedRecords, shared: SharedRecords, compression: number): Promise<SentRecords> {
  const key = `${compression}:${shared.start}:${shared.length}`;
  let cache = sentShared.get(shared.source);
  if (!cache) sentShared.set(shared.source, cache = { compressedBytes: 0, byKey: new Map() });
  let sent = cache.byKey.get(key);
  if (!sent || compression === 0) shared.lay(batch.buffer, batch.recordsStart);
  if (!sent) {
    const raw = batch.buffer.subarray(batch.recordsStart, batch.recordsStart + shared.length);
    const compressed = compression === 0 ? undefined : await compress(compression, raw);
    const compressedBytes = compressed?.length ?? 0;
    if (cache.byKey.size >= SENT_CACHE_KEYS || cache.compressedBytes + compressedBytes > SENT_CACHE_BYTES) {
      cache.byKey.clear();
      cache.compressedBytes = 0;
    }
    sent = { compressed, crc: crc32c(compressed ?? raw) >>> 0 };
    cache.byKey.set(key, sent);
    cache.compressedBytes += compressedBytes;
  }
  return sent;
}

/**
 * Compressed records laid at the batch's recordsStart: in its own buffer when they are larger than the room
 * there (an incompressible batch), or when its buffer must keep the records they came from (`keepRecords`: a
 * batch written record by record may be sent again). Returns the buffer the batch is in.
 */
function layCompressed(batch: EncodedRecords, records: Buffer, keepRecords: boolean): Buffer {
  const { buffer, recordsStart } = batch;
  if (keepRecords || recordsStart + records.length > buffer.length) {
    const own = Buffer.allocUnsafe(recordsStart + records.length);
    records.copy(own, recordsStart);
    return own;
  }
  records.copy(buffer, recordsStart);
  return buffer;
}

/**
 * Fix 4: a batch's header written in front of its records, in its buffer. A pre-encoded batch's records are laid
 * there first; compressed records are compressed from them (a reused batch's are kept: reusedRecords). Returns
 * where the batch starts and ends.
 */
async function placeRecordBatch(batch: EncodedRecords, fields: BatchFields): Promise<FramedPayload> {
  const at = batch.recordsStart - RECORD_BATCH_HEADER_BYTES;
  let buffer = batch.buffer;
  let recordsLength = batch.recordsEnd - batch.recordsStart;
  let recordsCrc: number | undefined;
  const shared = batch.shared;
  if (shared?.reused) {
    const sent = await reusedRecords(batch, shared, fields.compression);
    if (sent.compressed) {
      buffer = layCompressed(batch, sent.compressed, false);
      recordsLength = sent.compressed.length;
    }
    recordsCrc = sent.crc;
  } else {
    shared?.lay(buffer, batch.recordsStart);
    if (fields.compression !== 0) {
      // A batch written record by record keeps its records: a retry sends them again. A pre-encoded one lays them anew.
      const compressed = await compressedRecords(batch, fields.compression);
      buffer = layCompressed(batch, compressed, !shared);
      recordsLength = compressed.length;
    }
  }
  const size = writeRecordBatchHeader(buffer, at, recordsLength, headerOf(fields, batch.recordCount), recordsCrc);
  return new FramedPayload(buffer, at, at + size);
}

/** The produce request's fields before a single partition's batch: transactional id to the batch's size. */
function prependProduceFields(batch: FramedPayload, args: ProduceArgs, topic: string, partition: number): FramedPayload {
  const transactionalId = args.transactionalId ?? null;
  const size = stringSize(transactionalId) + 2 + 4 + 4 + stringSize(topic) + 4 + 4 + 4;
  return batch.prepend(size, (buf, at) => {
    at = writeString(buf, at, transactionalId);
    at = buf.writeInt16BE(args.acks, at);
    at = buf.writeInt32BE(args.timeout, at);
    at = buf.writeInt32BE(1, at); // one topic
    at = writeString(buf, at, topic);
    at = buf.writeInt32BE(1, at); // one partition
    at = buf.writeInt32BE(partition, at);
    buf.writeInt32BE(batch.end - batch.start, at);
  });
}

/** Fixes 2 and 4 (and 3 through the batch's CRC): kafkajs's produce request v3, same fields, same bytes. */
export function produceRequestV3(args: ProduceArgs): unknown {
  const all = args.topicData.flatMap((t) => t.partitions.map((p) => p.messages));
  const preEncoded = all.filter(isPreEncoded).length;
  if (preEncoded > 0 && all.length > 1) throw new Error('a pre-encoded batch must be sent alone, one partition per request');
  if (preEncoded === 0 && all.some((m) => (m as ProduceMessage[]).some(hasTimestampOrHeaders))) return kafkajsProduceRequest(args);
  const { acks, timeout, transactionalId = null, compression = 0, producerId = -1, producerEpoch = 0 } = args;
  const fieldsOf = (firstSequence: number) => ({ compression, transactional: Boolean(transactionalId), producerId, producerEpoch, firstSequence });
  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async () => {
      if (preEncoded) {
        const [{ topic, partitions: [{ partition, messages, firstSequence = 0 }] }] = args.topicData;
        const batch = await placeRecordBatch((messages as PreEncodedGroup).preEncoded, fieldsOf(firstSequence));
        return prependProduceFields(batch, args, topic, partition);
      }
      const topics = [];
      for (const { topic, partitions } of args.topicData) {
        const encoded = [];
        for (const { partition, messages, firstSequence = 0 } of partitions) {
          const list = messages as ProduceMessage[];
          encoded.push(await encodePartitionEntry(partition, encodeRecords(list), list.length, fieldsOf(firstSequence)));
        }
        topics.push(new Encoder().writeString(topic).writeArray(encoded));
      }
      return new Encoder().writeString(transactionalId).writeInt16(acks).writeInt32(timeout).writeArray(topics);
    },
  };
}

type CreateRequest = (args: { correlationId: number; clientId: string; request: { apiKey: number; apiVersion: number; encode(): Promise<unknown> } }) => Promise<unknown>;
/** kafkajs's own request framing: other requests, and the equivalence test. */
export const kafkajsCreateRequest = require('kafkajs/src/protocol/request.js') as CreateRequest;

/**
 * Fix 4: the request's size and header written in front of a FramedPayload, in place; kafkajs's connection
 * only reads `.buffer` of what this returns. Other requests are kafkajs's own.
 */
export async function createRequest(args: Parameters<CreateRequest>[0]): Promise<unknown> {
  const payload = await args.request.encode();
  if (!(payload instanceof FramedPayload)) return kafkajsCreateRequest({ ...args, request: { ...args.request, encode: async () => payload } });
  const { apiKey, apiVersion } = args.request;
  const headerBytes = 2 + 2 + 4 + stringSize(args.clientId); // api key, version, correlation id, client id
  const framed = payload.prepend(4 + headerBytes, (buf, at) => {
    at = buf.writeInt32BE(headerBytes + payload.end - payload.start, at);
    at = buf.writeInt16BE(apiKey, at);
    at = buf.writeInt16BE(apiVersion, at);
    at = buf.writeInt32BE(args.correlationId, at);
    writeString(buf, at, args.clientId);
  });
  return { buffer: framed.buffer.subarray(framed.start, framed.end) };
}

/** kafkajs's Decoder: only what fix 5 uses. */
interface KafkajsDecoder {
  offset: number;
  readInt32(): number;
  canReadBytes(length: number): boolean;
  readBytes(length: number): Buffer;
}
type DecodeMessages = (decoder: KafkajsDecoder) => Promise<unknown[]>;
/** kafkajs's decoding of a partition's fetched records (fetch v4 to v11): consumers that need every record. */
export const kafkajsDecodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as DecodeMessages;

/**
 * Whether this thread's fetches are counted rather than decoded (fix 5). A thread-wide switch: kafkajs decodes
 * a response with no word of the consumer it is for, and a consume worker's thread holds one consumer.
 */
let countingFetches = false;
export function countFetchedRecordsOnly(on: boolean): void {
  countingFetches = on;
}

/** A record batch's records decompressed with the codec of its attributes (kafkajs's codecs, and those codecs.ts adds). */
export const decompressRecords = (codec: number, compressed: Buffer) => lookupCodec(codec).decompress(compressed);

/** Fix 5: a partition's fetched record batches, counted (magic 2) or, otherwise, decoded by kafkajs. */
export async function decodeFetchedMessages(decoder: KafkajsDecoder): Promise<unknown[]> {
  if (!countingFetches) return kafkajsDecodeMessages(decoder);
  const start = decoder.offset;
  const size = decoder.readInt32();
  if (size <= 0 || !decoder.canReadBytes(size)) return [];
  const counted = await countRecordBatches(decoder.readBytes(size), decompressRecords);
  if (counted) return counted;
  decoder.offset = start;
  return kafkajsDecodeMessages(decoder);
}

const nativeCrc32c = (buffer: Buffer) => crc32c(buffer) >>> 0;

const EOS_MANAGER = 'kafkajs/src/producer/eosManager/index.js';

const PATCHES: Record<string, unknown> = {
  // kafkajs's own module, loaded here before the fixes are installed (it loads none of the modules fixed above).
  [EOS_MANAGER]: eosManagerWithCoordinatorRetries(require(EOS_MANAGER) as Parameters<typeof eosManagerWithCoordinatorRetries>[0]),
  'kafkajs/src/producer/groupMessagesPerPartition.js': groupMessagesPerPartition,
  'kafkajs/src/protocol/requests/produce/v3/request.js': produceRequestV3,
  'kafkajs/src/protocol/recordBatch/crc32C/index.js': nativeCrc32c,
  'kafkajs/src/protocol/request.js': createRequest,
  'kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js': decodeFetchedMessages,
};

/** kafkajs's RequestQueue: only what fix 6 uses. */
interface KafkajsRequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}
const REQUEST_QUEUE = 'kafkajs/src/network/requestQueue/index.js';
/** How often requests waiting for an in-flight slot are checked besides each response (kafkajs's own interval). */
const CHECK_PENDING_REQUESTS_MS = 10;

/** Fix 6: a check of the pending requests is armed only when one waits, or a throttle is to end. */
export function scheduleCheckPendingRequests(this: KafkajsRequestQueue): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  if (this.pending.length === 0 && untilUnthrottled <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, untilUnthrottled > 0 ? untilUnthrottled : CHECK_PENDING_REQUESTS_MS);
}

const requestQueuePrototype = () => (require(REQUEST_QUEUE) as { prototype: KafkajsRequestQueue }).prototype;

/** Puts the fixes in the module cache; throws once kafkajs itself has loaded (its modules would hold the unfixed path). */
export function installKafkajsPatches(): void {
  if (require.cache[require.resolve('kafkajs')]) {
    // Too late: kafkajs's modules already hold the unfixed send path. Loud, not a silently slower run.
    throw new Error('kafkajs was loaded before DataStorm\'s fixes: import kafkajs\'s values from src/kafka/kafkajs.ts only');
  }
  for (const [modulePath, exports] of Object.entries(PATCHES)) {
    const target = require.resolve(modulePath);
    require.cache[target] = { id: target, filename: target, loaded: true, exports } as unknown as NodeJS.Module;
  }
  // After the module fixes: the queue's module loads kafkajs modules of its own.
  requestQueuePrototype().scheduleCheckPendingRequests = scheduleCheckPendingRequests;
}

/** True when kafkajs's send path uses the fixes (kafkajs was loaded after installKafkajsPatches). */
export function kafkajsPatched(): boolean {
  return Object.entries(PATCHES).every(([modulePath, exports]) => require(modulePath) === exports)
    && requestQueuePrototype().scheduleCheckPendingRequests === scheduleCheckPendingRequests;
}
