import { randomBytes } from 'node:crypto';
import { CONNECT_TIMEOUT_MS } from './platformatic-driver.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, findCoordinatorV6, metadataV12 } from '@platformatic/kafka';
import { countRecordBatches, type CountedRun } from '../kafka/counted-fetch.js';
import { decompressRecords } from '../kafka/kafkajs-patches.js';
import { registerCodecs } from '../kafka/codecs.js';
import { platformaticSecurity } from '../security/platformatic-security.js';
import type { ClientSecurity } from '../security/client-security.js';
import {
  ShareErrors, shareAcknowledgeV1, shareFetchV1, shareGroupHeartbeatV1,
  type AcknowledgementBatch, type AcquiredRecords, type PartitionAcknowledgements, type ShareFetchRequest,
} from './share-group-protocol.js';

/**
 * A share consumer (KIP-932) on DataStorm's own encoding of the share-group protocol (share-group-protocol.ts), as
 * Java's KafkaShareConsumer does it: it joins the group with ShareGroupHeartbeat (its member id its own, epoch 0,
 * then the epoch the coordinator gives), and fetches from each partition leader of its assignment in a share
 * session (ShareFetch: epoch 0 opens it with the partitions, then 1, 2, ... carrying only what changed). The records a
 * fetch acquires are handed on with their delivery counts; how each is acknowledged (accept, release, reject) rides
 * on the next ShareFetch to that broker (implicit, Java's default), or goes at once in a ShareAcknowledge awaited
 * before the next fetch (explicit, Java's commitSync). Closing sends what is still unacknowledged with the session's
 * close (ShareAcknowledge, epoch -1) and leaves the group (heartbeat epoch -1).
 */

export type AckMode = 'implicit' | 'explicit';
export const ACK_MODES = ['implicit', 'explicit'] as const satisfies readonly AckMode[];

export interface ShareConsumerOptions {
  bootstrap: string[];
  security: ClientSecurity;
  clientId: string;
  group: string;
  topic: string;
  /** Most bytes a ShareFetch returns (Java's fetch.max.bytes; share-consumer-perf-test's --fetch-size). */
  fetchMaxBytes: number;
  /** Most records one ShareFetch acquires in a partition (Java's max.poll.records, 500). */
  maxRecords: number;
  ackMode: AckMode;
}

/** A partition's records one ShareFetch acquired. */
export interface AcquiredFetch {
  partition: number;
  /** The record batches the response carried, counted (records outside `acquired` are not this consumer's). */
  batches: readonly CountedRun[];
  /** The acquired offset ranges, ascending, with each one's delivery count (1 for a first delivery). */
  acquired: readonly AcquiredRecords[];
}

export interface ShareConsumerListener {
  /** How each acquired offset is acknowledged (every offset of `acquired` once, a gap where there is no record). */
  onAcquired(fetch: AcquiredFetch): AcknowledgementBatch[];
  /** The broker applied acknowledgements (errorCode 0), or refused them (INVALID_RECORD_STATE: their lock had expired). */
  onAcknowledged(partition: number, batches: readonly AcknowledgementBatch[], errorCode: number): void;
}

const FETCH_MAX_WAIT_MS = 500;
const REQUEST_TIMEOUT_MS = 30_000;
const RETRY_BACKOFF_MS = 200;
const UNASSIGNED_HEARTBEAT_MS = 250;
/** Consecutive failures of one request before the consumer gives up (about 60 s with the backoff). */
const MAX_FAILURES = 300;

/** Errors after which the coordinator is looked up again. */
const COORDINATOR_MOVED = new Set<number>([ShareErrors.NOT_COORDINATOR, ShareErrors.COORDINATOR_NOT_AVAILABLE, ShareErrors.COORDINATOR_LOAD_IN_PROGRESS]);
/** A share session the broker no longer has (evicted, or a restart): open a new one. */
const SESSION_LOST = new Set<number>([ShareErrors.SHARE_SESSION_NOT_FOUND, ShareErrors.INVALID_SHARE_SESSION_EPOCH]);
/** A partition's leader moved, or the metadata is behind: look up the leaders again. */
const LEADER_MOVED = new Set<number>([ShareErrors.NOT_LEADER_OR_FOLLOWER, ShareErrors.UNKNOWN_TOPIC_OR_PARTITION, ShareErrors.UNKNOWN_TOPIC_ID]);

