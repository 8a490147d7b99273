import { describe, expect, it } from 'vitest';
import kafkajs from '../../src/kafkajs.js';
import {
  encodeRecord, encodeRecordBatch, groupMessagesPerPartition, kafkajsPatched, kafkajsProduceRequest, kafkajsRecord,
  kafkajsRecordBatch, produceRequestV3,
} from '../../src/kafkajs-patches.js';
import { registerCodecs } from '../../src/codecs.js';
import { prng } from '../../src/payloads.js';

describe('the fixes to kafkajs\'s send path', () => {
  it('are what kafkajs loaded through src/kafkajs.ts uses', () => {
    expect(kafkajs.Kafka).toBeTypeOf('function');
    expect(kafkajsPatched()).toBe(true);
  });

  it('encode every record to the same bytes as kafkajs', () => {
    const random = prng(42);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const cases = [
      { key: null, value: Buffer.alloc(0) },
      { key: 'k', value: 'a string value', offsetDelta: 0, timestampDelta: 0 },
      { key: bytes(16), value: bytes(250), offsetDelta: 63, timestampDelta: 64 },
      { value: bytes(70_000), offsetDelta: 2 ** 20, timestampDelta: 2 ** 40 },
      ...Array.from({ length: 300 }, () => ({
        key: random() < 0.3 ? null : bytes(Math.floor(random() * 40)),
        value: bytes(Math.floor(random() * 3000)),
        offsetDelta: Math.floor(random() * 100_000),
        timestampDelta: Math.floor(random() * 10_000_000),
      })),
    ];
    for (const record of cases) {
      const ours = encodeRecord(record);
      expect(ours.buffer.equals(kafkajsRecord(record).buffer)).toBe(true);
      expect(ours.buf.length).toBe(ours.buffer.length); // exactly sized
    }
    const withHeaders = { key: 'k', value: 'v', headers: { trace: 'abc' } };
    expect(encodeRecord(withHeaders).buffer.equals(kafkajsRecord(withHeaders).buffer)).toBe(true);
  });

  it('encode record batches to the same bytes as kafkajs, compressed or not, with a correct CRC32C', async () => {
    registerCodecs();
    const random = prng(7);
    const records = Array.from({ length: 500 }, (_, i) => encodeRecord({
      key: i % 3 === 0 ? null : `key-${i}`, value: Buffer.from(`value ${i} `.repeat(1 + Math.floor(random() * 40))),
      offsetDelta: i, timestampDelta: i * 3,
    }));
    for (const compression of [0, 1, 2, 3, 4]) {
      for (const batch of [records, records.slice(0, 1), []]) {
        const args = { compression, records: batch, firstTimestamp: 1_767_225_600_000, maxTimestamp: 1_767_225_601_500, lastOffsetDelta: batch.length - 1 };
        const ours = await encodeRecordBatch(args);
        const theirs = await kafkajsRecordBatch(args);
        // LZ4 frames and zstd are deterministic, snappy and gzip too: the whole batch must match, CRC included.
        expect(ours.buffer.equals(theirs.buffer)).toBe(true);
        expect(ours.buf.length).toBe(ours.offset);
      }
    }
    const transactional = { records, transactional: true, producerEpoch: 3, firstSequence: 17, firstTimestamp: 1, maxTimestamp: 2 };
    expect((await encodeRecordBatch(transactional)).buffer.equals((await kafkajsRecordBatch(transactional)).buffer)).toBe(true);
  });

  it('encode produce requests to the same bytes as kafkajs, and leave timestamped sends to kafkajs', async () => {
    const realNow = Date.now;
    Date.now = () => 1_767_225_600_123; // both encoders stamp the batch with the time of encoding
    try {
      const messages = (n: number, offset: number) => Array.from({ length: n }, (_, i) => ({ key: i % 2 ? `k${i}` : null, value: `v${offset + i}` }));
      const args = {
        acks: -1, timeout: 30000, compression: 1, transactionalId: null,
        topicData: [
          { topic: 'a', partitions: [{ partition: 0, messages: messages(50, 0) }, { partition: 3, messages: messages(7, 50), firstSequence: 9 }] },
          { topic: 'b', partitions: [{ partition: 1, messages: messages(1, 99) }] },
        ],
      };
      type Request = { apiKey: number; apiVersion: number; expectResponse(): boolean; encode(): Promise<{ buffer: Buffer }> };
      const ours = produceRequestV3(args) as Request;
      const theirs = kafkajsProduceRequest(args) as Request;
      expect([ours.apiKey, ours.apiVersion, ours.expectResponse()]).toEqual([theirs.apiKey, theirs.apiVersion, theirs.expectResponse()]);
      expect((await ours.encode()).buffer.equals((await theirs.encode()).buffer)).toBe(true);
      const timestamped = { ...args, topicData: [{ topic: 'a', partitions: [{ partition: 0, messages: [{ value: 'x', timestamp: '5' }] }] }] };
      expect((await (produceRequestV3(timestamped) as Request).encode()).buffer.equals((await (kafkajsProduceRequest(timestamped) as Request).encode()).buffer)).toBe(true);
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
});
