import { afterAll, describe, expect, inject, it } from 'vitest';
import { describeBrokers, createKafka } from '../../src/kafka/kafka-client.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';
import { createTopicsSettled, runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const kafka = createKafka(bootstrap, 'datastorm-test');
const admin = kafka.admin();

afterAll(async () => {
  await admin.disconnect();
});

describe('the local cluster', () => {
  it('lists 4 brokers in its metadata', async () => {
    const brokers = await describeBrokers(bootstrap);
    expect(brokers.map((b) => b.nodeId)).toEqual([1, 2, 3, 4]);
    expect(brokers.map((b) => `${b.host}:${b.port}`)).toEqual(bootstrap);
  });

  it('keeps records produced by kafkajs on a replication-factor-3 topic, and gives them back', async () => {
    const topic = uniqueTopic('cluster-rf3');
    await admin.connect();
    await createTopicsSettled(admin, [{ topic, numPartitions: 6, replicationFactor: 3 }]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0].partitions).toHaveLength(6);
    for (const partition of metadata.topics[0].partitions) expect(partition.replicas).toHaveLength(3);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const sent = Array.from({ length: 300 }, (_, i) => ({ key: `k${i % 17}`, value: `value-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)).toBe(300);

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: string[] = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(message.value!.toString());
          if (received.length === sent.length) resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(received.sort()).toEqual(sent.map((m) => m.value).sort());
  });

  it.skipIf(Boolean(process.env.DATASTORM_TEST_BOOTSTRAP))('reports itself healthy through `datastorm cluster status`', () => {
    const result = runCli(['cluster', 'status', '--json']);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout);
    expect(status.healthy).toBe(true);
    expect(status.brokersListed).toBe(4);
    expect(status.state.kafkaVersion).toBe(DEFAULT_KAFKA_VERSION);
    const table = runCli(['cluster', 'status']);
    expect(table.code).toBe(0);
    expect(table.stderr).toMatch(/│ 4 +│ broker +│ \d+ +│ 9095 +│ - +│ alive +│ accepting +│/);
    expect(table.stderr).toContain('metadata lists 4 of 4 brokers: healthy');
  });
});
