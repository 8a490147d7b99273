import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterState, type ClusterState } from '../../src/cluster/launcher.js';
import { requirePartitionSupport } from '../../src/cluster/node-isolation.js';
import { createKafka, describeBrokers } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { eventually, ownClusterDir, runCli, startCli, startOwnCluster, stopOwnCluster, uniqueTopic, until } from '../helpers.js';

/**
 * The faults a real cluster has, through the real CLI on a cluster of this file's own (its own ports and folder:
 * these tests pause, cut off, kill and restart brokers, which the shared cluster must not see). Each test ends with
 * the cluster whole again: every node listed by the metadata and every partition's replicas in sync. No timing is
 * asserted: the faults' effects are polled for.
 */
const dir = ownClusterDir('node-faults');
const layout = { brokers: 3, basePort: 28492, controllerBasePort: 18492 };
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await startOwnCluster(dir, layout);
  // The CLIs these tests start act on this cluster (--fault acts on the local one).
  process.env.DATASTORM_CLUSTER_DIR = dir;
});
afterAll(() => stopOwnCluster(dir, cluster));

/** Why partition-node cannot run on this machine (no nft, no CAP_NET_ADMIN), or undefined: then its test must run. */
const partitionUnavailable = (() => {
  try {
    requirePartitionSupport();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
})();

const server = () => cluster.bootstrap.join(',');
const addressOf = (node: number) => `127.0.0.1:${layout.basePort + node - 1}`;
const pidOf = (node: number) => readClusterState(dir)!.nodes.find((n) => n.id === node)!.pid;
/** The process's state letter in /proc (T: stopped by a signal). */
const processState = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
const nftTableExists = (table: string) => spawnSync('nft', ['list', 'table', 'inet', table]).status === 0;

/** Each partition's leader and in-sync replicas, as the given brokers' metadata says. */
async function partitionsOf(topic: string, brokers = cluster.bootstrap): Promise<Array<{ leader: number; isr: number[]; replicas: number[] }>> {
  const admin = createKafka(brokers, 'datastorm-node-faults-test').admin();
  await admin.connect();
  try {
    const { topics: [{ partitions }] } = await admin.fetchTopicMetadata({ topics: [topic] });
    return [...partitions].sort((a, b) => a.partitionId - b.partitionId).map(({ leader, isr, replicas }) => ({ leader, isr, replicas }));
  } finally {
    await admin.disconnect();
  }
}

/** The node is listed by the metadata again and every partition of the topic has all its replicas in sync. */
async function expectWhole(topic: string): Promise<void> {
  const listed = await eventually(() => describeBrokers(cluster.bootstrap).then((b) => b.map((broker) => broker.nodeId), () => []),
    (ids) => ids.length === layout.brokers, 90_000);
  expect(listed).toEqual([1, 2, 3]);
  const partitions = await eventually(() => partitionsOf(topic).catch(() => []), (ps) => ps.length > 0 && ps.every((p) => p.isr.length === p.replicas.length), 90_000);
  expect(partitions.map((p) => p.isr.length)).toEqual(partitions.map((p) => p.replicas.length));
}

/** Records on the broker, read apart from DataStorm's own accounting. */
async function recordsOnBroker(topic: string): Promise<number> {
  const admin = createKafka(cluster.bootstrap, 'datastorm-node-faults-count').admin();
  await admin.connect();
  try {
    return await topicEndOffsetTotal(admin, topic);
  } finally {
    await admin.disconnect();
  }
}

/** The active controller as Kafka's own tool names it (kafka-metadata-quorum). */
function quorumLeader(): number {
  const run = runCli(['kafka-tool', 'metadata-quorum', '--', '--bootstrap-server', server(), 'describe', '--status'], { timeoutMs: 60_000 });
  expect(run.code, run.stderr).toBe(0);
  return Number(/^LeaderId:\s+(\d+)$/m.exec(run.stdout)![1]);
}

/** A produce run of the test's in the background, with --json, on a topic of 6 partitions, with a fault plan. */
function produceWithFault(topic: string, duration: string, fault: string) {
  return startCli(['produce', '--bootstrap-server', server(), '--topic', topic, '--duration', duration, '--throughput', '4000', '--workers', '2',
    '--partitions', '6', '--json', '--reporting-interval', '1000', '--fault', fault]);
}

/** The run's end: exit 0, its accounting exact, and the topic holding what it had before plus every record acknowledged. */
async function endedExact(run: ReturnType<typeof startCli>, topic: string, before = 0): Promise<ProduceResult> {
  const code = await run.exited;
  const { stdout, stderr } = run.output;
  expect(stderr).not.toMatch(/\n\s+at /);
  expect(code, stderr).toBe(0);
  const result = JSON.parse(stdout) as ProduceResult;
  expect(result.accounting.match, stderr).toBe(true);
  expect(await recordsOnBroker(topic)).toBe(before + result.totals.records);
  return result;
}

describe('faults a real cluster has, in --fault plans', () => {
  it('pause-node: the JVM is stopped while the fault lasts, resumed after it, and every acknowledged record is on the broker', async () => {
    const topic = uniqueTopic('pause');
    const pid = pidOf(2);
    const run = produceWithFault(topic, '30s', 'pause-node 2 at 5s for 15s');
    // SIGSTOP: the kernel shows the JVM stopped (T) while the fault lasts.
    await until(() => processState(pid) === 'T', 'node 2 paused', 90_000);
    const result = await endedExact(run, topic);
    expect(processState(pid)).not.toBe('T');
    expect(pidOf(2)).toBe(pid); // the same process, resumed
    const [event] = result.faults!.events;
    expect([event.action, event.node, event.atMs, event.forMs, event.error, event.healError, event.healedAtRunEnd])
      .toEqual(['pause-node', 2, 5000, 15_000, undefined, undefined, undefined]);
    expect(event.healedAtMs! - event.doneAtMs!).toBeGreaterThanOrEqual(15_000);
    expect(run.output.stderr).toMatch(/^faults: pause-node 2 at 5\.0 s for 15\.0 s: done at \d+\.\d s, healed at \d+\.\d s$/m);
    expect(run.output.stderr).toMatch(/^longest stall: /m);
    await expectWhole(topic);
  }, 150_000);

  it.skipIf(partitionUnavailable !== undefined)(`partition-node: the node is cut off both ways while it runs, then healed${
    partitionUnavailable ? ` (skipped: ${partitionUnavailable})` : ''}`, async () => {
    const topic = uniqueTopic('partition');
    const pid = pidOf(2);
    const table = `datastorm_node_${layout.basePort + 1}`;
    const run = produceWithFault(topic, '35s', 'partition-node 2 at 5s for 20s');
    await until(() => nftTableExists(table), 'node 2\'s rules', 90_000);
    // From clients: a request to node 2 goes unanswered, while node 1 answers.
    await expect(describeBrokers([addressOf(2)], { timeoutMs: 5000 })).rejects.toThrow();
    expect((await describeBrokers([addressOf(1)], { timeoutMs: 10_000 })).map((b) => b.nodeId)).toContain(1);
    // From the other nodes: they drop node 2 from every ISR (the controller fenced it: no heartbeat came).
    const cutOff = await eventually(() => partitionsOf(topic, [addressOf(1), addressOf(3)]).catch(() => []),
      (ps) => ps.length > 0 && ps.every((p) => !p.isr.includes(2)), 30_000);
    expect(cutOff.filter((p) => p.isr.includes(2))).toEqual([]);
    expect(processState(pid)).not.toBe('T'); // it kept running

    const result = await endedExact(run, topic);
    expect(nftTableExists(table)).toBe(false);
    expect(pidOf(2)).toBe(pid);
    const [event] = result.faults!.events;
    expect([event.action, event.node, event.forMs, event.error, event.healError]).toEqual(['partition-node', 2, 20_000, undefined, undefined]);
    expect(run.output.stderr).toMatch(/^faults: partition-node 2 at 5\.0 s for 20\.0 s: done at \d+\.\d s, healed at \d+\.\d s$/m);
    await expectWhole(topic);
  }, 150_000);

  it('kill-controller kills the node that is the active controller at that moment', async () => {
    const topic = uniqueTopic('controller');
    const controller = quorumLeader();
    const result = await endedExact(produceWithFault(topic, '12s', 'kill-controller at 3s'), topic);
    const [event] = result.faults!.events;
    expect([event.action, event.node, event.error]).toEqual(['kill-controller', controller, undefined]);
    expect(quorumLeader()).not.toBe(controller);
    const back = runCli(['cluster', 'start-node', String(controller), '--dir', dir], { timeoutMs: 150_000 });
    expect(back.code, back.stderr).toBe(0);
    await expectWhole(topic);
    // A run, a node's start and its catching up: at load average 20 they passed 150 s.
  }, 330_000);

  it('kill-leader P kills the leader of partition P of the run\'s topic at that moment', async () => {
    const topic = uniqueTopic('leader');
    const made = runCli(['produce', '--bootstrap-server', server(), '--topic', topic, '--num-records', '1000', '--partitions', '6']);
    expect(made.code, made.stderr).toBe(0);
    const [{ leader }] = await partitionsOf(topic);
    const run = produceWithFault(topic, '12s', 'kill-leader 0 at 3s');
    const result = await endedExact(run, topic, 1000);
    const [event] = result.faults!.events;
    expect([event.action, event.partition, event.node, event.error]).toEqual(['kill-leader', 0, leader, undefined]);
    expect(run.output.stderr).toMatch(new RegExp(`^faults: kill-leader 0 at 3\\.0 s: node ${leader}, done at \\d+\\.\\d s$`, 'm'));
    const [moved] = await partitionsOf(topic, cluster.bootstrap.filter((address) => address !== addressOf(leader)));
    expect(moved.leader).not.toBe(leader);
    const back = runCli(['cluster', 'start-node', String(leader), '--dir', dir], { timeoutMs: 150_000 });
    expect(back.code, back.stderr).toBe(0);
    await expectWhole(topic);
  }, 330_000);

  it('a fault still on when the run is interrupted is healed: one Ctrl-C, or two (the process exits at once)', async () => {
    const pid = pidOf(3);
    for (const presses of [1, 2]) {
      const run = produceWithFault(uniqueTopic('healed'), '60s', 'pause-node 3 at 1s for 60s');
      await until(() => processState(pid) === 'T', 'node 3 paused', 60_000);
      for (let press = 0; press < presses; press++) run.interrupt();
      const code = await run.exited;
      expect(code, run.output.stderr).toBe(130);
      expect(processState(pid), `after ${presses} Ctrl-C`).not.toBe('T');
    }
    expect(pidOf(3)).toBe(pid);
  }, 150_000);

  it('a plan that is not the grammar is one line before any work', () => {
    const run = runCli(['produce', '--bootstrap-server', server(), '--num-records', '10', '--fault', 'pause-node 2 at 5s']);
    expect([run.code, run.stderr.trim()]).toEqual([1, 'error DS_BAD_OPTION: --fault "pause-node 2 at 5s": "pause-node 2 at 5s" is not ' +
      '"pause-node <node> at <time> for <duration>" (for example --fault \'kill-node 2 at 10s; start-node 2 at 25s\' or \'pause-node 2 at 5s for 15s\' ' +
      '(times since the run\'s start: ms, s or m))']);
  });
});

describe('the same faults as cluster subcommands', () => {
  let topic: string;
  beforeAll(() => {
    topic = uniqueTopic('subcommands');
    const made = runCli(['produce', '--bootstrap-server', server(), '--topic', topic, '--num-records', '1000', '--partitions', '3']);
    expect(made.code, made.stderr).toBe(0);
  });

  it('pause-node --for pauses the node and resumes it, saying so; a node the cluster does not have is one line', () => {
    const paused = runCli(['cluster', 'pause-node', '2', '--for', '2s', '--dir', dir]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stderr).toMatch(/^node 2 paused \(SIGSTOP\) for 2\.0 s\nnode 2 resumed \(SIGCONT\) after 2\.\d s\n$/);
    expect(processState(pidOf(2))).not.toBe('T');
    const unknown = runCli(['cluster', 'pause-node', '7', '--for', '1s', '--dir', dir]);
    expect([unknown.code, unknown.stderr.trim().split('\n').at(-1)]).toEqual([1, 'error DS_BAD_OPTION: node 7 is not in the cluster (nodes 1, 2, 3)']);
  });

  it('kill-controller kills the active controller, whichever node it is', async () => {
    const controller = quorumLeader();
    const killed = runCli(['cluster', 'kill-controller', '--dir', dir]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stderr).toMatch(new RegExp(`^node ${controller}, the active controller, killed \\(SIGKILL\\), down after \\d+ ms\\n$`));
    expect(runCli(['cluster', 'start-node', String(controller), '--dir', dir], { timeoutMs: 150_000 }).code).toBe(0);
    await expectWhole(topic);
  }, 150_000);

  it('kill-leader <topic> <partition> kills the partition\'s leader', async () => {
    const [{ leader }] = await partitionsOf(topic);
    const killed = runCli(['cluster', 'kill-leader', topic, '0', '--dir', dir]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stderr).toMatch(new RegExp(`^node ${leader}, the leader of ${topic} partition 0, killed \\(SIGKILL\\), down after \\d+ ms\\n$`));
    expect(runCli(['cluster', 'start-node', String(leader), '--dir', dir], { timeoutMs: 150_000 }).code).toBe(0);
    await expectWhole(topic);
  }, 150_000);

  it('restart-all restarts every node in turn, each once the partitions are in sync again', async () => {
    const pidsBefore = [1, 2, 3].map(pidOf);
    // Each node waits for every partition to be in sync again: 74 s for one node at load average 20.
    const restarted = runCli(['cluster', 'restart-all', '--dir', dir], { timeoutMs: 480_000 });
    expect(restarted.code, restarted.stderr).toBe(0);
    const lines = restarted.stderr.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('restart-all: node '))).toEqual([1, 2, 3].map((id) => expect.stringMatching(
      new RegExp(`^restart-all: node ${id} restarted, every partition in sync after \\d+\\.\\d s$`))));
    expect(lines.at(-1)).toMatch(/^restart-all: nodes 1, 2, 3 restarted in turn in \d+\.\d s, every partition in sync$/);
    // Each node is a new process.
    expect([1, 2, 3].map(pidOf).filter((pid, i) => pid === pidsBefore[i])).toEqual([]);
    await expectWhole(topic);
  }, 540_000);
});
