import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { Consumer, MessagesStreamModes } from '@platformatic/kafka';
import type { ConsumeResult } from '../../src/consume/consume.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import type { ReplayResult } from '../../src/consume/replay.js';
import { consumeAll, groupCommittedTotal, runCli, startCli, uniqueTopic, until } from '../helpers.js';

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
    expect(stderr).toMatch(/: driver platformatic, 2 workers( on 1 thread)?,/); // one thread on a 1-core machine

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

  it('puts the run\'s headers on every record (--header, --headers, --header-size), with either driver, counted on the wire', async () => {
    // The headers block: count 1 + trace (1 + 5 + 1 + 5) + two generated (1 + 8 + 1 + 40 each) = 113 bytes a record.
    const headerBytes = 113;
    for (const driver of ['kafkajs', 'platformatic']) {
      const topic = uniqueTopic(`driver-${driver}-headers`);
      const { code, result, stderr } = produceWith(driver, ['--topic', topic, '--num-records', '3000', '--workers', '2', '--partitions', '4',
        '--header', 'trace=abc=1', '--headers', '2', '--header-size', '40']);
      expect(code).toBe(0);
      expect(result.accounting).toMatchObject({ acknowledgedRecords: 3000, brokerOffsetGrowth: 3000, match: true });
      expect(result.config.headers.map((h) => h.key)).toEqual(['trace', 'header-0', 'header-1']);
      expect(stderr).toContain(`, 250 B Avro, 3 headers (trace, header-0, header-1: ${headerBytes} B a record), batch `);
      // MB/s counts values only, as perf-test; the wire carries the headers too.
      expect(result.totals.payloadBytes).toBe(3000 * 250);
      expect(result.totals.wireBytes).toBeGreaterThan(3000 * (250 + headerBytes));
      const messages = await consumeAll(bootstrap, topic, 3000);
      expect(messages).toHaveLength(3000);
      for (const message of messages) {
        expect(Object.keys(message.headers!)).toEqual(['trace', 'header-0', 'header-1']);
        expect(message.headers!.trace!.toString()).toBe('abc=1');
        expect(message.headers!['header-0']).toHaveLength(40);
        expect(message.headers!['header-1']!.toString()).toBe(result.config.headers[2].value);
        expect(message.value).toHaveLength(250);
      }
    }
  });

  it('refuses an unknown driver in one line, before any work', () => {
    const run = runCli(['produce', '--driver', 'rdkafka', '--bootstrap-server', server, '--num-records', '10']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim()).toBe('error: option \'--driver <client>\' argument \'rdkafka\' is invalid. --driver takes one of kafkajs, platformatic, not "rdkafka"');
  });
});

function produceRecords(topic: string, records: number, args: string[] = []): void {
  const run = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records), '--workers', '1', ...args]);
  expect(run.code, run.stderr).toBe(0);
}

/**
 * A member of another client's in the group for a while, as an outside consumer joining would be: it takes
 * partitions from DataStorm's consumers (a rebalance), commits nothing, and gives them back when it leaves.
 */
async function joinGroupAsIntruder(driver: string, group: string, topic: string): Promise<{ partitions: number[]; leave: () => Promise<void> }> {
  let partitions: number[] | undefined;
  if (driver === 'platformatic') {
    const consumer = new Consumer({ clientId: 'datastorm-test-intruder', bootstrapBrokers: bootstrap, groupId: group, autocommit: false, maxWaitTime: 500 });
    consumer.on('consumer:group:join', (payload) => { partitions = payload.assignments?.find((a) => a.topic === topic)?.partitions ?? []; });
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.LATEST });
    stream.resume();
    await until(() => (partitions?.length ?? 0) > 0, 'the intruder to be given partitions');
    return { partitions: partitions!, leave: () => new Promise((resolve) => { consumer.close(true, () => resolve()); }) };
  }
  const consumer = createKafka(bootstrap, 'datastorm-test-intruder').consumer({ groupId: group, maxWaitTimeInMs: 500 });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => { partitions = payload.memberAssignment[topic] ?? []; });
  await consumer.connect();
  await consumer.subscribe({ topic });
  await consumer.run({ autoCommit: false, eachBatch: async () => undefined });
  await until(() => (partitions?.length ?? 0) > 0, 'the intruder to be given partitions');
  return { partitions: partitions!, leave: () => consumer.disconnect() };
}

/** Records counted so far, from consume's detailed-stats lines (each consumer's latest line holds its total). */
function countedSoFar(lines: string): number {
  const totals = new Map<string, number>();
  for (const [, thread, records] of lines.matchAll(/^\d{4}-\d{2}-\d{2} [\d:]+, (\d+), [\d.]+, [\d.]+, (\d+),/gm)) totals.set(thread, Number(records));
  return [...totals.values()].reduce((sum, n) => sum + n, 0);
}

