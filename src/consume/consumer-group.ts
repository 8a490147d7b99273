import kafkajs from '../kafka/kafkajs.js';
import type { Admin } from 'kafkajs';
import { WorkerPool } from '../engine/worker-pool.js';
import { workerModule } from '../engine/worker-modules.js';
import { ConsumeCounters } from './consume-counters.js';
import { forEachIdentity, type ConsumeTask, type GroupEvent, type WorkerEvent, type WorkerOutcome } from './consume-protocol.js';
import type { RegistrySettings } from '../registry/registry-settings.js';
import type { RecordIdentity } from '../kafka/record-identity.js';
import { accountingUnchecked, DataStormError, RunFailedError } from '../shared/errors.js';
import type { ClientSecurity } from '../security/client-security.js';
import type { DriverName } from '../drivers/driver-registry.js';
import { whenClusterSettled } from '../kafka/topic.js';

const { AssignerProtocol } = kafkajs;

/**
 * W consumers of one group, one per worker thread, sharing exact counters (src/consume/consume-counters.ts), and
 * the admin steps around them: where the group starts, that nobody else is in it, and that exactly what was
 * counted is committed once every consumer has left.
 */
export interface GroupRunOptions {
  /** The Kafka client every consumer reads with. */
  driver: DriverName;
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  topic: string;
  group: string;
  workers: number;
  fetchSizeBytes: number;
  measureLatency: boolean;
  /** With measureLatency: a latency histogram per window of this length too (ConsumeTask's). */
  latencyWindowMs?: number;
  /** Number.MAX_SAFE_INTEGER for no limit. */
  recordLimit: number;
  /** First countable offset of each partition (from groupStartOffsets). */
  startOffsets: number[];
  /** e2e --verify: each counted record's identity, per partition in offset order (a consumer's records, as it posts them). */
  onRead?: (partition: number, identity: RecordIdentity | undefined) => void;
  /** --schema-registry: every consumer decodes the values it counts (ConsumeTask's). */
  registry?: RegistrySettings;
}

export interface ConsumerGroupRun {
  readonly counters: ConsumeCounters;
  /** When the first consumer started (epoch ms); set once its task runs. */
  startedAtMs(): number | undefined;
  /** What the consumers reported so far: starts, assignments, rebalances (src/consume/group-timeline.ts). */
  events(): readonly GroupEvent[];
  /** Resolves once the broker describes the group as Stable with every consumer holding the partitions it reports. */
  balanced(admin: Admin, timeoutMs: number): Promise<void>;
  stop(): void;
  /** Every consumer's outcome once all have left the group, with how many failed and the first failure. */
  readonly finished: Promise<GroupOutcome>;
}

export interface GroupOutcome {
  /** Per consumer; a failed one's from the shared counters (what it counted before it failed), without latencies. */
  outcomes: WorkerOutcome[];
  failed?: { consumers: number; error: DataStormError };
}

/** The failed consumers as a result records them. */
export const failedConsumersOf = (failed: GroupOutcome['failed']) => (failed ? { failedConsumers: { count: failed.consumers, firstError: failed.error.message } } : {});

/**
 * A group's run ends with its result, or with the failure that carries it: offsets it could not read first (nothing
 * was checked), then a consumer that failed (the figures are of what was counted before).
 */
export function resultOrThrow<R>(result: R, unread: { what: string; because?: string }, failed: GroupOutcome['failed']): R {
  if (unread.because !== undefined) throw accountingUnchecked(unread.what, unread.because, result);
  if (failed) throw new RunFailedError(failed.error.code, failed.error.message, result);
  return result;
}

const POLL_MS = 100;

