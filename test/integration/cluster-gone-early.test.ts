import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/launcher.js';
import { SUMMARY_HEADER } from '../../src/consume/consume-report.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { createTopicsSettled, ownClusterDir, PERF_WINDOW_LINE, runCli, startCli, startOwnCluster, stopOwnCluster, uniqueTopic, until } from '../helpers.js';

/**
 * Every broker gone early in a run (stopped by another process, `cluster down`): what the reports say then.
 * Each test stops the cluster, so each starts its own 1-broker one afresh, on ports of this file only; no
 * timing is asserted.
 */
const dir = ownClusterDir('cluster-gone-early');
// Every port below the kernel's ephemeral range (32768-60999): there a client's own connection can hold it.
const layout = { brokers: 1, basePort: 29792, controllerBasePort: 19792 };
let cluster: ClusterState;
let server: string;

beforeEach(async () => {
  cluster = await startOwnCluster(dir, layout);
  server = cluster.bootstrap.join(',');
}, 180_000);
afterAll(async () => {
  await stopOwnCluster(dir, cluster);
});

function stopTheCluster(): void {
  const down = runCli(['cluster', 'down', '--dir', dir]);
  expect(down.code, down.stderr).toBe(0);
}

describe('every broker gone early in a run', () => {
  it('consume, gone before the first fetch, prints 0 for the rates of nothing, never NaN', async () => {
    const topic = uniqueTopic('early-consume');
    const admin = createKafka(cluster.bootstrap, 'datastorm-gone-early-test').admin();
    await admin.connect();
    await createTopicsSettled(admin, [{ topic, numPartitions: 1, replicationFactor: 1 }]);
    await admin.disconnect();
    // An empty topic: whenever the cluster goes, nothing was fetched.
    const run = startCli(['consume', '--bootstrap-server', server, '--topic', topic, '--num-records', '100', '--timeout', '5000']);
    await until(() => run.output.stdout.includes(SUMMARY_HEADER), 'the header');
    stopTheCluster();
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output;
    expect(stdout + stderr).not.toContain('NaN');
    const columns = stdout.trimEnd().split('\n').at(-1)!.split(', ');
    expect([columns[2], columns[3], columns[4], columns[5], columns[8], columns[9]]).toEqual(['0.0000', '0.0000', '0', '0.0000', '0.0000', '0.0000']);
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^error DS_ACCOUNTING_UNCHECKED: group \S+'s committed offsets could not be read after the run: /);
  }, 180_000);

  it('produce says what happened to its failed records (the broker refused connections), not a kafkajs class', async () => {
    const topic = uniqueTopic('early-produce');
    const run = startCli(['produce', '--bootstrap-server', server, '--topic', topic, '--duration', '120s', '--throughput', '2000',
      '--partitions', '1', '--replication', '1', '--workers', '1', '--reporting-interval', '500']);
    await until(() => PERF_WINDOW_LINE.test(run.output.stdout.split('\n')[0]), 'a window line');
    stopTheCluster();
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output;
    expect(stdout + stderr).not.toContain('KafkaJS');
    expect(stderr).toMatch(new RegExp(`^errors: \\d+ records failed \\(.*"Connection error: connect ECONNREFUSED ${server.replace(/\./g, '\\.')}": \\d+.*\\)$`, 'm'));
    expect(stderr.trimEnd().split('\n').at(-1)).toMatch(/^error DS_BROKER_LOST: no acknowledgement for \d+ s; last error: Connection error: connect ECONNREFUSED /);
  }, 180_000);
});
