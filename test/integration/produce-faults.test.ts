import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/launcher.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { ConsumeResult } from '../../src/consume/consume.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import {
  CLI, PERF_SUMMARY_LINE, PERF_WINDOW_LINE, consumeAll, ownClusterDir, runCli, startOwnCluster, stopOwnCluster, uniqueTopic,
} from '../helpers.js';

// Its own 3-node cluster (its own ports and folder): these tests kill a broker, which the shared cluster must not see.
const dir = ownClusterDir('faults');
const layout = { brokers: 3, basePort: 9392, controllerBasePort: 19392 };
let cluster: ClusterState;

beforeAll(async () => { cluster = await startOwnCluster(dir, layout); });
afterAll(() => stopOwnCluster(dir, cluster));

const nodeCommand = (name: string, id: number) => runCli(['cluster', name, String(id), '--dir', dir], { timeoutMs: 150_000 });

/** Every partition of the topic has all its replicas in sync again (polled: the broker's own catching up). */
async function isrComplete(topic: string, timeoutMs: number): Promise<boolean> {
  const admin = createKafka(cluster.bootstrap, 'datastorm-faults-isr').admin();
  await admin.connect();
  try {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
      const { topics: [{ partitions }] } = await admin.fetchTopicMetadata({ topics: [topic] });
      if (partitions.every((p) => p.isr.length === p.replicas.length)) return true;
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}

describe('a broker killed in the middle of a run', () => {
  it('with default options (idempotent, acks=all) ends with exit 0 and exactly the records acknowledged on the broker', async () => {
    const topic = uniqueTopic('faults');
    const records = 300_000;
    const child = spawn(process.execPath, [CLI, 'produce', '--bootstrap-server', cluster.bootstrap.join(','),
      '--topic', topic, '--num-records', String(records), '--workers', '2', '--partitions', '6', '--reporting-interval', '500']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await Promise.race([exited, new Promise<void>((resolve) => child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (PERF_WINDOW_LINE.test(stdout.split('\n')[0])) resolve();
    }))]);
    expect(child.exitCode, stderr).toBeNull(); // still running at its first window line
    const killed = nodeCommand('kill-node', 3);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stderr).toMatch(/^node 3 killed \(SIGKILL\), down after \d+ ms$/m);

    const code = await exited;
    expect(Date.now() - started).toBeLessThan(180_000);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain(`accounting: ${records} records acknowledged = ${records} records added`);
    expect(stderr).toContain(', acks all, idempotent,');
    expect(stdout.split('\n').some((line) => PERF_SUMMARY_LINE.test(line))).toBe(true);

    // Checked apart from DataStorm's own accounting: the broker's offsets, and a consumer reading every record.
    const admin = createKafka(cluster.bootstrap, 'datastorm-faults-count').admin();
    await admin.connect();
    expect(await topicEndOffsetTotal(admin, topic)).toBe(records);
    await admin.disconnect();
    expect(await consumeAll(cluster.bootstrap, topic, records, { timeoutMs: 120_000 })).toHaveLength(records);

    // The node comes back on its data and its replicas rejoin the ISR.
    const status = runCli(['cluster', 'status', '--dir', dir]);
    expect(status.code).toBe(2);
    expect(status.stderr).toMatch(/│ 3 +│ broker,controller │ \d+ +│ 9394 +│ 19394 +│ down +│ closed/);
    const back = nodeCommand('start-node', 3);
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toMatch(/^node 3 back, listed by the metadata after \d+ ms$/m);
    expect(await isrComplete(topic, 120_000)).toBe(true);
    expect(runCli(['cluster', 'status', '--dir', dir]).code).toBe(0);
  }, 400_000);

  it('stop-node stops a node cleanly, and cluster up starts the nodes that are down instead of refusing', async () => {
    const stopped = nodeCommand('stop-node', 2);
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toMatch(/^node 2 stopped \(SIGTERM\), down after \d+ ms$/m);
    const again = nodeCommand('stop-node', 2);
    expect([again.code, again.stderr.trim()]).toEqual([1, 'error DS_NODE_DOWN: node 2 is not running (start it with `datastorm cluster start-node 2`)']);
    const unknown = nodeCommand('kill-node', 7);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([1, 'error DS_BAD_OPTION: node 7 is not in the cluster (nodes 1, 2, 3)']);
    const up = runCli(['cluster', 'up', '--dir', dir, '--brokers', '3'], { timeoutMs: 150_000 });
    expect(up.code, up.stderr).toBe(0);
    expect(up.stderr).toContain('is partly running: starting node 2 with its data');
    expect(up.stderr).toMatch(/cluster up: node 2 started again; 3 nodes/);
    expect(runCli(['cluster', 'status', '--dir', dir]).code).toBe(0);
  }, 300_000);

  it('--fault kills and restarts a node during the run and reports the stall and the recovery', () => {
    const topic = uniqueTopic('fault-plan');
    const run = runCli(['produce', '--bootstrap-server', cluster.bootstrap.join(','), '--topic', topic, '--duration', '14s',
      '--throughput', '30000', '--workers', '2', '--partitions', '6', '--json', '--reporting-interval', '1000',
      '--fault', 'kill-node 3 at 3s; start-node 3 at 7s'], { env: { DATASTORM_CLUSTER_DIR: dir }, timeoutMs: 180_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ProduceResult;
    expect(result.accounting.match).toBe(true);
    const faults = result.faults!;
    expect(faults.events.map((e) => [e.action, e.node, e.atMs, e.error])).toEqual([['kill-node', 3, 3000, undefined], ['start-node', 3, 7000, undefined]]);
    expect(faults.events.every((e) => e.doneAtMs !== undefined && e.doneAtMs >= e.atMs)).toBe(true);
    // Every acknowledged record is in the timeline the stall and the recovery are measured on.
    expect(faults.acksPerSlot.reduce((a, b) => a + b, 0)).toBe(result.totals.records);
    expect(faults.longestStall!.toMs - faults.longestStall!.fromMs).toBeGreaterThanOrEqual(1000);
    // The kill's stall: it ends after the kill and begins before the restart was done. Its start is not held to
    // 3.0 s exactly: on a busy machine a 100 ms slot just before the kill can go without an acknowledgement (2.9 s seen).
    expect(faults.longestStall!.toMs).toBeGreaterThan(3000);
    expect(faults.longestStall!.fromMs).toBeLessThan(faults.events[1].doneAtMs!);
    expect(run.stderr).toMatch(/^faults: kill-node 3 at 3\.0 s: done at \d+\.\d s; start-node 3 at 7\.0 s: done at \d+\.\d s$/m);
    expect(run.stderr).toMatch(/^longest stall: \d+\.\d s with no acknowledgement \(from \d+\.\d s to \d+\.\d s\)$/m);
    expect(run.stderr).toMatch(/^recovery: /m);
    expect(runCli(['cluster', 'status', '--dir', dir]).code).toBe(0);
    const elsewhere = runCli(['produce', '--bootstrap-server', cluster.bootstrap.join(','), '--num-records', '10', '--fault', 'kill-node 3 at 1s']);
    expect([elsewhere.code, elsewhere.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(elsewhere.stderr).toMatch(/^error DS_BAD_OPTION: --fault acts on the local cluster/);
  }, 240_000);

  it('consume --fault counts exactly through a broker kill, commits what it counted and reports the stall', () => {
    const topic = uniqueTopic('fault-consume');
    const records = 1_500_000;
    const produced = runCli(['produce', '--bootstrap-server', cluster.bootstrap.join(','), '--topic', topic, '--num-records', String(records),
      '--workers', '2', '--partitions', '6', '--batch', '1MB'], { timeoutMs: 180_000 });
    expect(produced.code, produced.stderr).toBe(0);
    const group = `g-${topic}`;
    const run = runCli(['consume', '--bootstrap-server', cluster.bootstrap.join(','), '--topic', topic, '--num-records', String(records),
      '--group', group, '--workers', '2', '--timeout', '90000', '--json', '--fault', 'kill-node 3 at 1s; start-node 3 at 5s'],
    { env: { DATASTORM_CLUSTER_DIR: dir }, timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ConsumeResult;
    expect(result.accounting).toMatchObject({ countedRecords: records, committedOffsetGrowth: records, match: true });
    expect(result.faults!.events.map((e) => [e.action, e.node, e.error])).toEqual([['kill-node', 3, undefined], ['start-node', 3, undefined]]);
    expect(result.faults!.acksPerSlot.reduce((a, b) => a + b, 0)).toBe(records);
    expect(run.stderr).toMatch(/^longest stall: (none|\d+\.\d s with no record consumed)/m);
    expect(run.stderr).toContain(`accounting: ${records} records counted, group ${group}'s committed offsets grew by ${records}: match`);
    expect(runCli(['cluster', 'status', '--dir', dir]).code).toBe(0);
  }, 300_000);

  it('e2e --fault: every acknowledged record is on the broker and consumed through a broker kill', () => {
    const run = runCli(['e2e', '--bootstrap-server', cluster.bootstrap.join(','), '--topic', uniqueTopic('fault-e2e'), '--rate', '4000',
      '--duration', '10s', '--workers', '2', '--partitions', '6', '--timeout', '90000', '--json',
      '--fault', 'kill-node 3 at 2s; start-node 3 at 5s'], { env: { DATASTORM_CLUSTER_DIR: dir }, timeoutMs: 240_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as EndToEndResult;
    // kafkajs once resolved a send whose partitions had moved to a broker that had already answered: acknowledged, never written.
    expect(result.accounting).toEqual({ producedRecords: 40_000, consumedRecords: 40_000, brokerOffsetGrowth: 40_000, match: true });
    expect(result.faults!.events.map((e) => [e.action, e.node, e.error])).toEqual([['kill-node', 3, undefined], ['start-node', 3, undefined]]);
    expect(result.faults!.acksPerSlot.reduce((a, b) => a + b, 0)).toBe(40_000);
    expect(runCli(['cluster', 'status', '--dir', dir]).code).toBe(0);
  }, 300_000);
});