export function startConsumerGroup(options: GroupRunOptions): ConsumerGroupRun {
  const layout = { workers: options.workers, partitions: options.startOffsets.length, recordLimit: options.recordLimit };
  const counters = ConsumeCounters.create(layout, options.startOffsets);
  let firstStartMs: number | undefined;
  const events: GroupEvent[] = [];
  const assignments = new Map<number, { memberId: string; partitions: number[] }>();
  const onEvent = (event: WorkerEvent) => {
    if (event.type === 'read') {
      forEachIdentity(event.identities, (identity) => options.onRead?.(event.partition, identity));
      return; // records, not the group's timeline
    }
    events.push(event);
    switch (event.type) {
      case 'started':
        firstStartMs = Math.min(firstStartMs ?? event.atMs, event.atMs);
        break;
      case 'assigned':
        assignments.set(event.workerId, { memberId: event.memberId, partitions: event.partitions });
        break;
      case 'rebalancing':
        assignments.delete(event.workerId);
        break;
    }
  };
  // A thread per consumer: each fetches and counts on an event loop of its own, apart from the main thread's ticks.
  const pool = new WorkerPool<never, WorkerEvent, WorkerOutcome>({
    workers: options.workers, threads: options.workers, inProcess: false, workerFile: workerModule('consume'),
    taskOf: (workerId): Omit<ConsumeTask, 'port'> => ({
      workerId, driver: options.driver, bootstrap: options.bootstrap, security: options.security, topic: options.topic, group: options.group,
      fetchSizeBytes: options.fetchSizeBytes, measureLatency: options.measureLatency, verify: options.onRead !== undefined,
      ...(options.latencyWindowMs === undefined ? {} : { latencyWindowMs: options.latencyWindowMs }), counters: counters.buffer, layout,
      ...(options.registry ? { registry: options.registry } : {}),
    }),
    onMessage: onEvent,
  });
  // A consumer that fails stops the others (the cluster gone) without losing the run's figures: its counts are in the shared counters.
  pool.firstFailure().catch(() => counters.stop());
  const finished = pool.settled().then(async (settled): Promise<GroupOutcome> => {
    await pool.destroy();
    const outcomes = settled.map((s, workerId) => (s.status === 'fulfilled' ? s.value : {
      workerId, records: counters.records(workerId), payloadBytes: counters.payloadBytes(workerId), rebalanceMs: counters.rebalanceMs(workerId),
    }));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (rejected.length === 0) return { outcomes };
    const cause = rejected[0].reason as Error;
    return {
      outcomes,
      failed: {
        consumers: rejected.length,
        error: new DataStormError('DS_CONSUMER_FAILED', `a consumer of group ${options.group} failed: ${cause.message}`, {
          hint: 'check that the topic exists and the cluster is up (`datastorm cluster status`)', cause,
        }),
      },
    };
  });

  const isBalanced = async (admin: Admin): Promise<boolean> => {
    const [group] = (await admin.describeGroups([options.group])).groups;
    if (group.state !== 'Stable' || group.members.length !== options.workers) return false;
    return group.members.every((member) => {
      const reported = [...assignments.values()].find((a) => a.memberId === member.memberId);
      const described = AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment[options.topic] ?? [];
      return reported !== undefined && [...described].sort((a, b) => a - b).join() === reported.partitions.join();
    });
  };

  return {
    counters,
    startedAtMs: () => firstStartMs,
    events: () => events,
    stop: () => counters.stop(),
    finished,
    async balanced(admin, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await isBalanced(admin))) {
        if (counters.stopped()) return;
        if (Date.now() > deadline) {
          throw new DataStormError('DS_GROUP_NOT_BALANCED', `group ${options.group} did not settle within ${timeoutMs} ms`, {
            hint: 'another member may be joining and leaving it; use a group of your own with --group',
          });
        }
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}

export interface GroupStart {
  /**
   * Per partition: the first offset the group will read: its commit, else the log start (auto.offset.reset=earliest)
   * or end (latest, consume's --from-latest); a negative commit, such as kafkajs's -2 "earliest" marker, counts as none.
   */
  startOffsets: number[];
  /** Per partition: the log end offset when looked at. */
  endOffsets: number[];
  /** Per partition: whether the group has a commit there (when not, startOffsets is where `reset` or `uncommittedAt` put it). */
  committed: boolean[];
}

/** The partitions of the topic, with a clear error when it does not exist. */
export async function topicPartitionCount(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [] });
  const found = topics.find((t) => t.name === topic);
  if (!found) throw new DataStormError('DS_UNKNOWN_TOPIC', `topic ${topic} does not exist`, { hint: 'check --topic, or produce to it first' });
  return found.partitions.length;
}

