import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/launcher.js';
import { SUMMARY_HEADER } from '../../src/consume/consume-report.js';
import type { SinkStats } from '../../src/drain/sink-server.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { CLI, eventually, ownClusterDir, runCli, startCli, startOwnCluster, stopOwnCluster, uniqueTopic, until } from '../helpers.js';

/**
 * A cluster gone in the middle of a run (its brokers stopped by another process, `cluster down`): the run still
 * prints its report, says its accounting was NOT CHECKED against offsets it could not read, and exits with
 * DS_ACCOUNTING_UNCHECKED. Each test stops the cluster, so each starts its own 1-broker one afresh, on ports of
 * this file; no timing is asserted.
 */
const dir = ownClusterDir('cluster-gone');
// Every port below the kernel's ephemeral range (32768-60999): there a client's own connection can hold it.
const layout = { brokers: 1, basePort: 29292, controllerBasePort: 19292 };
const SINK_PORT = 29391;
let cluster: ClusterState;
let server: string;
let sink: ChildProcess | undefined;

beforeEach(async () => {
  cluster = await startOwnCluster(dir, layout);
  server = cluster.bootstrap.join(',');
}, 180_000);
afterAll(async () => {
  sink?.kill('SIGTERM');
  await stopOwnCluster(dir, cluster);
});

/** A topic of `records` records, written by the product's own produce. */
function producedTopic(prefix: string, records: number): string {
  const topic = uniqueTopic(prefix);
  const out = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records), '--record-size', '100',
    '--keys', 'random', '--partitions', '3', '--replication', '1', '--workers', '1']);
  expect(out.code, out.stderr).toBe(0);
  return topic;
}

/** Polls the cluster (with a client closed before the cluster goes) until `ready` holds. */
async function untilCluster(ready: (admin: ReturnType<ReturnType<typeof createKafka>['admin']>) => Promise<boolean>, what: string): Promise<void> {
  const admin = createKafka(cluster.bootstrap, 'datastorm-gone-test').admin();
  await admin.connect();
  try {
    expect(await eventually(() => ready(admin), (ok) => ok, 60_000), what).toBe(true);
  } finally {
    await admin.disconnect();
  }
}

/** Stops every broker as another process would, while the run goes on. */
function stopTheCluster(): void {
  const down = runCli(['cluster', 'down', '--dir', dir]);
  expect(down.code, down.stderr).toBe(0);
}

