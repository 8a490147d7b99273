import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ShareConsumeResult } from '../../src/consume/share-consume.js';
import type { LagResult } from '../../src/consume/lag.js';
import { SHARE_SUMMARY_HEADER } from '../../src/consume/share-report.js';
import { ackTypeOf } from '../../src/consume/share-acknowledgements.js';
import { AcknowledgeType } from '../../src/drivers/share-group-protocol.js';
import { setGroupConfig, shareGroupOffsets } from '../../src/drivers/share-group-admin.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { PLAINTEXT } from '../../src/security/client-security.js';
import { runCli, startCli, uniqueTopic, until } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-share-test').admin();
const PARTITIONS = 6;

const DATE = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}:\\d{3}';
const DECIMAL = '\\d+\\.\\d{4}';
/** ShareConsumerPerformance's "%s, %s, %.4f, %.4f, %.4f, %d, %d". */
const SUMMARY_LINE = new RegExp(`^${DATE}, ${DATE}, ${DECIMAL}, ${DECIMAL}, ${DECIMAL}, \\d+, \\d+$`);

/** A topic of `records` records of 100 bytes (DataStorm's produce: counted on the broker). */
function produced(prefix: string, records: number): string {
  const topic = uniqueTopic(prefix);
  const run = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records), '--record-size', '100',
    '--partitions', String(PARTITIONS), '--workers', '1']);
  expect(run.code, run.stderr).toBe(0);
  return topic;
}