/**
 * Where the group stands on the topic, per partition. A partition the group has no commit in starts where `reset`
 * says, or (after a run) at `uncommittedAt`: where that run started it.
 */
export async function groupStart(admin: Admin, group: string, topic: string, partitions: number,
  reset: 'earliest' | 'latest' = 'earliest', uncommittedAt?: number[]): Promise<GroupStart> {
  // Through a broker's death: a partition between leaders, a coordinator moving (e2e --fault read NOT_LEADER here).
  const ends = await whenClusterSettled(() => admin.fetchTopicOffsets(topic));
  const [committed] = await whenClusterSettled(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
  const startOffsets: number[] = [];
  const endOffsets: number[] = [];
  const hasCommit: boolean[] = [];
  for (let p = 0; p < partitions; p += 1) {
    const end = ends.find((e) => e.partition === p);
    const commit = Number(committed?.partitions.find((c) => c.partition === p)?.offset ?? -1);
    const low = Number(end?.low ?? 0);
    const high = Number(end?.high ?? 0);
    const uncommitted = uncommittedAt?.[p] ?? (reset === 'latest' ? high : low);
    startOffsets.push(commit >= 0 ? Math.max(commit, low) : uncommitted);
    endOffsets.push(high);
    hasCommit.push(commit >= 0);
  }
  return { startOffsets, endOffsets, committed: hasCommit };
}

/** Fails early when the group has members: its consumers would share our partitions, and a commit would be refused. */
export async function requireIdleGroup(admin: Admin, group: string): Promise<void> {
  const [described] = (await whenClusterSettled(() => admin.describeGroups([group]))).groups;
  if (described.members.length > 0) {
    throw new DataStormError('DS_GROUP_ACTIVE', `group ${group} has ${described.members.length} active member(s) (state ${described.state})`, {
      hint: 'stop its consumers first, or use another --group',
    });
  }
}

/**
 * Makes the group's committed offsets exactly "after the last counted record" in every partition that moved.
 * The consumers commit their own partitions before leaving; a partition whose commit a late rebalance
 * refused is committed here (admin.setOffsets joins the group briefly: the group must have no members).
 * Returns the partitions that needed it.
 */
export async function ensureCommitted(admin: Admin, group: string, topic: string, startOffsets: number[], highest: number[]): Promise<number[]> {
  const [committed] = await whenClusterSettled(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
  const partitions = highest
    .map((offset, partition) => ({ partition, offset: String(offset + 1) }))
    .filter(({ partition, offset }) => Number(offset) > startOffsets[partition]
      && committed?.partitions.find((c) => c.partition === partition)?.offset !== offset);
  if (partitions.length > 0) {
    await untilGroupEmpty(admin, group);
    await admin.setOffsets({ groupId: group, topic, partitions });
  }
  return partitions.map((p) => p.partition);
}

/**
 * Offsets can be set only on a group without members. Consumers that left while a broker died (the group's
 * coordinator with it) can keep it in PreparingRebalance until their sessions time out (kafkajs: 30 s), so
 * wait for that, a little longer at most, and let setOffsets say what is wrong after.
 */
const GROUP_EMPTY_TIMEOUT_MS = 45_000;
async function untilGroupEmpty(admin: Admin, group: string): Promise<void> {
  for (const deadline = Date.now() + GROUP_EMPTY_TIMEOUT_MS; Date.now() < deadline;) {
    const [described] = (await admin.describeGroups([group])).groups;
    if (described.members.length === 0 && described.state !== 'PreparingRebalance' && described.state !== 'CompletingRebalance') return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
