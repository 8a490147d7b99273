import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import type { ProduceResult } from '../../src/produce/result.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { IDENTITY_HEADER, identityOf, identityValue } from '../../src/kafka/record-identity.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { consumeAll, eventually, runCli, startCli, uniqueTopic, until } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const kafka = createKafka(bootstrap, 'datastorm-verify-test');
const admin = kafka.admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

function produceJson(args: string[]) {
  const run = runCli(['produce', '--bootstrap-server', server, '--verify', '--json', ...args], { timeoutMs: 180_000 });
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return { ...run, result: JSON.parse(run.stdout) as ProduceResult };
}

/** Each worker's sequence numbers in the records' identity headers, sorted: read by an independent client. */
function sequencesByWorker(messages: KafkaMessage[]): Map<number, number[]> {
  const byWorker = new Map<number, number[]>();
  for (const message of messages) {
    const identity = identityOf(message.headers?.[IDENTITY_HEADER]);
    expect(identity).toBeDefined();
    byWorker.set(identity!.producer, [...(byWorker.get(identity!.producer) ?? []), identity!.sequence]);
  }
  for (const sequences of byWorker.values()) sequences.sort((a, b) => a - b);
  return byWorker;
}

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('produce --verify on the real cluster', () => {
  for (const [encoding, extra] of [['pre-encoded', []], ['per-record', ['--keys', 'round-robin']]] as const) {
    it(`accounts for every record by identity, ${encoding}: checked = acknowledged = what the broker holds`, async () => {
      const topic = uniqueTopic(`verify-${encoding}`);
      const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '20000', '--workers', '2', '--partitions', '3',
        '--batch', '16KB', '--header', 'trace=abc', ...extra]);
      expect(code, stderr).toBe(0);
      expect(result.config.batchEncoding).toBe(encoding);
      const v = result.verification!;
      expect([v.checked, v.lost, v.duplicated, v.reordered, v.inDoubt, v.abortedVisible, v.failed]).toEqual([20000, 0, 0, 0, 0, 0, 0]);
      expect(result.accounting).toMatchObject({ acknowledgedRecords: 20000, brokerOffsetGrowth: 20000, match: true });
      expect(await topicEndOffsetTotal(admin, topic)).toBe(20000);
      expect(v.isolation).toBe('read_uncommitted');
      expect(v.partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      expect(v.partitions.reduce((sum, p) => sum + p.checked, 0)).toBe(20000);
      expect(stderr).toContain('verified: 20,000 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt\n');
      expect(stderr).toMatch(/verification: 3 partitions read back read_uncommitted in \d+\.\d s\n/);
      // Read by another client: each worker's records 0 .. 9,999, once each, the run's own header kept before the identity.
      const messages = await consumeAll(bootstrap, topic, 20000, { quietMs: 1000 });
      expect(Object.keys(messages[0].headers ?? {})).toEqual(['trace', IDENTITY_HEADER]);
      expect(sequencesByWorker(messages)).toEqual(new Map([[0, range(10000)], [1, range(10000)]]));
    });
  }

  it('with transactions and --abort-rate: read_committed sees every committed record once and none of the aborted', () => {
    const topic = uniqueTopic('verify-transactions');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '20000', '--workers', '2', '--throughput', '10000',
      '--transactional-id', `${topic}-tx`, '--transaction-duration-ms', '200', '--abort-rate', '0.5', '--partitions', '4']);
    expect(code, stderr).toBe(0);
    const t = result.transactions!;
    expect(t.abortedRecords).toBeGreaterThan(0);
    const v = result.verification!;
    expect(v.isolation).toBe('read_committed');
    expect([v.checked, v.lost, v.duplicated, v.reordered, v.inDoubt, v.abortedVisible]).toEqual([t.committedRecords, 0, 0, 0, 0, 0]);
    expect(v.aborted).toBe(t.abortedRecords);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 20000, brokerOffsetGrowth: 20000 + t.markers, match: true });
    expect(stderr).toContain(`verified: ${t.committedRecords.toLocaleString('en-US')} records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt, 0 aborted visible\n`);
  });

  it('fails a run whose topic lost a record and gained a duplicate behind its back, after its full report', async () => {
    const topic = uniqueTopic('verify-tampered');
    const cli = startCli(['produce', '--bootstrap-server', server, '--verify', '--topic', topic, '--num-records', '6000', '--throughput', '2000',
      '--workers', '1', '--partitions', '1', '--reporting-interval', '500']);
    await until(() => cli.output.stdout.includes(' records sent, '), 'the first window line');
    expect(await eventually(() => topicEndOffsetTotal(admin, topic).catch(() => 0), (records) => records >= 10)).toBeGreaterThanOrEqual(10);
    // The run's first record deleted, its sixth written again: as many records as acknowledged, but not the same ones.
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '1' }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: 'again', headers: { [IDENTITY_HEADER]: identityValue(0, 5) } }] });
    await producer.disconnect();
    expect(await cli.exited).toBe(1);
    const { stderr } = cli.output;
    expect(stderr).toContain('verified: 6,000 records by identity: 1 lost, 1 duplicated, 0 reordered, 0 in doubt\n');
    expect(stderr).toContain(`  ${topic}/0: 6,000 read, 1 lost, 1 duplicated, 0 reordered, 0 in doubt\n`);
    expect(stderr.trim().split('\n').at(-1)).toBe('error DS_VERIFICATION_FAILED: verified by identity: 1 acknowledged records lost, 1 duplicated (see the verification lines)');
  });

  describe('refuses what it cannot verify, in one line', () => {
    const expectOneLineError = (args: string[], pattern: RegExp) => {
      const run = runCli(['produce', '--bootstrap-server', server, '--verify', '--num-records', '10', ...args], { timeoutMs: 60_000 });
      expect(run.code).toBe(1);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(pattern);
    };
    it('reused batches', () => expectOneLineError(['--batch-encoding', 'pre-encoded-reused'], /^error DS_BAD_OPTION: --verify gives every record an identity of its own; --batch-encoding pre-encoded-reused sends the same bytes again/));
    it('a shared topic', () => expectOneLineError(['--shared-topic'], /^error DS_BAD_OPTION: --verify reads back a topic of the run's own/));
    it('a driver that encodes its own batches', () => expectOneLineError(['--driver', 'platformatic'], /^error DS_UNSUPPORTED_BY_DRIVER: --verify writes each record's identity into the batches it encodes; --driver platformatic encodes its own/));
  });
});

describe('e2e --verify on the real cluster', () => {
  it('accounts for every produced record by identity in what the consumers read', () => {
    const topic = uniqueTopic('verify-e2e');
    const run = runCli(['e2e', '--bootstrap-server', server, '--topic', topic, '--rate', '500', '--duration', '3s', '--workers', '2',
      '--partitions', '4', '--verify', '--json'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as EndToEndResult;
    const v = result.verification!;
    expect([v.checked, v.lost, v.duplicated, v.reordered, v.inDoubt, v.abortedVisible]).toEqual([1500, 0, 0, 0, 0, 0]);
    expect(result.accounting).toEqual({ producedRecords: 1500, consumedRecords: 1500, brokerOffsetGrowth: 1500, match: true });
    expect(v.partitions.map((p) => p.checked)).toEqual([375, 375, 375, 375]);
    expect(run.stderr).toContain('verified: 1,500 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt\n');
    expect(run.stderr).toContain('verification: 4 partitions read by the run\'s consumers (read_committed)\n');
  });
});