describe('consume, e2e and replay-check --driver platformatic on the real cluster (Ctrl-C: commands-hold.test.ts)', () => {
  it('consume counts every record of an lz4 topic the CLI produced with 3 consumers, and commits exactly those', async () => {
    const topic = uniqueTopic('driver-consume-lz4');
    produceRecords(topic, 30011, ['--partitions', '6', '--compression', 'lz4']);
    const group = `${topic}-reader`;
    // --timeout 60s, not CPT's 10 s: at load average 20-24 (three clusters on 2 cores) three platformatic consumers
    // once read nothing for 10 s after their joins (the run then ends DS_CONSUME_TIMEOUT, as it should).
    const run = runCli(['consume', '--driver', 'platformatic', '--bootstrap-server', server, '--topic', topic, '--num-records', '30011',
      '--workers', '3', '--group', group, '--timeout', '60000', '--json']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ConsumeResult;
    expect(result.config.driver).toBe('platformatic');
    expect(run.stderr).toContain('consumers read with driver platformatic');
    expect(result.totals.records).toBe(30011);
    expect(result.totals.payloadBytes).toBe(30011 * 250); // produce's default --record-size, no keys
    expect(result.workers.map((w) => w.workerId)).toEqual([0, 1, 2]);
    expect(result.workers.reduce((sum, w) => sum + w.records, 0)).toBe(30011);
    expect(result.accounting).toEqual({ countedRecords: 30011, availableRecords: 30011, committedOffsetGrowth: 30011, transactionMarkers: 0, match: true });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(30011);
    expect(await groupCommittedTotal(admin, group, topic, 30011)).toBe(30011);
  });

  for (const driver of ['platformatic', 'kafkajs']) {
    it(`${driver}: consumers that lose partitions to another member and get them back go on from the counted offsets`, async () => {
      const topic = uniqueTopic(`driver-rebalance-${driver}`);
      produceRecords(topic, 4000, ['--partitions', '4']);
      const group = `${topic}-reader`;
      const consume = startCli(['consume', '--driver', driver, '--bootstrap-server', server, '--topic', topic, '--num-records', '8000',
        '--workers', '2', '--group', group, '--timeout', '120000', '--show-detailed-stats', '--reporting-interval', '200', '--json']);
      await until(() => countedSoFar(consume.output.stderr) === 4000, 'the first 4000 records counted', 120_000);
      // A member joins and takes partitions; the second half is written while it holds them; it leaves, they come back.
      const intruder = await joinGroupAsIntruder(driver, group, topic);
      expect(intruder.partitions.length).toBeGreaterThan(0);
      produceRecords(topic, 4000);
      await intruder.leave();
      expect(await consume.exited, consume.output.stderr).toBe(0);
      const result = JSON.parse(consume.output.stdout) as ConsumeResult;
      expect(result.accounting).toEqual({ countedRecords: 8000, availableRecords: 4000, committedOffsetGrowth: 8000, transactionMarkers: 0, match: true });
      expect(result.workers.reduce((sum, w) => sum + w.records, 0)).toBe(8000);
      expect(await groupCommittedTotal(admin, group, topic, 8000)).toBe(8000);
    }, 240_000);
  }

  it('e2e: every record produced is consumed once, timed, and committed', async () => {
    const topic = uniqueTopic('driver-e2e');
    const group = `${topic}-group`;
    const run = runCli(['e2e', '--driver', 'platformatic', '--bootstrap-server', server, '--topic', topic, '--rate', '500', '--duration', '3s',
      '--workers', '2', '--partitions', '4', '--group', group, '--json']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as EndToEndResult;
    expect(result.config.driver).toBe('platformatic');
    expect(result.accounting).toEqual({ producedRecords: 1500, consumedRecords: 1500, brokerOffsetGrowth: 1500, match: true });
    expect(result.latency.count).toBe(1500);
    // platformatic's consumers read the creation-time header too: every record timed in µs.
    expect(result.latency).toMatchObject({ headerTimedRecords: 1500, resolutionMs: 0.001 });
    expect(result.consumer.payloadBytes).toBe(1500 * 100);
    expect(await groupCommittedTotal(admin, group, topic, 1500)).toBe(1500);
  });

  it('replay-check reads both passes through platformatic and leaves the group at the end offsets', async () => {
    const topic = uniqueTopic('driver-replay');
    produceRecords(topic, 3001, ['--partitions', '3', '--keys', 'round-robin']);
    const group = `${topic}-replay`;
    const run = runCli(['replay-check', '--driver', 'platformatic', '--bootstrap-server', server, '--topic', topic, '--group', group, '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ReplayResult;
    expect(result.config.driver).toBe('platformatic');
    expect(result.passes.map((pass) => pass.records)).toEqual([3001, 3001]);
    expect(result.match).toBe(true);
    expect(await groupCommittedTotal(admin, group, topic, 3001)).toBe(3001);
  });

  it('refuses, in one line and before any work, what platformatic cannot do here: consumers under --fault, zstd on Node 20', async () => {
    const topic = uniqueTopic('driver-refused');
    const refusals: Array<[string[], string]> = [[['--fault', 'kill-node 2 at 1s'],
      'error DS_UNSUPPORTED_BY_DRIVER: --driver platformatic consumers do not ride out --fault: they fail when a broker dies (use --driver kafkajs with --fault)']];
    // Node 22.15+ has zstd in zlib: nothing to refuse there.
    if (process.versions.node.startsWith('20.')) {
      refusals.push([['--compression', 'zstd'], `error DS_UNSUPPORTED_BY_DRIVER: --driver platformatic compresses and reads zstd with Node's zlib, which Node ${process.version} lacks (use gzip, snappy or lz4, or --driver kafkajs)`]);
    }
    for (const [args, line] of refusals) {
      const run = runCli(['e2e', '--driver', 'platformatic', '--bootstrap-server', server, '--topic', topic, '--duration', '1s', ...args]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toBe(line);
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: [] });
    expect(topics.map((t) => t.name)).not.toContain(topic);
  });
});
