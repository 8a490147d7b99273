import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { registerCodecs } from '../../src/kafka/codecs.js';
import kafkajs from '../../src/kafka/kafkajs.js';
import {
  PreEncodedMessage, createRequest, groupMessagesPerPartition, kafkajsCreateRequest, kafkajsPatched, kafkajsProduceRequest, produceRequestV3,
  scheduleCheckPendingRequests,
} from '../../src/kafka/kafkajs-patches.js';
import { RecordAccumulator } from '../../src/produce/accumulator.js';
import { BatchBufferPool } from '../../src/produce/batch-buffers.js';
import { BatchTemplates, PreEncodedRecords } from '../../src/produce/batch-templates.js';
import { encodeHeaders, encodeRecords, recordSize, writeRecord } from '../../src/kafka/record-batch.js';
import { prng } from '../../src/produce/payloads.js';

const require = createRequire(import.meta.url);
/** kafkajs's own record encoder (not replaced: the fixed request no longer calls it). */
const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as
  (args: { key?: unknown; value?: unknown; offsetDelta: number; timestampDelta: number; headers?: Record<string, unknown> }) => { buffer: Buffer };

type Request = { apiKey: number; apiVersion: number; apiName: string; expectResponse(): boolean; encode(): Promise<{ buffer: Buffer }> };

