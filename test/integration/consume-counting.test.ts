import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumeResult } from '../../src/consume/consume.js';
import { compressionTypeOf } from '../../src/kafka/codecs.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { CODEC_NAMES } from '../../src/kafka/codecs.js';
import { consumeAll, createTopicsSettled, runCli, uniqueTopic } from '../helpers.js';

/**
 * `datastorm consume` counts fetched record batches without an object per record (src/kafka/counted-fetch.ts):
 * its counts and key + value bytes against independent readers (kafkajs's own per-record decoding; Kafka's
 * consumer-perf-test), for every codec and on a transactional topic, whose markers are offsets, not records.
 */
const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const kafka = createKafka(bootstrap, 'datastorm-consume-counting-test');
const admin = kafka.admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** Records whose keys (some null) and values (some empty, some over a varint byte's 64) differ in size. */
const messages = (count: number, seed: number) => Array.from({ length: count }, (_, i) => ({
  key: (i + seed) % 5 === 0 ? null : `key-${i}`,
  value: 'v'.repeat(((i + seed) * 37) % 700),
}));
const payloadBytes = (records: Array<{ key: Buffer | null; value: Buffer | null }>) =>
  records.reduce((sum, r) => sum + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);

function consume(topic: string, group: string, records: number): ConsumeResult {
  const run = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records), '--group', group, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as ConsumeResult;
}

async function committed(group: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

describe('consume\'s counting of record batches', () => {
  for (const codec of CODEC_NAMES) {
    it(`${codec}: counts the records and bytes a plain kafkajs consumer reads`, async () => {
      const topic = uniqueTopic(`counting-${codec}`);
      await createTopicsSettled(admin, [{ topic, numPartitions: 3, replicationFactor: 3 }]);
      const producer = kafka.producer();
      await producer.connect();
      // Several sends: several batches per partition, of different sizes.
      for (const [count, seed] of [[700, 0], [13, 1], [290, 2]]) {
        await producer.send({ topic, acks: -1, compression: compressionTypeOf(codec), messages: messages(count, seed) });
      }
      await producer.disconnect();

      const read = await consumeAll(bootstrap, topic, 1003);
      const result = consume(topic, `${topic}-count`, read.length);
      expect([result.totals.records, result.totals.payloadBytes]).toEqual([read.length, payloadBytes(read)]);
      expect(result.accounting).toMatchObject({ countedRecords: 1003, committedOffsetGrowth: 1003, transactionMarkers: 0, match: true });
    });
  }

  it('on a transactional topic counts committed and aborted records as consumer-perf-test does (read_uncommitted), not markers', async () => {
    const topic = uniqueTopic('counting-txn');
    await createTopicsSettled(admin, [{ topic, numPartitions: 1, replicationFactor: 3 }]);
    const producer = kafka.producer({ transactionalId: `${topic}-tx`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Offsets 0-9, commit marker 10; 11-15 aborted, abort marker 16; 17-23, commit marker 24.
    for (const [count, seed, commit] of [[10, 0, true], [5, 1, false], [7, 2, true]] as const) {
      const transaction = await producer.transaction();
      await transaction.send({ topic, acks: -1, messages: messages(count, seed) });
      await (commit ? transaction.commit() : transaction.abort());
    }
    await producer.disconnect();
    const written = [...messages(10, 0), ...messages(5, 1), ...messages(7, 2)]
      .map((m) => ({ key: m.key === null ? null : Buffer.from(m.key), value: Buffer.from(m.value) }));

    // Kafka's consumer-perf-test reads 22 records (its MB column is their key + value bytes).
    const java = runCli(['kafka-tool', 'consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic,
      '--num-records', '22', '--group', `${topic}-java`]);
    expect(java.code, java.stderr).toBe(0);
    const javaColumns = java.stdout.trimEnd().split('\n').at(-1)!.split(', ');

    const group = `${topic}-count`;
    const result = consume(topic, group, 22);
    expect([result.totals.records, result.totals.payloadBytes]).toEqual([22, payloadBytes(written)]);
    expect(javaColumns[4]).toBe('22');
    expect(javaColumns[2]).toBe((payloadBytes(written) / 2 ** 20).toFixed(4));
    // Committed after record 23: past the two markers between the counted records, not past the last one.
    expect(await committed(group, topic)).toEqual([24]);
    expect(result.accounting).toMatchObject({ countedRecords: 22, committedOffsetGrowth: 24, transactionMarkers: 2, match: true });
  });
});
