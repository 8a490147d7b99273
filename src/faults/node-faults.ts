import type { Admin } from 'kafkajs';
import { defaultClusterDir, nodeIsAlive, partitionNode, pauseNode, readClusterState, startNode, stopNode } from '../cluster/launcher.js';
import { activeController } from '../drivers/metadata-quorum.js';
import { createKafka } from '../kafka/kafka-client.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { sleepUntil } from '../shared/sleep.js';
import type { FaultStep } from './fault-plan.js';

/**
 * The faults a real cluster has, on the local cluster: each kind of --fault step, and the `cluster` subcommand of
 * the same name. A fault that lasts (pause-node, partition-node) is healed by the heal it returns, and, should the
 * process end first (an error, a second Ctrl-C), as the process exits: never a paused node or a rule left behind.
 */
export interface FaultScene {
  /** The local cluster's folder. */
  dir: string;
  /** The run's topic, whose partition kill-leader names. */
  topic?: string;
  /** Nodes paused or cut off now: not asked for metadata (a paused node holds a request until it times out). */
  impaired: Set<number>;
}

export const sceneOf = (dir = defaultClusterDir(), topic?: string): FaultScene => ({ dir, ...(topic !== undefined ? { topic } : {}), impaired: new Set() });

/** How long restart-all waits, after each node, for every partition to be back in sync before it gives up. */
export const RESTART_SYNC_TIMEOUT_MS = 120_000;

/** What a step did: the node it acted on (kill-controller and kill-leader find theirs), and the heal of a fault that lasts. */
export interface CausedFault {
  node?: number;
  heal?: () => void;
}

/** Causes one step's fault now. `signal` stops a restart-all between nodes (the node being restarted is started again first). */
export async function causeFault(step: FaultStep, scene: FaultScene, signal?: AbortSignal, log: (line: string) => void = () => undefined): Promise<CausedFault> {
  const { dir } = scene;
  switch (step.action) {
    case 'kill-node':
    case 'stop-node':
      await stopNode(step.node!, step.action === 'kill-node' ? 'kill' : 'stop', { dir });
      return { node: step.node };
    case 'start-node':
      await startNode(step.node!, { dir });
      return { node: step.node };
    case 'pause-node':
      return { node: step.node, heal: lasting(scene, step.node!, pauseNode(step.node!, { dir })) };
    case 'partition-node':
      return { node: step.node, heal: lasting(scene, step.node!, partitionNode(step.node!, { dir })) };
    case 'kill-controller':
      return { node: (await killController(scene)).node };
    case 'kill-leader':
      return { node: (await killLeader(scene, scene.topic!, step.partition!)).node };
    case 'restart-all':
      await restartAll(scene, { syncTimeoutMs: RESTART_SYNC_TIMEOUT_MS, log, signal });
      return {};
  }
}

/** A fault's heal that runs once: when called, or as the process exits before. The node counts as impaired until then. */
function lasting(scene: FaultScene, node: number, heal: () => void): () => void {
  scene.impaired.add(node);
  let healed = false;
  const once = () => {
    if (healed) return;
    healed = true;
    process.off('exit', once);
    scene.impaired.delete(node);
    heal();
  };
  process.on('exit', once);
  return once;
}

/** The local cluster's client addresses, but those of impaired nodes. */
function reachable(scene: FaultScene): string[] {
  const state = readClusterState(scene.dir);
  if (!state) throw new DataStormError('DS_NO_CLUSTER', `no cluster in ${scene.dir}`, { hint: 'start one with `datastorm cluster up`' });
  return state.nodes.filter((n) => !scene.impaired.has(n.id)).map((n) => `127.0.0.1:${n.clientPort}`);
}

/** A node killed: which, and how long it took to go (ms). */
export interface KilledNode {
  node: number;
  downMs: number;
}

/** Kills (SIGKILL) the active controller, whichever node it is now. */
export async function killController(scene: FaultScene): Promise<KilledNode> {
  const node = await activeController(reachable(scene));
  return { node, downMs: await stopNode(node, 'kill', { dir: scene.dir }) };
}

/** Kills (SIGKILL) the node that leads partition `partition` of `topic` now. */
export async function killLeader(scene: FaultScene, topic: string, partition: number): Promise<KilledNode> {
  const leader = await withAdmin(scene, async (admin) => {
    const described = await admin.fetchTopicMetadata({ topics: [topic] }).catch((error: Error) => {
      throw new DataStormError('DS_UNKNOWN_TOPIC', `topic ${topic} cannot be described (${error.message})`);
    });
    const partitions = described.topics[0].partitions;
    const found = partitions.find((p) => p.partitionId === partition);
    if (!found) throw new DataStormError('DS_BAD_OPTION', `topic ${topic} has partitions 0-${partitions.length - 1}, not ${partition}`);
    if (found.leader < 0) throw new DataStormError('DS_TOPIC_NOT_READY', `partition ${partition} of ${topic} has no leader now`);
    return found.leader;
  });
  return { node: leader, downMs: await stopNode(leader, 'kill', { dir: scene.dir }) };
}