describe('the fixes to kafkajs\'s send path', () => {
  it('are what kafkajs loaded through src/kafka/kafkajs.ts uses', () => {
    expect(kafkajs.Kafka).toBeTypeOf('function');
    expect(kafkajsPatched()).toBe(true);
  });

  it('encode records with headers to the same bytes as kafkajs, and size them as written', () => {
    const headers = [{ key: 'trace', value: 'abc=1' }, { key: 'clé', value: '' }, { key: 'header-0', value: 'x'.repeat(300) }];
    const block = encodeHeaders(headers);
    const kafkajsHeaders = Object.fromEntries(headers.map((h) => [h.key, Buffer.from(h.value)]));
    for (const [offsetDelta, key, value] of [[0, null, Buffer.alloc(250, 7)], [200, Buffer.from('key-9'), Buffer.alloc(3, 1)]] as const) {
      const theirs = kafkajsRecord({ key, value, offsetDelta, timestampDelta: 0, headers: kafkajsHeaders }).buffer;
      const ours = Buffer.alloc(theirs.length + 10);
      const end = writeRecord(ours, 0, offsetDelta, key, key?.length ?? -1, value, value.length, block);
      expect(ours.subarray(0, end).equals(theirs)).toBe(true);
      expect(recordSize(offsetDelta, key?.length ?? -1, value.length, block.length)).toBe(theirs.length);
    }
  });

  it('encode records to the same bytes as kafkajs', () => {
    const random = prng(42);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const messages = [
      { key: null, value: Buffer.alloc(0) },
      { key: 'clé ✓ 😀', value: 'a string value' },
      { value: bytes(70_000) },
      { key: bytes(200), value: null },
      ...Array.from({ length: 300 }, () => ({ key: random() < 0.3 ? null : bytes(Math.floor(random() * 40)), value: bytes(Math.floor(random() * 3000)) })),
    ];
    const theirs = Buffer.concat(messages.map((m, i) => kafkajsRecord({ ...m, offsetDelta: i, timestampDelta: 0 }).buffer));
    expect(encodeRecords(messages).equals(theirs)).toBe(true);
    expect(encodeRecords([])).toHaveLength(0);
  });

  it('encode produce requests to the same bytes as kafkajs for every codec, and leave timestamps and headers to kafkajs', async () => {
    registerCodecs();
    const realNow = Date.now;
    Date.now = () => 1_767_225_600_123; // both stamp each batch with the time it is encoded
    try {
      const messages = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({
        key: i % 2 ? `k${i}` : null, value: `value ${from + i} `.repeat(1 + (i % 7)),
      }));
      for (const compression of [0, 1, 2, 3, 4]) {
        const args = {
          acks: -1, timeout: 30000, compression,
          topicData: [
            { topic: 'a', partitions: [{ partition: 0, messages: messages(500, 0) }, { partition: 3, messages: messages(7, 500), firstSequence: 9 }] },
            { topic: 'b', partitions: [{ partition: 1, messages: messages(1, 999) }] },
          ],
        };
        const ours = produceRequestV3(args) as Request;
        const theirs = kafkajsProduceRequest(args) as Request;
        expect([ours.apiKey, ours.apiVersion, ours.apiName, ours.expectResponse()])
          .toEqual([theirs.apiKey, theirs.apiVersion, theirs.apiName, theirs.expectResponse()]);
        // CRC32C included: the native checksum must equal kafkajs's JavaScript one.
        expect((await ours.encode()).buffer.equals((await theirs.encode()).buffer)).toBe(true);
      }
      const idempotent = { acks: -1, timeout: 1000, producerId: 77, producerEpoch: 2, transactionalId: 'tx',
        topicData: [{ topic: 'a', partitions: [{ partition: 2, messages: messages(20, 0), firstSequence: 40 }] }] };
      expect((await (produceRequestV3(idempotent) as Request).encode()).buffer
        .equals((await (kafkajsProduceRequest(idempotent) as Request).encode()).buffer)).toBe(true);
      const timestamped = { acks: 1, timeout: 1000, topicData: [{ topic: 'a', partitions: [{ partition: 0, messages: [{ value: 'x', timestamp: '5' }] }] }] };
      const withHeaders = { acks: 1, timeout: 1000, topicData: [{ topic: 'a', partitions: [{ partition: 0, messages: [{ value: 'x', headers: { h: 'v' } }] }] }] };
      for (const args of [timestamped, withHeaders]) {
        expect((await (produceRequestV3(args) as Request).encode()).buffer.equals((await (kafkajsProduceRequest(args) as Request).encode()).buffer)).toBe(true);
      }
      expect((produceRequestV3({ ...timestamped, acks: 0 }) as Request).expectResponse()).toBe(false);
    } finally {
      Date.now = realNow;
    }
  });

  it('group messages by partition in send order, in one pass', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 3 }));
    const groups = groupMessagesPerPartition({
      topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }) => message.partition,
    });
    expect(groups).toEqual({ 0: [messages[0], messages[3], messages[6], messages[9]], 1: [messages[1], messages[4], messages[7]], 2: [messages[2], messages[5], messages[8]] });
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });

  it('frame a batch written in a pooled buffer into the same request bytes as kafkajs, in place, for every codec', async () => {
    registerCodecs();
    const random = prng(7);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const records = Array.from({ length: 400 }, (_, i) => ({ key: i % 3 ? bytes(1 + (i % 20)) : null, value: bytes(i % 50 ? 250 : 70_000) }));
    const pool = new BatchBufferPool(1024 * 1024, 2);
    const accumulator = new RecordAccumulator(pool, { batchLimitBytes: 1024 * 1024 - 512, lingerUs: 0, newRunAt: 0 });
    records.forEach((r, i) => expect(accumulator.append(5, r.key, r.value, i, 0)).toBe(true));
    const batch = accumulator.next(0, true)!;
    expect(batch.recordCount).toBe(records.length);
    const groups = groupMessagesPerPartition({
      topic: 't', partitionMetadata: [{}], messages: [new PreEncodedMessage(batch)], partitioner: () => { throw new Error('not called'); },
    });
    expect(Object.keys(groups)).toEqual(['5']);
    expect(groups[5].length).toBe(records.length); // kafkajs advances idempotent sequences by this
    const realNow = Date.now;
    Date.now = () => 1_767_225_600_123;
    try {
      const variants = [0, 1, 2, 3, 4].map((compression) => ({ acks: -1, timeout: 30000, compression }))
        .concat([{ acks: 1, timeout: 5000, compression: 0 }, { acks: -1, timeout: 1000, compression: 3, producerId: 77, producerEpoch: 2, transactionalId: 'tx' } as never]);
      for (const variant of variants) {
        const request = (messages: unknown) => ({ ...variant, topicData: [{ topic: 'datastorm-topic', partitions: [{ partition: 5, messages, firstSequence: 40 }] }] });
        const ours = await createRequest({ correlationId: 42, clientId: 'datastorm-worker-3', request: produceRequestV3(request(groups[5]) as never) as Request }) as { buffer: Buffer };
        const theirs = await kafkajsCreateRequest({ correlationId: 42, clientId: 'datastorm-worker-3', request: kafkajsProduceRequest(request(records) as never) as Request }) as { buffer: Buffer };
        expect(ours.buffer.equals(theirs.buffer)).toBe(true);
        // Uncompressed, the request is the pooled buffer itself: the batch was never copied.
        expect(ours.buffer.buffer === batch.buffer.buffer).toBe(variant.compression === 0);
      }
    } finally {
      Date.now = realNow;
    }
    expect(() => produceRequestV3({ acks: 1, timeout: 1, topicData: [{ topic: 't', partitions: [
      { partition: 5, messages: groups[5] }, { partition: 6, messages: [{ value: 'x' }] }] }] })).toThrow(/sent alone/);
  });

  it('lay pre-encoded batches into their buffer as the bytes kafkajs encodes for the same records, every codec, default and reused', async () => {
    registerCodecs();
    const random = prng(11);
    const values = Array.from({ length: 5 }, (_, i) => Buffer.from(Array.from({ length: 90 + i * 7 }, () => Math.floor(random() * 256))));
    const headers = [{ key: 'trace', value: 'abc' }];
    const limit = 61 + 3 * 130; // room for 3 records a batch
    const records = PreEncodedRecords.build(values, encodeHeaders(headers), limit);
    const realNow = Date.now;
    Date.now = () => 1_767_225_600_123;
    try {
      for (const reused of [false, true]) {
        const accumulator = new RecordAccumulator(new BatchBufferPool(4096, 1), {
          batchLimitBytes: limit, lingerUs: 0, newRunAt: 0, headers: encodeHeaders(headers), templates: new BatchTemplates(records, reused),
        });
        // Default: batches start at their first record's value (0, 3, 0, 1). Reused: at full batches' starts in turn (0, 3, 0, 3).
        const starts = reused ? [0, 3, 0, 3] : [0, 3, 0, 1];
        let index = 0;
        for (const [b, count] of [3, 2, 1, 3].entries()) {
          expect(accumulator.appendRun(5, index, count, 0, true)).toBe(count);
          index += count;
          const batch = accumulator.next(0, true)!;
          expect(batch.recordCount).toBe(count);
          const sent = Array.from({ length: count }, (_, k) => ({ value: values[(starts[b] + k) % values.length], headers: { trace: 'abc' } }));
          const groups = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages: [new PreEncodedMessage(batch)], partitioner: () => 5 });
          for (const compression of [0, 1, 2, 3, 4]) {
            const request = (messages: unknown) => ({ acks: -1, timeout: 30000, compression, topicData: [{ topic: 't', partitions: [{ partition: 5, messages, firstSequence: 9 }] }] });
            // Twice: a reused batch's second send takes its kept bytes.
            for (let send = 0; send < 2; send++) {
              const ours = await createRequest({ correlationId: 1, clientId: 'w', request: produceRequestV3(request(groups[5]) as never) as Request }) as { buffer: Buffer };
              const theirs = await kafkajsCreateRequest({ correlationId: 1, clientId: 'w', request: kafkajsProduceRequest(request(sent) as never) as Request }) as { buffer: Buffer };
              expect(ours.buffer.equals(theirs.buffer), `${reused ? 'reused' : 'default'}: batch of ${count} from value ${starts[b]}, codec ${compression}`).toBe(true);
              expect(ours.buffer.buffer === batch.buffer.buffer).toBe(true);
            }
          }
          accumulator.release(batch, true);
        }
      }
    } finally {
      Date.now = realNow;
    }
  });

  it('compress a pre-encoded batch each time it is sent; only a reused one compresses each start and length once', async () => {
    registerCodecs();
    const { CompressionCodecs, CompressionTypes } = kafkajs as unknown as {
      CompressionCodecs: Record<number, () => { compress(e: { buffer: Buffer }): Promise<Buffer> }>; CompressionTypes: { GZIP: number };
    };
    const gzip = CompressionCodecs[CompressionTypes.GZIP];
    let compressed = 0;
    CompressionCodecs[CompressionTypes.GZIP] = () => {
      const codec = gzip();
      return { ...codec, compress: (encoder: { buffer: Buffer }) => { compressed++; return codec.compress(encoder); } };
    };
    try {
      const values = Array.from({ length: 4 }, (_, i) => Buffer.alloc(100, i));
      const records = PreEncodedRecords.build(values, encodeHeaders([]), 64 * 1024);
      const counts: Record<string, number> = {};
      for (const reused of [false, true]) {
        const accumulator = new RecordAccumulator(new BatchBufferPool(80 * 1024, 1), {
          batchLimitBytes: 64 * 1024, lingerUs: 0, newRunAt: 0, templates: new BatchTemplates(records, reused),
        });
        compressed = 0;
        // Ten batches of 100 records from value 0: the same start and length each time.
        for (let b = 0; b < 10; b++) {
          expect(accumulator.appendRun(0, b * 4, 100, 0, true)).toBe(100);
          const batch = accumulator.next(0, true)!;
          const groups = groupMessagesPerPartition({ topic: 't', partitionMetadata: [{}], messages: [new PreEncodedMessage(batch)], partitioner: () => 0 });
          const request = produceRequestV3({ acks: 1, timeout: 30000, compression: CompressionTypes.GZIP, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: groups[0] as never }] }] }) as Request;
          await createRequest({ correlationId: b, clientId: 'w', request });
          accumulator.release(batch, true);
        }
        counts[reused ? 'reused' : 'default'] = compressed;
      }
      expect(counts).toEqual({ default: 10, reused: 1 });
    } finally {
      CompressionCodecs[CompressionTypes.GZIP] = gzip;
    }
  });

  it('arm a check of a connection\'s pending requests only when one waits or a throttle ends (kafkajs polled every 1 ms)', async () => {
    type Queue = {
      pending: unknown[]; inflight: Map<number, unknown>; throttledUntil: number; throttleCheckTimeoutId: unknown;
      push(request: unknown): void; fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
      maybeThrottle(ms: number): void; checkPendingRequests(): void; scheduleCheckPendingRequests(): void; destroy(): void;
    };
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: Record<string, unknown>) => Queue;
    expect(RequestQueue.prototype.scheduleCheckPendingRequests).toBe(scheduleCheckPendingRequests);
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    vi.useFakeTimers();
    try {
      const queue = new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'c', broker: 'b', logger });
      const sent: number[] = [];
      const request = (correlationId: number) => ({
        entry: { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 3, resolve: () => undefined, reject: () => undefined },
        expectResponse: true, sendRequest: () => sent.push(correlationId),
      });
      // Idle: a check finds nothing and arms nothing (kafkajs's own re-armed a 1 ms timer after every check).
      queue.checkPendingRequests();
      expect(queue.throttleCheckTimeoutId).toBeNull();
      expect(vi.getTimerCount()).toBe(0);
      // One in flight (the limit): the next waits, checked every 10 ms, and goes out as the first is answered.
      queue.push(request(1));
      queue.push(request(2));
      expect(sent).toEqual([1]);
      expect(vi.getTimerCount()).toBe(1);
      queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
      expect(sent).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(10); // the armed check runs, finds nothing waiting, arms nothing more
      expect(vi.getTimerCount()).toBe(0);
      // Throttled: a request waits until the throttle ends, then goes.
      queue.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
      queue.maybeThrottle(50);
      queue.push(request(3));
      expect(sent).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(49);
      expect(sent).toEqual([1, 2]);
      await vi.advanceTimersByTimeAsync(1);
      expect(sent).toEqual([1, 2, 3]);
      queue.fulfillRequest({ correlationId: 3, payload: null, size: 0 });
      await vi.advanceTimersByTimeAsync(100);
      expect(vi.getTimerCount()).toBe(0);
      queue.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});