function shareConsume(topic: string, group: string, args: string[], timeoutMs = 180_000) {
  const run = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--share-group', group, ...args], { timeoutMs });
  expect(run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return run;
}

/** The group's lag on the topic as the broker reports it (DescribeShareGroupOffsets), -1 where it never started. */
async function brokerLag(group: string, topic: string): Promise<number[]> {
  return (await shareGroupOffsets(bootstrap, PLAINTEXT, group, topic, PARTITIONS)).map((p) => p.lag);
}

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

describe('consume --share-group on the real cluster', () => {
  it('reads every record once with 3 share consumers, each accepted once, and the broker agrees (its lag, and Kafka\'s own tool)', async () => {
    const topic = produced('share-all', 20_000);
    const group = `${topic}-sg`;
    const run = shareConsume(topic, group, ['--workers', '3', '--num-records', '20000', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ShareConsumeResult;
    expect(result.acknowledgements).toEqual({
      acquired: 20_000, accepted: 20_000, released: 0, rejected: 0, redelivered: 0, ackFailed: 0, deliveryCounts: [20_000, 0, 0, 0, 0, 0],
    });
    // Every acknowledgement the broker confirmed is timed, record by record, from the fetch that acquired it.
    expect(result.acknowledgementLatency.count).toBe(20_000);
    expect(result.acknowledgementLatency.p50Us).toBeGreaterThan(0);
    expect(result.acknowledgementLatency.maxUs).toBeGreaterThanOrEqual(result.acknowledgementLatency.p99Us);
    expect(result.totals.records).toBe(20_000);
    expect(result.totals.payloadBytes).toBe(20_000 * 100);
    expect(result.workers.map((w) => w.clientId)).toEqual(['datastorm-share-consumer-1', 'datastorm-share-consumer-2', 'datastorm-share-consumer-3']);
    expect(result.workers.reduce((sum, w) => sum + w.records, 0)).toBe(20_000);
    expect(result.accounting).toEqual({
      settled: 20_000, availableRecords: 20_000, brokerSettled: 20_000, match: true,
      ledger: { records: 20_000, deliveredAtLeastOnce: 20_000, acceptedOnce: 20_000, rejectedOnce: 0, settledTwice: 0, lockTimeouts: 0, redeliveries: 0, releases: 0 },
    });
    expect(await brokerLag(group, topic)).toEqual(new Array(PARTITIONS).fill(0));
    // Kafka's own kafka-share-groups says the same: no lag on any partition.
    const described = runCli(['kafka-tool', 'share-groups', '--', '--bootstrap-server', server, '--describe', '--group', group, '--offsets']);
    expect(described.code, described.stderr).toBe(0);
    const rows = described.stdout.split('\n').filter((line) => line.startsWith(group));
    expect(rows).toHaveLength(PARTITIONS);
    for (const row of rows) expect(row.trim().split(/\s+/).at(-1)).toBe('0');
  });

  it('lag --share-group: each partition\'s start offset and lag as Kafka\'s kafka-share-groups --describe --offsets shows them', async () => {
    const topic = produced('share-lag', 20_000);
    const group = `${topic}-sg`;
    const run = shareConsume(topic, group, ['--workers', '2', '--num-records', '15000', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as ShareConsumeResult).accounting.match).toBe(true);
    const lag = runCli(['lag', '--bootstrap-server', server, '--share-group', group, '--duration', '1s', '--interval', '1s', '--json']);
    expect(lag.code, lag.stderr).toBe(0);
    const result = JSON.parse(lag.stdout) as LagResult;
    expect(result.config.groupType).toBe('share');
    const last = result.samples.at(-1)!;
    expect(result.summary.finalLag).toBe(5000);
    expect(last.partitions.map((p) => p.lag)).toEqual(await brokerLag(group, topic));
    expect(lag.stderr).toMatch(/│ topic +│ partition │ start offset │ end offset │ +lag │ peak lag │/);
    const described = runCli(['kafka-tool', 'share-groups', '--', '--bootstrap-server', server, '--describe', '--group', group, '--offsets']);
    expect(described.code, described.stderr).toBe(0);
    // GROUP TOPIC PARTITION START-OFFSET LAG
    const rows = described.stdout.split('\n').filter((line) => line.startsWith(group)).map((line) => line.trim().split(/\s+/));
    expect(rows).toHaveLength(PARTITIONS);
    expect(last.partitions.map((p) => [p.topic, String(p.partition), String(p.committedOffset), String(p.lag)])).toEqual(rows.map((r) => r.slice(1)));
  });

  it('prints share-consumer-perf-test\'s header and line shapes, as Kafka\'s own tool prints them on the same topic', async () => {
    const topic = produced('share-lines', 2000);
    const ours = shareConsume(topic, `${topic}-ds`, ['--num-records', '2000', '--threads', '2', '--show-consumer-stats']);
    expect(ours.code, ours.stderr).toBe(0);
    const lines = ours.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(SHARE_SUMMARY_HEADER);
    expect(lines[1]).toMatch(new RegExp(`^Share consumer 1 having client id datastorm-share-consumer-1 consumption metrics- ${DATE}, ${DATE}, ${DECIMAL}, ${DECIMAL}, ${DECIMAL}, \\d+, \\d+$`));
    expect(lines[2]).toMatch(/^Share consumer 2 having client id datastorm-share-consumer-2 /);
    expect(lines[3]).toMatch(SUMMARY_LINE);
    expect(lines[3].split(', ')[5]).toBe('2000');
    // Kafka's tool on a group of its own, started at the log start as DataStorm starts its groups.
    const javaGroup = `${topic}-java`;
    await setGroupConfig(bootstrap, PLAINTEXT, javaGroup, 'share.auto.offset.reset', 'earliest');
    const java = runCli(['kafka-tool', 'share-consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic, '--group', javaGroup, '--num-records', '2000', '--timeout', '120000']);
    expect(java.code, java.stderr).toBe(0);
    const javaLines = java.stdout.trimEnd().split('\n').filter((line) => !line.startsWith('WARNING'));
    expect(javaLines[0]).toBe(lines[0]);
    expect(javaLines[1]).toMatch(SUMMARY_LINE);
  });

  it('--release-rate 0.02 --ack-mode explicit: the records the hash picks are released once, redelivered, then accepted; every record settled once', async () => {
    const topic = produced('share-release', 10_000);
    const run = shareConsume(topic, `${topic}-sg`, ['--workers', '2', '--num-records', '10000', '--release-rate', '0.02', '--ack-mode', 'explicit', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ShareConsumeResult;
    // Which records: a hash of partition and offset, the same whichever consumer gets them.
    const ends = await admin.fetchTopicOffsets(topic);
    const picked = ends.reduce((sum, { partition, high }) => sum
      + Array.from({ length: Number(high) }, (_, offset) => ackTypeOf({ releaseRate: 0.02, rejectRate: 0 }, partition, offset, 1)).filter((t) => t === AcknowledgeType.RELEASE).length, 0);
    expect(picked).toBeGreaterThan(100);
    expect(picked).toBeLessThan(300);
    expect(result.acknowledgements).toEqual({
      acquired: 10_000 + picked, accepted: 10_000, released: picked, rejected: 0, redelivered: picked, ackFailed: 0, deliveryCounts: [10_000, picked, 0, 0, 0, 0],
    });
    expect(result.accounting.ledger).toEqual({
      records: 10_000, deliveredAtLeastOnce: 10_000, acceptedOnce: 10_000, rejectedOnce: 0, settledTwice: 0, lockTimeouts: 0, redeliveries: picked, releases: picked,
    });
    expect(result.accounting.match).toBe(true);
    expect(run.stderr).toContain(`delivery counts: 1: 10000, 2: ${picked}`);
    // Released records are acknowledged too: timed with the accepted ones.
    expect(result.acknowledgementLatency.count).toBe(10_000 + picked);
    expect(run.stderr).toMatch(new RegExp(`^acknowledgement latency \\(acquired to confirmed by the broker, ${10_000 + picked} records, --ack-mode explicit\\): [\\d.]+ ms avg, `, 'm'));
    expect(run.stderr).toContain(`${picked} redeliveries = ${picked} releases + 0 lock timeouts`);
  });

  it('Ctrl-C releases what the consumers hold: a partial report, exit 130, and the next run gets those records again, nothing lost', async () => {
    const topic = produced('share-sigint', 100_000);
    const group = `${topic}-sg`;
    const first = startCli(['consume', '--bootstrap-server', server, '--topic', topic, '--share-group', group, '--workers', '2', '--num-records', '1000000',
      '--timeout', '120000', '--show-detailed-stats', '--reporting-interval', '200', '--json']);
    // A detailed-stats line is printed once a consumer has records; Kafka's lines go to stderr with --json.
    await until(() => / for share consumer \d+$/m.test(first.output.stderr), 'a detailed-stats line', 120_000);
    first.interrupt();
    expect(await first.exited, first.output.stderr).toBe(130);
    expect(first.output.stderr).toContain('interrupted: releasing the records held and printing the partial report');
    const interrupted = JSON.parse(first.output.stdout) as ShareConsumeResult;
    expect(interrupted.partial).toBe(true);
    const { settled } = interrupted.accounting;
    expect(settled).toBeGreaterThan(0);
    expect(settled).toBeLessThan(100_000);
    expect(interrupted.accounting).toMatchObject({ brokerSettled: settled, match: true });
    expect(first.output.stderr).toMatch(new RegExp(`PARTIAL RUN: stopped by Ctrl-C after ${settled} of 1000000 records settled; the records still held were released to group ${group}`));

    // The rest, exactly: what the first run released comes again, delivered a second time.
    const rest = shareConsume(topic, group, ['--workers', '2', '--num-records', String(100_000 - settled), '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    const second = JSON.parse(rest.stdout) as ShareConsumeResult;
    expect(second.accounting).toMatchObject({ settled: 100_000 - settled, availableRecords: 100_000 - settled, brokerSettled: 100_000 - settled, match: true });
    // Released records come back: a second delivery of some (Kafka 4.4 did not count every delivery released as a session closed).
    expect(interrupted.acknowledgements.released).toBeGreaterThan(0);
    expect(second.acknowledgements.deliveryCounts[1]).toBeGreaterThan(0);
    expect(second.acknowledgements.deliveryCounts[1]).toBeLessThanOrEqual(interrupted.acknowledgements.released);
    expect(await brokerLag(group, topic)).toEqual(new Array(PARTITIONS).fill(0));
  }, 240_000);

  it('a share consumer killed mid-run: the records it held come back to the group after their lock, and the next run settles them all', async () => {
    const topic = produced('share-killed', 100_000);
    const group = `${topic}-sg`;
    // The shortest lock a broker allows by default (group.share.min.record.lock.duration.ms): the test waits for it once.
    await setGroupConfig(bootstrap, PLAINTEXT, group, 'share.record.lock.duration.ms', '15000');
    const doomed = startCli(['consume', '--bootstrap-server', server, '--topic', topic, '--share-group', group, '--num-records', '100000', '--timeout', '120000']);
    // Let run 50 ms at a time, stopped (SIGSTOP) between, until the group has settled some records; then killed
    // (SIGKILL: no release, no close) while stopped, it holds the ones it acquired last. A free run, read between
    // lag polls, could read all 100,000 on a fast machine first (it did in CI).
    const deadline = Date.now() + 120_000;
    for (let settledSome = false; !settledSome;) {
      expect(Date.now()).toBeLessThan(deadline);
      doomed.resume();
      await new Promise((resolve) => setTimeout(resolve, 50));
      doomed.pause();
      const lags = await brokerLag(group, topic);
      settledSome = lags.every((lag) => lag >= 0) && lags.reduce((a, b) => a + b, 0) < 100_000;
    }
    doomed.kill();
    await doomed.exited;
    // The share coordinator writes the last acknowledgements a moment after the broker applied them: a lag that holds for a second.
    let left = -1;
    for (let previous = -2; left !== previous;) {
      previous = left;
      await new Promise((resolve) => setTimeout(resolve, 1000));
      left = (await brokerLag(group, topic)).reduce((a, b) => a + b, 0);
    }
    expect(left).toBeGreaterThan(0);
    const rest = shareConsume(topic, group, ['--workers', '2', '--num-records', String(left), '--timeout', '90000', '--json']);
    expect(rest.code, rest.stderr).toBe(0);
    const result = JSON.parse(rest.stdout) as ShareConsumeResult;
    expect(result.accounting).toMatchObject({ settled: left, brokerSettled: left, match: true });
    expect(result.acknowledgements.accepted).toBe(left);
    // The killed consumer's records were delivered to it once: here they come a second time.
    expect(result.acknowledgements.deliveryCounts[1]).toBeGreaterThan(0);
    expect(await brokerLag(group, topic)).toEqual(new Array(PARTITIONS).fill(0));
  }, 300_000);
});