/** The run's end: its exit code, no stack trace, and the error line of an accounting not checked, last. */
function expectUnchecked(code: number | null, stderr: string, what: string): void {
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(code, stderr).toBe(1);
  expect(stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^error DS_ACCOUNTING_UNCHECKED: ${what} could not be read after the run: .+`));
}

describe('a cluster gone in the middle of a run', () => {
  it('consume prints its summary line and an accounting NOT CHECKED, and exits with DS_ACCOUNTING_UNCHECKED', async () => {
    const topic = producedTopic('gone-consume', 20_000);
    const group = `${topic}-g`;
    // More records than the topic holds: the run is still waiting for records when the cluster goes.
    const run = startCli(['consume', '--bootstrap-server', server, '--topic', topic, '--group', group, '--num-records', '40000', '--timeout', '20000']);
    await until(() => run.output.stdout.includes(SUMMARY_HEADER), 'the header');
    await untilCluster(async (admin) => (await admin.describeGroups([group])).groups[0].state === 'Stable', 'the group to settle');
    stopTheCluster();
    const code = await run.exited;
    const { stdout, stderr } = run.output;
    // The header, the --timeout warning when no record came for that long before the consumers noticed, the summary.
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(SUMMARY_HEADER);
    const counted = Number(lines.at(-1)!.split(', ')[4]);
    expect(counted).toBeLessThanOrEqual(20_000);
    expect(stderr).toContain(`accounting: NOT CHECKED: ${counted} records counted; group ${group}'s committed offsets could not be read after the run (`);
    expectUnchecked(code, stderr, `group ${group}'s committed offsets`);
  }, 180_000);

  it('e2e prints its latency, producer and NOT CHECKED accounting lines, and exits with DS_ACCOUNTING_UNCHECKED', async () => {
    const topic = uniqueTopic('gone-e2e');
    const run = startCli(['e2e', '--bootstrap-server', server, '--topic', topic, '--rate', '200', '--duration', '10s', '--timeout', '5000',
      '--partitions', '3', '--replication', '1', '--json']);
    await until(() => run.output.stderr.includes('producing 200 records/s'), 'the group to settle', 90_000);
    await untilCluster(async (admin) => (await topicEndOffsetTotal(admin, topic)) > 0, 'records on the topic');
    stopTheCluster();
    const code = await run.exited;
    const { stdout, stderr } = run.output;
    const result = JSON.parse(stdout) as { producer: { records: number }; consumer: { records: number }; accounting: Record<string, unknown> };
    expect(result.producer.records).toBeGreaterThan(0);
    // The offset not read is NaN in the result: null in JSON, never a stand-in reading.
    expect(result.accounting.brokerOffsetGrowth).toBeNull();
    expect(result.accounting.match).toBe(false);
    expect(stderr).toMatch(/^\d+ records end to end, /m);
    expect(stderr).toMatch(new RegExp(`^produced ${result.producer.records} records in `, 'm'));
    expect(stderr).toContain(`accounting: NOT CHECKED: ${result.producer.records} acknowledged, ${result.consumer.records} consumed; ` +
      `${topic}'s end offsets could not be read after the run (`);
    expectUnchecked(code, stderr, `${topic}'s end offsets`);
  }, 180_000);

  it('drain prints its summary and an accounting NOT CHECKED, and exits with DS_ACCOUNTING_UNCHECKED', async () => {
    const topic = producedTopic('gone-drain', 20_000);
    const group = `${topic}-g`;
    sink = spawn(process.execPath, [CLI, 'sink', '--port', String(SINK_PORT), '--latency', '20ms'], { stdio: 'ignore' });
    const stats = async () => (await fetch(`http://127.0.0.1:${SINK_PORT}/stats?topic=${topic}`).then((r) => r.json(), () => ({ records: 0 }))) as SinkStats;
    // drain checks its sink before its first record, as a user starts the sink first.
    await eventually(() => fetch(`http://127.0.0.1:${SINK_PORT}/stats`).then((r) => r.ok, () => false), (up) => up, 30_000);
    // 4 lanes of 20 ms calls take 100 s for the backlog: the drain is delivering when the cluster goes.
    const run = startCli(['drain', '--bootstrap-server', server, '--topic', topic, '--group', group, '--sink', `http://127.0.0.1:${SINK_PORT}`,
      '--size', '4', '--from-beginning', '--duration', '30s', '--lag-interval', '500ms']);
    expect(await eventually(stats, (s) => s.records > 0, 90_000).then((s) => s.records)).toBeGreaterThan(0);
    stopTheCluster();
    const code = await run.exited;
    const { stdout, stderr } = run.output;
    const delivered = Number(/^delivered (\d+) records in /m.exec(stdout)?.[1]);
    expect(delivered).toBeGreaterThan(0);
    expect((await stats()).records).toBe(delivered);
    // What the commit is checked against: the records acknowledged in contiguous prefixes, at most those delivered.
    const prefix = Number(new RegExp(`^accounting: NOT CHECKED: (\\d+) records acknowledged by the sink in contiguous prefixes; group ${group}'s committed offsets ` +
      'could not be read after the run \\(.+\\)$', 'm').exec(stderr)?.[1]);
    expect(prefix).toBeLessThanOrEqual(delivered);
    expectUnchecked(code, stderr, `group ${group}'s committed offsets`);
  }, 180_000);

  it('lag prints the summary of the samples taken and says the rest was NOT CHECKED, exiting with DS_ACCOUNTING_UNCHECKED', async () => {
    const topic = producedTopic('gone-lag', 100);
    const group = `${topic}-g`;
    const run = startCli(['lag', '--bootstrap-server', server, '--group', group, '--topic', topic, '--interval', '500ms', '--duration', '120s']);
    await until(() => run.output.stderr.split('\n').filter((line) => / s +100 /.test(line)).length >= 2, 'two samples', 90_000);
    stopTheCluster();
    const code = await run.exited;
    const { stdout, stderr } = run.output;
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/^peak lag 100 records at \d+\.\d s; .*final lag 100 \(\d+ samples\)$/m);
    expect(stderr).toMatch(new RegExp(`^lag: NOT CHECKED after \\d+ samples: group ${group}'s offsets could not be read \\(.+\\); the summary is of the samples before$`, 'm'));
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(new RegExp(`^error DS_ACCOUNTING_UNCHECKED: group ${group}'s offsets could not be read after \\d+ samples: .+`));
  }, 180_000);
});
