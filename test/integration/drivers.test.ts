import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { consumeAll, runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-drivers-test').admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

function produceWith(driver: string, args: string[]): { code: number | null; result: ProduceResult; stderr: string } {
  const run = runCli(['produce', '--driver', driver, '--bootstrap-server', server, '--json', '--reporting-interval', '500', ...args]);
  expect(run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  if (!run.stdout.trim()) throw new Error(`produce --driver ${driver} ${args.join(' ')} printed no result (exit ${run.code}):\n${run.stderr}`);
  return { code: run.code, result: JSON.parse(run.stdout) as ProduceResult, stderr: run.stderr };
}

describe('produce --driver platformatic on the real cluster', () => {
  it('puts exactly the acknowledged records on the broker, idempotent with acks all (the default)', async () => {
    const topic = uniqueTopic('driver-platformatic-all');
    const { code, result, stderr } = produceWith('platformatic', ['--topic', topic, '--num-records', '30011', '--workers', '2', '--batch', '64KB', '--partitions', '6']);
    expect(code).toBe(0);
    expect(result.config).toMatchObject({ driver: 'platformatic', acks: -1, idempotent: true });
    expect(result.totals.records).toBe(30011);
    expect(result.latency.count).toBe(30011);
    expect(result.totals.errors).toEqual({});
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 30011, brokerOffsetGrowth: 30011, match: true });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(30011);
    expect(result.totals.wireBytes).toBeGreaterThan(result.totals.payloadBytes); // its sockets are counted
    expect(stderr).toContain(': driver platformatic, 2 workers,');

    const messages = await consumeAll(bootstrap, topic, 30011);
    expect(messages).toHaveLength(30011);
    for (const message of messages.slice(0, 1000)) {
      expect(message.key).toBeNull();
      expect(message.value).toHaveLength(250);
    }
  });

  it('sends keyed, lz4-compressed records with --acks 1, each key to one partition, as kafkajs\'s driver does', async () => {
    const counts: Record<string, Map<string, number>> = {};
    for (const driver of ['platformatic', 'kafkajs']) {
      const topic = uniqueTopic(`driver-${driver}-keys`);
      const { code, result } = produceWith(driver, ['--topic', topic, '--num-records', '20480', '--workers', '1', '--acks', '1',
        '--compression', 'lz4', '--keys', 'round-robin', '--partitions', '4']);
      expect(code).toBe(0);
      expect(result.config).toMatchObject({ driver, acks: 1, idempotent: false, compression: 'lz4' });
      expect(result.accounting).toMatchObject({ acknowledgedRecords: 20480, brokerOffsetGrowth: 20480, match: true });
      expect(await topicEndOffsetTotal(admin, topic)).toBe(20480);
      const offsets = await admin.fetchTopicOffsets(topic);
      counts[driver] = new Map(offsets.map((p) => [p.partition.toString(), Number(p.high)]));
      const messages = await consumeAll(bootstrap, topic, 20480);
      const keys = new Map<string, number>();
      for (const message of messages) keys.set(message.key!.toString(), (keys.get(message.key!.toString()) ?? 0) + 1);
      expect(keys.size).toBe(1024);
      expect([...keys.values()].every((n) => n === 20)).toBe(true);
    }
    // The same keys, hashed by the worker: the same records per partition whichever client sent them.
    expect(counts.platformatic).toEqual(counts.kafkajs);
  });

  it('refuses an unknown driver in one line, before any work', () => {
    const run = runCli(['produce', '--driver', 'rdkafka', '--bootstrap-server', server, '--num-records', '10']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toBe('error: option \'--driver <client>\' argument \'rdkafka\' is invalid. --driver takes one of kafkajs, platformatic, not "rdkafka"');
  });
});