/** The epoch after `epoch` in a share session: 1, 2, ..., then back to 1 past int32's end (never 0 or -1 again). */
export function nextSessionEpoch(epoch: number): number {
  return epoch >= 0x7fffffff ? 1 : epoch + 1;
}

/** Kafka's error of a response, as an Error that names it. */
export class ShareProtocolError extends Error {
  constructor(readonly request: string, readonly errorCode: number, detail: string | null) {
    super(`${request} answered error code ${errorCode}${detail ? ` (${detail})` : ''}`);
  }
}

interface Broker {
  nodeId: number;
  host: string;
  port: number;
}

/** A share session with one broker: its epoch, the partitions in it, and the acknowledgements still to send. */
class ShareSession {
  epoch = 0;
  readonly inSession = new Set<number>();
  readonly pendingAcks = new Map<number, AcknowledgementBatch[]>();
  wake: () => void = () => undefined;

  constructor(readonly nodeId: number) {}

  addAcks(partition: number, batches: AcknowledgementBatch[]): void {
    if (batches.length === 0) return;
    const pending = this.pendingAcks.get(partition);
    if (pending) pending.push(...batches);
    else this.pendingAcks.set(partition, batches);
  }

  /** The pending acknowledgements of `partitions` (all when not given), taken out. */
  takeAcks(partitions?: Iterable<number>): PartitionAcknowledgements[] {
    const taken: PartitionAcknowledgements[] = [];
    for (const partition of partitions ?? [...this.pendingAcks.keys()]) {
      const batches = this.pendingAcks.get(partition);
      if (!batches) continue;
      this.pendingAcks.delete(partition);
      taken.push({ partitionIndex: partition, acknowledgementBatches: batches });
    }
    return taken;
  }
}

const memberIdOf = () => randomBytes(16).toString('base64url');

export class ShareConsumer {
  readonly memberId = memberIdOf();
  private memberEpoch = 0;
  private topicId: string | undefined;
  private brokers = new Map<number, Broker>();
  private leaders = new Map<number, number>();
  private assigned: number[] = [];
  private readonly connections = new Map<number, Promise<Connection>>();
  private readonly sessions = new Map<number, ShareSession>();
  private readonly loops = new Map<number, Promise<void>>();
  private coordinator: Promise<Connection> | undefined;
  private stopping = false;
  private failure: Error | undefined;
  private wakeHeartbeat: () => void = () => undefined;
  private heartbeatLoop: Promise<void> | undefined;

  constructor(private readonly options: ShareConsumerOptions, private readonly listener: ShareConsumerListener) {
    registerCodecs();
  }

  /** Joins the group and fetches until close(); rejects when the consumer cannot go on (the cluster gone). */
  async run(): Promise<void> {
    await this.refreshMetadata();
    this.heartbeatLoop = this.heartbeats();
    await this.heartbeatLoop;
    await Promise.all(this.loops.values());
    if (this.failure) throw this.failure;
  }

  /** Stops fetching; the acknowledgements still pending go with each session's close, then the member leaves. */
  stop(): void {
    this.stopping = true;
    this.wakeHeartbeat();
    for (const session of this.sessions.values()) session.wake();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.stop();
  }

  private connectionTo(broker: Broker): Promise<Connection> {
    let connection = this.connections.get(broker.nodeId);
    if (!connection) {
      connection = this.connect(broker.host, broker.port);
      connection.catch(() => this.connections.delete(broker.nodeId));
      this.connections.set(broker.nodeId, connection);
    }
    return connection;
  }

  private async connect(host: string, port: number): Promise<Connection> {
    const connection = new Connection(this.options.clientId, {
      connectTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, ...platformaticSecurity(this.options.security),
    });
    await connection.connect(host, port);
    return connection;
  }

  /** `call` retried on failures (a broker restarting, a coordinator moving) until it succeeds or fails MAX_FAILURES times. */
  private async retried<T>(what: string, call: () => Promise<T>, onFailure: (error: unknown) => void = () => undefined): Promise<T> {
    for (let failures = 0; ; failures++) {
      try {
        return await call();
      } catch (error) {
        if (failures + 1 >= MAX_FAILURES) throw new Error(`${what} failed ${MAX_FAILURES} times: ${(error as Error).message}`, { cause: error });
        onFailure(error);
        await sleep(RETRY_BACKOFF_MS);
      }
    }
  }

