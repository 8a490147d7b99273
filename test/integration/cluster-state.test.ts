import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readClusterState, type ClusterState } from '../../src/cluster/launcher.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { ownClusterDir, runCli, startCli, startOwnCluster, stopOwnCluster, uniqueTopic } from '../helpers.js';

/**
 * The state of a local cluster under commands that change it together (three `start-node` at once) and when it is
 * stale: `down` still stops every JVM of the folder. Its own 3-node cluster (3 controllers) on ports of this file only,
 * below the kernel's ephemeral range (32768-60999), where a client's own connection could hold them.
 */
const dir = ownClusterDir('cluster-state');
const layout = { brokers: 3, basePort: 29592, controllerBasePort: 19592 };
/** Above Linux's largest pid_max (2^22): never a process. */
const DEAD_PID = 2 ** 22 + 1;
let cluster: ClusterState | undefined;

beforeEach(async () => {
  if (!readClusterState(dir)) cluster = await startOwnCluster(dir, layout);
}, 180_000);
afterAll(async () => {
  // A failed test can leave JVMs the state does not name: stopped here whatever the product did.
  for (const pid of nodeJvms().values()) process.kill(pid, 'SIGKILL');
  await stopOwnCluster(dir, cluster);
});

/** The java processes running a node of this folder, by node id, read from /proc as `ps` would (not with the product's code). */
function nodeJvms(): Map<number, number> {
  const jvms = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number)) {
    let args: string[];
    try {
      if (/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue; // a zombie is not running
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended while read
    }
    const config = args[args.indexOf('kafka.Kafka') + 1] ?? '';
    const node = new RegExp(`^${dir}/node-(\\d+)/server\\.properties$`).exec(config);
    if (args[0] === 'java' && node) {
      expect(jvms.has(Number(node[1])), `two JVMs of node ${node[1]}`).toBe(false);
      jvms.set(Number(node[1]), pid);
    }
  }
  return jvms;
}

const pidsOfState = () => new Map(readClusterState(dir)!.nodes.map((node) => [node.id, node.pid]));

describe('--fault on the local cluster named by --bootstrap-server', () => {
  const env = { DATASTORM_CLUSTER_DIR: dir };
  // A start-node of a running node, timed long after the run's end: never reached, and harmless if it were.
  const fault = ['--fault', 'start-node 1 at 10m'];

  it('is accepted with one of its addresses, or its host named localhost, and the run\'s records are on the broker', async () => {
    const bootstrap = readClusterState(dir)!.bootstrap;
    for (const server of [bootstrap[1], `localhost:${layout.basePort}`]) {
      const topic = uniqueTopic('fault-target');
      const run = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '1000', '--record-size', '100',
        '--partitions', '3', '--replication', '3', '--workers', '1', ...fault], { env });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('faults: start-node 1 at 600.0 s');
      const admin = createKafka(bootstrap, 'datastorm-fault-target-test').admin();
      await admin.connect();
      try {
        expect(await topicEndOffsetTotal(admin, topic)).toBe(1000);
      } finally {
        await admin.disconnect();
      }
    }
  }, 180_000);

  it('is refused, in one line and before any record, when an address is not the local cluster\'s', () => {
    const bootstrap = readClusterState(dir)!.bootstrap;
    for (const [server, foreign] of [[`127.0.0.1:${layout.basePort + 7}`, `127.0.0.1:${layout.basePort + 7}`], [`${bootstrap[0]},10.255.255.1:9092`, '10.255.255.1:9092']]) {
      const run = runCli(['produce', '--bootstrap-server', server, '--topic', uniqueTopic('fault-foreign'), '--num-records', '1000', ...fault], { env });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(
        new RegExp(`^error DS_BAD_OPTION: --fault acts on the local cluster \\(${bootstrap.join(',')}\\); ${foreign} is not one of its addresses \\(`))]);
    }
  });
});

describe('the state of a local cluster', () => {
  it('keeps every pid when three start-node commands run at once, and down then stops every JVM', async () => {
    for (const id of [1, 2, 3]) {
      const killed = runCli(['cluster', 'kill-node', String(id), '--dir', dir]);
      expect(killed.code, killed.stderr).toBe(0);
    }
    expect(nodeJvms().size).toBe(0);
    // The lock of a command that died holding it (its pid is no process): taken over, not waited for.
    writeFileSync(join(dir, 'cluster.json.lock'), `${DEAD_PID}\n`);
    // Together: one controller alone has no quorum, so none of them is listed until the three run.
    const starts = [1, 2, 3].map((id) => startCli(['cluster', 'start-node', String(id), '--dir', dir]));
    const codes = await Promise.all(starts.map((start) => start.exited));
    expect(codes, starts.map((start) => start.output.stderr).join('')).toEqual([0, 0, 0]);

    const jvms = nodeJvms();
    expect(jvms.size).toBe(3);
    expect(pidsOfState()).toEqual(jvms);
    const status = runCli(['cluster', 'status', '--dir', dir, '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as { nodes: Array<{ id: number; pid: number; alive: boolean }> }).nodes.map(({ id, pid, alive }) => [id, pid, alive]))
      .toEqual([1, 2, 3].map((id) => [id, jvms.get(id), true]));

    const down = runCli(['cluster', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toBe(`cluster down: stopped pids ${[1, 2, 3].map((id) => jvms.get(id)).join(', ')}\n`);
    expect(nodeJvms().size).toBe(0);
    expect(readClusterState(dir)).toBeUndefined();
  }, 240_000);

  it('down stops every JVM of the folder when the state names none of them', () => {
    const jvms = nodeJvms();
    expect(jvms.size).toBe(3);
    const state = readClusterState(dir)!;
    // Stale: pids that are no process, and one that is another program (this test).
    const stale = [DEAD_PID, process.pid, DEAD_PID - 1];
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ ...state, nodes: state.nodes.map((node, i) => ({ ...node, pid: stale[i] })) }));

    const down = runCli(['cluster', 'down', '--dir', dir]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stderr).toBe(`cluster down: stopped pids ${[1, 2, 3].map((id) => jvms.get(id)).join(', ')}\n`);
    expect(nodeJvms().size).toBe(0);
    expect(readClusterState(dir)).toBeUndefined();
  }, 120_000);
});