async function withAdmin<T>(scene: FaultScene, use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(reachable(scene), 'datastorm-faults').admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The partitions, of every topic, with fewer replicas in sync than they have. */
async function underReplicated(admin: Admin): Promise<string[]> {
  const { topics } = await admin.fetchTopicMetadata();
  return topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}-${p.partitionId}`));
}

/**
 * A rolling restart: each node in turn is stopped cleanly (SIGTERM: a controlled shutdown) and started on its
 * data, and the next one only once every partition of the cluster is back in sync (no under-replicated partition),
 * as an operator restarts a cluster; a node whose partitions do not catch up within syncTimeoutMs ends it with an
 * error naming them. An abort stops it between nodes, never with a node down. Returns the nodes in the order restarted.
 */
export async function restartAll(
  scene: FaultScene, options: { syncTimeoutMs: number; log: (line: string) => void; signal?: AbortSignal },
): Promise<number[]> {
  const ids = (readClusterState(scene.dir)?.nodes ?? []).map((n) => n.id);
  const restarted: number[] = [];
  for (const id of ids) {
    if (options.signal?.aborted) {
      throw new DataStormError('DS_INTERRUPTED', `stopped after restarting ${restarted.length} of ${ids.length} nodes${restarted.length ? ` (${restarted.join(', ')})` : ''}`, {
        exitCode: INTERRUPTED_EXIT_CODE,
      });
    }
    const startedMs = Date.now();
    await stopNode(id, 'stop', { dir: scene.dir });
    await startNode(id, { dir: scene.dir });
    const lagging = await untilInSync(scene, Date.now() + options.syncTimeoutMs, options.signal);
    if (lagging.length > 0 && !options.signal?.aborted) {
      throw new DataStormError('DS_NOT_IN_SYNC', `${lagging.length} partitions still under-replicated ${options.syncTimeoutMs / 1000} s after node ${id} ` +
        `started again (${lagging.slice(0, 5).join(', ')}${lagging.length > 5 ? ', ...' : ''}); nodes after it were not restarted`, {
        hint: `look at node ${id}'s server.log; with the cluster subcommand, --sync-timeout waits longer`,
      });
    }
    restarted.push(id);
    options.log(`restart-all: node ${id} restarted, every partition in sync after ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
  }
  return restarted;
}

/** What a restore did: the nodes it started again, how long until every partition was in sync, and those still lagging at its bound. */
export interface Restored {
  startedNodes: number[];
  tookMs: number;
  lagging: string[];
}

/**
 * The local cluster back as it was before a fault: every node that is down started on its data, then every
 * partition back in sync (none under-replicated), or the bound passed. Faults that last are healed by their run.
 */
export async function restoreCluster(scene: FaultScene, options: { syncTimeoutMs: number; signal?: AbortSignal }): Promise<Restored> {
  const startedMs = Date.now();
  const down = (readClusterState(scene.dir)?.nodes ?? []).filter((node) => !nodeIsAlive(node)).map((node) => node.id);
  // Started together, as `cluster up` starts them: a controller quorum that lost two nodes needs both back.
  await Promise.all(down.map((id) => startNode(id, { dir: scene.dir })));
  const lagging = await untilInSync(scene, Date.now() + options.syncTimeoutMs, options.signal);
  return { startedNodes: down, tookMs: Date.now() - startedMs, lagging };
}

/** Polls until no partition is under-replicated, the deadline passes or the signal aborts; returns those still lagging. */
async function untilInSync(scene: FaultScene, deadlineMs: number, signal?: AbortSignal): Promise<string[]> {
  return withAdmin(scene, async (admin) => {
    for (;;) {
      const lagging = await underReplicated(admin).catch(() => ['(metadata not read)']);
      if (lagging.length === 0 || Date.now() > deadlineMs || signal?.aborted) return lagging;
      await sleepUntil(Date.now() + 500, signal);
    }
  });
}

/**
 * Holds a lasting fault (pause-node, partition-node) on a node for forMs, or less when the signal aborts, then
 * heals it: the `cluster` subcommands. `onHeld` hears when the fault is on. Returns how long it held.
 */
export async function holdFault(
  action: 'pause-node' | 'partition-node', node: number, forMs: number, scene: FaultScene, hooks: { signal?: AbortSignal; onHeld?: () => void } = {},
): Promise<number> {
  const { heal } = await causeFault({ action, node, atMs: 0, forMs }, scene);
  const startedMs = Date.now();
  try {
    hooks.onHeld?.();
    await sleepUntil(startedMs + forMs, hooks.signal);
  } finally {
    heal!();
  }
  return Date.now() - startedMs;
}
