import { describe, expect, it } from 'vitest';
import kafkajs from '../../src/kafkajs.js';
import { encodeRecord, groupMessagesPerPartition, kafkajsPatched, kafkajsRecord } from '../../src/kafkajs-patches.js';
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

  it('group messages by partition in send order, in one pass', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ value: `m${i}`, partition: i % 3 }));
    const groups = groupMessagesPerPartition({
      topic: 't', partitionMetadata: [{}], messages, partitioner: ({ message }) => message.partition,
    });
    expect(groups).toEqual({ 0: [messages[0], messages[3], messages[6], messages[9]], 1: [messages[1], messages[4], messages[7]], 2: [messages[2], messages[5], messages[8]] });
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner: () => 0 })).toEqual({});
  });
});