  /** The topic's id, its partitions' leaders and the brokers, from any broker that answers. */
  private async refreshMetadata(): Promise<void> {
    await this.retried('Metadata', async () => {
      let lastError: unknown;
      for (const address of this.options.bootstrap) {
        const separator = address.lastIndexOf(':');
        const bootstrap = { nodeId: -1 - this.options.bootstrap.indexOf(address), host: address.slice(0, separator), port: Number(address.slice(separator + 1)) };
        const known = [...this.brokers.values()];
        try {
          const connection = await this.connectionTo(known[0] ?? bootstrap);
          const metadata = await metadataV12.api.async(connection, [this.options.topic], false, false);
          const topic = metadata.topics.find((t) => t.name === this.options.topic);
          if (!topic || topic.errorCode !== 0) throw new Error(`the metadata has no topic ${this.options.topic}`);
          this.topicId = topic.topicId;
          this.brokers = new Map(metadata.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port }]));
          this.leaders = new Map(topic.partitions.map((p) => [p.partitionIndex, p.leaderId]));
          return;
        } catch (error) {
          lastError = error;
          if (known[0]) this.forgetConnection(known[0].nodeId);
        }
      }
      throw lastError;
    });
    this.placeSessions();
  }

  private forgetConnection(nodeId: number): void {
    const connection = this.connections.get(nodeId);
    this.connections.delete(nodeId);
    void connection?.then((c) => c.close()).catch(() => undefined);
  }

  private async coordinatorConnection(): Promise<Connection> {
    this.coordinator ??= (async () => {
      const anyBroker = [...this.brokers.values()][0];
      const lookup = await findCoordinatorV6.api.async(await this.connectionTo(anyBroker), 0, [this.options.group]);
      const found = lookup.coordinators[0];
      if (!found || found.errorCode !== 0) throw new ShareProtocolError('FindCoordinator', found?.errorCode ?? -1, found?.errorMessage ?? null);
      return this.connectionTo({ nodeId: found.nodeId, host: found.host, port: found.port });
    })();
    this.coordinator.catch(() => { this.coordinator = undefined; });
    return this.coordinator;
  }

  /** Heartbeats at the coordinator's interval until stopped, then leaves the group. */
  private async heartbeats(): Promise<void> {
    let intervalMs = 0;
    while (!this.stopping) {
      try {
        intervalMs = await this.retried('ShareGroupHeartbeat', () => this.heartbeat(), (error) => {
          if (error instanceof ShareProtocolError && COORDINATOR_MOVED.has(error.errorCode)) this.coordinator = undefined;
        });
      } catch (error) {
        this.fail(error as Error);
        break;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        this.wakeHeartbeat = () => { clearTimeout(timer); resolve(); };
      });
    }
    // The sessions close first (their acknowledgements), then the member leaves the group.
    for (const session of this.sessions.values()) session.wake();
    await Promise.all(this.loops.values());
    if (this.memberEpoch > 0) {
      await this.coordinatorConnection()
        .then((connection) => shareGroupHeartbeatV1.async(connection, { groupId: this.options.group, memberId: this.memberId, memberEpoch: -1, subscribedTopicNames: null }))
        .catch(() => undefined);
    }
    await Promise.all([...this.connections.values()].map((c) => c.then((connection) => connection.close()).catch(() => undefined)));
  }

  /** One heartbeat; returns the wait before the next. */
  private async heartbeat(): Promise<number> {
    const connection = await this.coordinatorConnection();
    const joining = this.memberEpoch === 0;
    const response = await shareGroupHeartbeatV1.async(connection, {
      groupId: this.options.group, memberId: this.memberId, memberEpoch: this.memberEpoch, subscribedTopicNames: joining ? [this.options.topic] : null,
    });
    if (response.errorCode === ShareErrors.FENCED_MEMBER_EPOCH || response.errorCode === ShareErrors.UNKNOWN_MEMBER_ID) {
      // Fenced: join again with epoch 0, as Java's consumer does; the records it holds are the group's again.
      this.memberEpoch = 0;
      this.assign([]);
      return 0;
    }
    if (response.errorCode !== 0) throw new ShareProtocolError('ShareGroupHeartbeat', response.errorCode, response.errorMessage);
    this.memberEpoch = response.memberEpoch;
    if (response.assignment) this.assign([...(response.assignment.find((t) => t.topicId === this.topicId)?.partitions ?? [])].sort((a, b) => a - b));
    // Until it holds partitions, the member asks again soon: the coordinator assigns after the first heartbeat.
    return this.assigned.length === 0 ? Math.min(response.heartbeatIntervalMs, UNASSIGNED_HEARTBEAT_MS) : response.heartbeatIntervalMs;
  }

  private assign(partitions: number[]): void {
    if (partitions.join() === this.assigned.join()) return;
    this.assigned = partitions;
    this.placeSessions();
  }

  /** A session (and its fetch loop) per broker leading an assigned partition; each loop works out its own changes. */
  private placeSessions(): void {
    for (const partition of this.assigned) {
      const nodeId = this.leaders.get(partition);
      if (nodeId === undefined || nodeId < 0 || this.sessions.has(nodeId)) continue;
      const session = new ShareSession(nodeId);
      this.sessions.set(nodeId, session);
      this.loops.set(nodeId, this.fetchLoop(session).catch((error: Error) => this.fail(error)));
    }
    for (const session of this.sessions.values()) session.wake();
  }

  /** The assigned partitions this broker leads now. */
  private wantedAt(nodeId: number): Set<number> {
    return new Set(this.assigned.filter((p) => this.leaders.get(p) === nodeId));
  }

  private async fetchLoop(session: ShareSession): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const wanted = this.wantedAt(session.nodeId);
      if (wanted.size === 0 && session.inSession.size === 0) {
        await new Promise<void>((resolve) => { session.wake = resolve; });
        continue;
      }
      try {
        await this.fetchOnce(session, wanted);
        failures = 0;
      } catch (error) {
        if (++failures >= MAX_FAILURES) throw error;
        // A broker gone or restarting: its session is gone with it; find the leaders again.
        this.forgetConnection(session.nodeId);
        this.dropSession(session, -1);
        await sleep(RETRY_BACKOFF_MS);
        await this.refreshMetadata().catch(() => undefined);
      }
    }
    await this.closeSession(session);
  }

  /** A lost session: its partitions are out, its pending acknowledgements failed (their records come back when their locks expire). */
  private dropSession(session: ShareSession, errorCode: number): void {
    session.epoch = 0;
    session.inSession.clear();
    this.failAcks(session.takeAcks(), errorCode);
  }

  private async fetchOnce(session: ShareSession, wanted: Set<number>): Promise<void> {
    const broker = this.brokers.get(session.nodeId);
    if (!broker || this.topicId === undefined) throw new Error(`broker ${session.nodeId} is not in the metadata`);
    const connection = await this.connectionTo(broker);
    const topicId = this.topicId;
    const removed = [...session.inSession].filter((p) => !wanted.has(p));
    // Explicit mode, and partitions leaving the session: their acknowledgements go first, in a ShareAcknowledge.
    const ackFirst = this.options.ackMode === 'explicit' ? [...session.pendingAcks.keys()] : removed;
    if (session.epoch !== 0 && ackFirst.some((p) => session.pendingAcks.has(p))) await this.acknowledge(connection, session, topicId, session.takeAcks(ackFirst));
    if (session.epoch === 0) this.dropSession(session, ShareErrors.SHARE_SESSION_NOT_FOUND);
    const added = [...wanted].filter((p) => !session.inSession.has(p));
    const acks = session.takeAcks([...wanted].filter((p) => session.inSession.has(p)));
    const listed = new Map<number, PartitionAcknowledgements>(added.map((p) => [p, { partitionIndex: p, acknowledgementBatches: [] }]));
    for (const ack of acks) listed.set(ack.partitionIndex, ack);
    const request: ShareFetchRequest = {
      groupId: this.options.group, memberId: this.memberId, shareSessionEpoch: session.epoch, maxWaitMs: FETCH_MAX_WAIT_MS, minBytes: 1,
      maxBytes: this.options.fetchMaxBytes, maxRecords: this.options.maxRecords, batchSize: this.options.maxRecords,
      topics: listed.size === 0 ? [] : [{ topicId, partitions: [...listed.values()] }],
      forgottenTopicsData: removed.length === 0 || session.epoch === 0 ? [] : [{ topicId, partitions: removed }],
    };
    const response = await shareFetchV1.async(connection, request).catch((error: unknown) => {
      // No answer: whether the broker applied them is unknown; their records come back when their locks expire if not.
      this.failAcks(acks, -1);
      throw error;
    });
    if (SESSION_LOST.has(response.errorCode)) {
      for (const ack of acks) session.addAcks(ack.partitionIndex, ack.acknowledgementBatches);
      this.dropSession(session, response.errorCode);
      return;
    }
    if (response.errorCode !== 0) {
      this.failAcks(acks, response.errorCode);
      throw new ShareProtocolError('ShareFetch', response.errorCode, response.errorMessage);
    }
    session.epoch = nextSessionEpoch(session.epoch);
    for (const p of removed) session.inSession.delete(p);
    for (const p of added) session.inSession.add(p);
    const ackedPartitions = new Map(acks.map((a) => [a.partitionIndex, a.acknowledgementBatches]));
    let leaderMoved = false;
    for (const partition of response.responses.find((t) => t.topicId === topicId)?.partitions ?? []) {
      const acked = ackedPartitions.get(partition.partitionIndex);
      if (acked) {
        ackedPartitions.delete(partition.partitionIndex);
        this.listener.onAcknowledged(partition.partitionIndex, acked, partition.acknowledgeErrorCode);
      }
      if (LEADER_MOVED.has(partition.errorCode)) leaderMoved = true;
      if (partition.acquiredRecords.length === 0 || partition.records === null) continue;
      const batches = await countRecordBatches(partition.records, decompressRecords) ?? [];
      const decided = this.listener.onAcquired({ partition: partition.partitionIndex, batches, acquired: partition.acquiredRecords });
      session.addAcks(partition.partitionIndex, decided);
    }
    // Acknowledgements of partitions the response did not mention: applied with the request (no error given).
    for (const [partition, batches] of ackedPartitions) this.listener.onAcknowledged(partition, batches, 0);
    if (leaderMoved) await this.refreshMetadata();
  }

  private async acknowledge(connection: Connection, session: ShareSession, topicId: string, partitions: PartitionAcknowledgements[], epoch = session.epoch): Promise<void> {
    if (partitions.length === 0 && epoch !== -1) return;
    const response = await shareAcknowledgeV1.async(connection, {
      groupId: this.options.group, memberId: this.memberId, shareSessionEpoch: epoch, topics: partitions.length === 0 ? [] : [{ topicId, partitions }],
    }).catch((error: unknown) => {
      this.failAcks(partitions, -1);
      throw error;
    });
    if (epoch !== -1) session.epoch = nextSessionEpoch(session.epoch);
    const byPartition = new Map((response.responses.find((t) => t.topicId === topicId)?.partitions ?? []).map((p) => [p.partitionIndex, p.errorCode]));
    for (const { partitionIndex, acknowledgementBatches } of partitions) {
      this.listener.onAcknowledged(partitionIndex, acknowledgementBatches, response.errorCode || (byPartition.get(partitionIndex) ?? 0));
    }
  }

  /** The session's close: its last acknowledgements with epoch -1 (the broker releases whatever the member still holds). */
  private async closeSession(session: ShareSession): Promise<void> {
    const broker = this.brokers.get(session.nodeId);
    const pending = session.takeAcks();
    if (session.epoch === 0 || !broker || this.topicId === undefined) {
      this.failAcks(pending, ShareErrors.SHARE_SESSION_NOT_FOUND);
      return;
    }
    const topicId = this.topicId;
    // Failed acknowledgements are reported by acknowledge(); a broker gone takes the session with it.
    await this.connectionTo(broker)
      .then((connection) => this.acknowledge(connection, session, topicId, pending, -1), () => this.failAcks(pending, -1))
      .catch(() => undefined);
  }

  /** Acknowledgements the broker did not apply, or whose fate is unknown: `errorCode` -1 for no answer. */
  private failAcks(partitions: readonly PartitionAcknowledgements[], errorCode: number): void {
    for (const { partitionIndex, acknowledgementBatches } of partitions) this.listener.onAcknowledged(partitionIndex, acknowledgementBatches, errorCode);
  }
}
