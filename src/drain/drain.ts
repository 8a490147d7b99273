import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { groupStart, topicPartitionCount } from '../consume/consumer-group.js';
import { runLag, type LagResult } from '../consume/lag.js';
import type { LagSample } from '../consume/lag-stats.js';
import type { ConsumerDriver, FetchedBatch, FetchedRecord } from '../drivers/consumer-driver.js';
import { KafkajsConsumerDriver } from '../drivers/kafkajs-consumer.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';
import { createHistogram, recordLatencyUs, summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import type { DrainSpec } from './drain-spec.js';
import { publicSecurity } from '../security/client-security.js';
import { accountingUnchecked, DataStormError } from '../shared/errors.js';
import { checkReachable } from '../shared/reachable.js';
import { callAt, sleepUntil } from '../shared/sleep.js';
import { FailingCallsWatch, type FailingCalls } from './failing-calls.js';
import { LaneAssigner } from './lanes.js';
import { OffsetTracker } from './offset-tracker.js';
import { SinkClient } from './sink-client.js';

/**
 * `datastorm drain`: go-dmux's Kafka-to-HTTP pattern, measured. One consumer of the group fetches; each record
 * goes to a lane (src/drain/lanes.ts); a lane makes one call at a time and retries a failed one until it succeeds;
 * fetching waits while --pending-acks records are not yet committable; the commit is the contiguous completed
 * prefix per partition (src/drain/offset-tracker.ts). The group's lag is sampled all along by `lag`'s sampler.
 */
export type StopReason = 'caught-up' | 'duration' | 'interrupted' | 'failed';

export interface PartitionAccount {
  partition: number;
  /** Where the group resumed. */
  startOffset: number;
  /** The log end offset when the drain began (its target with --until-caught-up). */
  endOffset: number;
  /** Past the contiguous prefix of records the sink acknowledged (or a listed status ended). */
  acknowledgedTo: number;
  /** The group's committed offset as the broker reports it after the drain; null when it has none, NaN (null in JSON) when unread. */
  committedOffset: number | null;
}

export interface DrainAccounting {
  partitions: PartitionAccount[];
  /** Every partition's committed offset equals its acknowledged prefix. */
  committedMatchesAcknowledged: boolean;
  /** Every partition's committed offset is at (or past) its end offset of the start. */
  committedAtEnd: boolean;
  /** Why the committed offsets could not be read after the drain (the cluster was gone): nothing was checked. */
  uncheckedBecause?: string;
}

export interface DrainResult {
  schemaVersion: 1;
  command: 'drain';
  startedAt: string;
  spec: DrainSpec;
  lanes: number;
  partitions: number;
  /** Records between the group's offsets and the end offsets when the drain began. */
  backlogRecords: number;
  /** Records acknowledged with a 2xx, each once. */
  recordsDelivered: number;
  /** Records ended by a --non-retriable-status answer. */
  recordsRejected: number;
  /** Records without a key: spread round-robin, their order not kept. */
  nullKeyRecords: number;
  calls: number;
  /** Calls made again after a failure. */
  retries: number;
  /** Calls per status, and per network error code. */
  statuses: Record<string, number>;
  /** From the start of the run (before joining the group) to the end. */
  elapsedMs: number;
  /** From the first call to the last answer. */
  deliveryMs: number;
  recordsPerSec: number;
  callsPerSec: number;
  /** From the start of the run until the committed offsets reached the end offsets (lag 0); null when they never did. */
  drainMs: number | null;
  callLatencyUs: LatencySummaryUs;
  /** From a record's arrival in its lane to its acknowledgement (waiting, retries and the call). */
  recordLatencyUs: LatencySummaryUs;
  lag: LagResult;
  accounting: DrainAccounting;
  stopReason: StopReason;
  partial: boolean;
}

export interface DrainStart {
  partitions: number;
  lanes: number;
  backlogRecords: number;
}

export interface DrainProgress {
  elapsedMs: number;
  recordsDelivered: number;
  backlogRecords: number;
  inFlightCalls: number;
  pendingRecords: number;
  retries: number;
}

export interface DrainHooks {
  signal?: AbortSignal;
  onStart?(start: DrainStart): void;
  onProgress?(progress: DrainProgress): void;
  onLagSample?(sample: LagSample, previous?: LagSample): void;
  /** No call has succeeded for a while (said again while it lasts). */
  onCallsFailing?(failing: FailingCalls): void;
  /** A call succeeded after calls were said to fail, for failedMs. */
  onCallsRecovered?(failedMs: number): void;
}

/** The group is left this long after a crash before its partitions move on: a restarted drain resumes within it. */
const SESSION_TIMEOUT_MS = 10_000;
const PROGRESS_MS = 250;
const FETCH_BYTES = 1024 * 1024;

interface LaneEntry {
  record: FetchedRecord;
  partition: number;
  enqueuedAtMs: number;
}

interface Lane {
  queue: LaneEntry[];
  head: number;
  busy: boolean;
}

export async function runDrain(spec: DrainSpec, hooks: DrainHooks = {}): Promise<DrainResult> {
  const startedAt = new Date().toISOString();
  const startMs = performance.now();
  await checkReachable(spec.sinkUrl, 'start the sink, or check --sink');
  await describeBrokers(spec.bootstrap, { security: spec.security });
  const admin = createKafka(spec.bootstrap, 'datastorm-drain-admin', {}, spec.security).admin();
  await admin.connect();
  try {
    const partitions = await topicPartitionCount(admin, spec.topic);
    const start = await groupStart(admin, spec.group, spec.topic, partitions);
    // A group that never committed starts at the log start with --from-beginning, else at the end (new records only).
    const startOffsets = start.startOffsets.map((offset, p) => (start.committed[p] || spec.fromBeginning ? offset : start.endOffsets[p]));
    const endOffsets = start.endOffsets;
    const backlogRecords = endOffsets.reduce((sum, end, p) => sum + Math.max(0, end - startOffsets[p]), 0);
    const lanes = spec.mode === 'serial' ? partitions : spec.lanes;
    hooks.onStart?.({ partitions, lanes, backlogRecords });
    const run = new DrainRun(spec, partitions, lanes, startOffsets, endOffsets, startMs, hooks);
    const outcome = await run.run();
    const committed = await readOrWhyNot(() => whenClusterSettled(() => admin.fetchOffsets({ groupId: spec.group, topics: [spec.topic] })), undefined);
    const committedOffset = (partition: number): number | null => {
      if (committed.value === undefined) return Number.NaN;
      const offset = Number(committed.value[0]?.partitions.find((c) => c.partition === partition)?.offset ?? -1);
      return offset >= 0 ? offset : null;
    };
    const accounts: PartitionAccount[] = endOffsets.map((endOffset, partition) => (
      { partition, startOffset: startOffsets[partition], endOffset, acknowledgedTo: run.tracker.committable(partition), committedOffset: committedOffset(partition) }));
    const committedOf = (a: PartitionAccount) => a.committedOffset ?? a.startOffset;
    const result: DrainResult = {
      schemaVersion: 1, command: 'drain', startedAt, spec: publicDrainSpec(spec), lanes, partitions, backlogRecords,
      ...outcome,
      accounting: {
        partitions: accounts,
        committedMatchesAcknowledged: accounts.every((a) => committedOf(a) === a.acknowledgedTo),
        committedAtEnd: accounts.every((a) => committedOf(a) >= a.endOffset),
        ...(committed.unreadBecause !== undefined ? { uncheckedBecause: committed.unreadBecause } : {}),
      },
    };
    if (committed.unreadBecause !== undefined) throw accountingUnchecked(`group ${spec.group}'s committed offsets`, committed.unreadBecause, result);
    return result;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The one verdict on a drain: the group's commits must be what the sink acknowledged, and a drain that made
 * calls must have delivered something (an interrupted one says so by its exit code).
 */
export function verdictOfDrain(result: DrainResult): DataStormError | undefined {
  if (!result.accounting.committedMatchesAcknowledged) {
    return new DataStormError('DS_ACCOUNTING_MISMATCH', 'the group\'s committed offsets and the records the sink acknowledged disagree (see the committed offsets line)');
  }
  if (!result.partial && result.calls > 0 && result.recordsDelivered + result.recordsRejected === 0) {
    return new DataStormError('DS_SINK_FAILED', `no record could be delivered: all ${result.calls} calls to ${result.spec.sinkUrl} failed (see the calls line)`,
      { hint: 'check why the sink fails them' });
  }
  return undefined;
}

/** The spec as results show it: security masked, header values too (an Authorization header is a secret). */
function publicDrainSpec(spec: DrainSpec): DrainSpec {
  const headers = Object.fromEntries(Object.keys(spec.headers).map((name) => [name, '***']));
  return { ...spec, security: publicSecurity(spec.security), headers };
}

type RunOutcome = Omit<DrainResult, 'schemaVersion' | 'command' | 'startedAt' | 'spec' | 'lanes' | 'partitions' | 'backlogRecords' | 'accounting'>;

/** One drain's moving parts: the consumer, the lanes, the tracker, the commits and the lag sampler. */
class DrainRun {
  readonly tracker = new OffsetTracker();
  private readonly assigner: LaneAssigner;
  private readonly client: SinkClient;
  private readonly lanes: Lane[];
  /** Per partition: the next offset to take from a fetch (a record below it is already in a lane). */
  private readonly fetchNext: number[];
  private readonly committedTo: number[];
  private readonly callLatency = createHistogram();
  private readonly recordLatency = createHistogram();
  private readonly statuses: Record<string, number> = {};
  private readonly stopping = new AbortController();
  private readonly failingCalls = new FailingCallsWatch();
  private capacityWaiters: Array<() => void> = [];
  private stopReason: StopReason = 'caught-up';
  private failure: Error | undefined;
  private driver: ConsumerDriver | undefined;
  private recordsDelivered = 0;
  private recordsRejected = 0;
  private calls = 0;
  private retries = 0;
  private inFlight = 0;
  private firstCallMs: number | undefined;
  private lastAnswerMs: number | undefined;
  private caughtUpMs: number | undefined;
  /** Caught up, its commit on the way: the records that complete meanwhile need no commit of their own. */
  private catchingUp = false;
  private committing: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: DrainSpec,
    private readonly partitions: number,
    laneCount: number,
    private readonly startOffsets: number[],
    private readonly endOffsets: number[],
    private readonly startMs: number,
    private readonly hooks: DrainHooks,
  ) {
    this.assigner = new LaneAssigner(spec.distributor, laneCount);
    this.client = new SinkClient({
      sinkUrl: spec.sinkUrl, topic: spec.topic, connections: laneCount, method: spec.method, headers: spec.headers, timeoutMs: spec.timeoutMs,
    });
    this.lanes = Array.from({ length: laneCount }, () => ({ queue: [], head: 0, busy: false }));
    // Every lane waits on the stop between retries, as do the commits and the run itself: not a leak.
    setMaxListeners(laneCount + 2, this.stopping.signal);
    this.fetchNext = [...startOffsets];
    this.committedTo = [...startOffsets];
    startOffsets.forEach((offset, p) => this.tracker.start(p, offset));
  }

  async run(): Promise<RunOutcome> {
    const { spec, hooks } = this;
    const onAbort = () => this.stop('interrupted');
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const lagStop = new AbortController();
    let lastSampleAtMs = 0;
    const lag = runLag({
      bootstrap: spec.bootstrap, security: spec.security, group: spec.group, groupType: 'consumer', intervalMs: spec.lagIntervalMs,
      durationMs: Number.MAX_SAFE_INTEGER / 2, topics: [spec.topic],
    }, (sample, previous) => {
      lastSampleAtMs = sample.atMs;
      hooks.onLagSample?.(sample, previous);
    }, lagStop.signal);
    // Its failure is thrown where it is awaited, after the run: until then it must not end the process unhandled.
    lag.catch(() => undefined);
    const progress = setInterval(() => hooks.onProgress?.(this.progress()), PROGRESS_MS);
    const commits = this.commitEvery(spec.commitIntervalMs);
    const stopAtDuration = spec.durationMs === undefined ? undefined : callAt(Date.now() + spec.durationMs, () => this.stop('duration'));
    try {
      if (spec.untilCaughtUp && this.caughtUp()) {
        this.caughtUpMs = performance.now();
        this.stop('caught-up');
      } else {
        await this.startConsumer();
        await new Promise<void>((resolve) => this.stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
      }
      await this.lanesIdle();
      await commits;
      await this.commit();
    } finally {
      // After a throw above (the consumer could not start) too: the commits' loop ends with the stop.
      this.stop('failed');
      clearInterval(progress);
      stopAtDuration?.();
      hooks.signal?.removeEventListener('abort', onAbort);
      await this.driver?.close();
      await this.client.close();
      // One more sample after the last commit, so that the chart ends where the group stands.
      const endAtMs = Date.now();
      for (let waited = 0; lastSampleAtMs < endAtMs && waited < 2 * spec.lagIntervalMs + 2000; waited += 50) await sleepUntil(Date.now() + 50);
      lagStop.abort();
    }
    const lagResult = await lag;
    if (this.failure) throw this.failure;
    const endMs = performance.now();
    const deliveryMs = this.firstCallMs === undefined ? 0 : (this.lastAnswerMs ?? endMs) - this.firstCallMs;
    const perSec = (count: number) => (deliveryMs > 0 ? (count * 1000) / deliveryMs : 0);
    return {
      recordsDelivered: this.recordsDelivered, recordsRejected: this.recordsRejected, nullKeyRecords: this.assigner.nullKeyRecords,
      calls: this.calls, retries: this.retries, statuses: this.statuses, elapsedMs: endMs - this.startMs, deliveryMs,
      recordsPerSec: perSec(this.recordsDelivered), callsPerSec: perSec(this.calls),
      drainMs: this.caughtUpMs === undefined ? null : this.caughtUpMs - this.startMs,
      callLatencyUs: summarizeLatency(this.callLatency), recordLatencyUs: summarizeLatency(this.recordLatency),
      lag: lagResult, stopReason: this.stopReason, partial: this.stopReason === 'interrupted',
    };
  }

  private progress(): DrainProgress {
    return {
      elapsedMs: performance.now() - this.startMs, recordsDelivered: this.recordsDelivered, backlogRecords: this.endOffsets.reduce((s, end, p) => s + Math.max(0, end - this.startOffsets[p]), 0),
      inFlightCalls: this.inFlight, pendingRecords: this.tracker.pending(), retries: this.retries,
    };
  }

  private stop(reason: StopReason): void {
    if (this.stopping.signal.aborted) return;
    this.stopReason = reason;
    this.stopping.abort();
    for (const wake of this.capacityWaiters.splice(0)) wake();
  }

  private async startConsumer(): Promise<void> {
    const { spec } = this;
    // kafkajs's ConsumerDriver (drain has no --driver): only it holds the next fetch while onBatch's promise is pending
    // (the pending-acks bound) and takes sessionTimeoutMs.
    this.driver = new KafkajsConsumerDriver({
      bootstrap: spec.bootstrap, security: spec.security, clientId: 'datastorm-drain', topic: spec.topic, group: spec.group,
      fetchSizeBytes: FETCH_BYTES, countOnly: false, sessionTimeoutMs: SESSION_TIMEOUT_MS,
    });
    const driver = this.driver;
    await driver.start({
      // Read on from what is already in the lanes, not from the last commit: nothing is taken twice.
      onAssigned: ({ partitions }) => { for (const p of partitions) driver.seek(p, this.fetchNext[p]); },
      onRebalancing: () => undefined,
      onBatch: (batch) => this.take(batch),
      onFailure: (error) => {
        this.failure = new DataStormError('DS_CONSUMER_FAILED', `the consumer of group ${spec.group} failed: ${error.message}`, {
          hint: 'check that the cluster is up (`datastorm cluster status`)', cause: error,
        });
        this.stop('failed');
      },
    });
  }

  /** A fetched batch into the lanes, record by record, waiting while --pending-acks records are not yet committable. */
  private async take(batch: FetchedBatch): Promise<void> {
    const { partition } = batch;
    if (partition >= this.partitions) return;
    for (const record of batch.records) {
      if (record.offset < this.fetchNext[partition]) continue;
      while (this.tracker.pending() >= this.spec.pendingAcks && !this.stopping.signal.aborted) {
        await new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
      }
      if (this.stopping.signal.aborted) return;
      this.tracker.track(partition, record.offset);
      this.fetchNext[partition] = record.offset + 1;
      const lane = this.lanes[this.assigner.laneOf(partition, record.key)];
      lane.queue.push({ record, partition, enqueuedAtMs: performance.now() });
      this.pump(lane);
    }
    if (this.stopping.signal.aborted) return;
    this.fetchNext[partition] = Math.max(this.fetchNext[partition], batch.nextOffset);
    this.tracker.fetchedTo(partition, batch.nextOffset);
    this.afterProgress();
  }

  /** Starts the lane's next call when it is idle: its oldest record, with the next ones of the same partition up to --batch-size. */
  private pump(lane: Lane): void {
    if (lane.busy || lane.head === lane.queue.length || this.stopping.signal.aborted) return;
    const first = lane.queue[lane.head];
    const entries = [first];
    lane.head += 1;
    while (entries.length < this.spec.batchSize && lane.head < lane.queue.length && lane.queue[lane.head].partition === first.partition) {
      entries.push(lane.queue[lane.head]);
      lane.head += 1;
    }
    if (lane.head === lane.queue.length) {
      lane.queue = [];
      lane.head = 0;
    }
    lane.busy = true;
    void this.deliver(entries).then(() => {
      lane.busy = false;
      this.pump(lane);
    });
  }

  /** Calls until the sink takes the records (2xx or a listed status), waiting --retry-interval between calls; gives up only when stopping. */
  private async deliver(entries: LaneEntry[]): Promise<void> {
    const { spec } = this;
    const records = entries.map((e) => ({ partition: e.partition, offset: e.record.offset, key: e.record.key, value: e.record.value }));
    for (let attempt = 0; ; attempt += 1) {
      if (attempt > 0) {
        this.retries += 1;
        await sleepUntil(Date.now() + spec.retryIntervalMs, this.stopping.signal);
        if (this.stopping.signal.aborted) return;
      }
      const callStartMs = performance.now();
      this.firstCallMs ??= callStartMs;
      this.calls += 1;
      this.inFlight += 1;
      const outcome = await this.client.call(records);
      this.inFlight -= 1;
      const answeredMs = performance.now();
      this.lastAnswerMs = answeredMs;
      recordLatencyUs(this.callLatency, (answeredMs - callStartMs) * 1000);
      const label = 'status' in outcome ? String(outcome.status) : outcome.error;
      this.statuses[label] = (this.statuses[label] ?? 0) + 1;
      const status = 'status' in outcome ? outcome.status : undefined;
      const accepted = status !== undefined && status >= 200 && status < 300;
      if (!accepted && !(status !== undefined && spec.nonRetriableStatuses.includes(status))) {
        const failing = this.failingCalls.failed(label, answeredMs);
        if (failing) this.hooks.onCallsFailing?.(failing);
        if (this.stopping.signal.aborted) return;
        continue;
      }
      const failedMs = this.failingCalls.succeeded(answeredMs);
      if (failedMs !== undefined) this.hooks.onCallsRecovered?.(failedMs);
      for (const entry of entries) {
        recordLatencyUs(this.recordLatency, (answeredMs - entry.enqueuedAtMs) * 1000);
        this.tracker.complete(entry.partition, entry.record.offset);
      }
      if (accepted) this.recordsDelivered += entries.length;
      else this.recordsRejected += entries.length;
      this.afterProgress();
      return;
    }
  }

  /** After records completed: fetching may go on, and the drain may be caught up (then committed at once). */
  private afterProgress(): void {
    if (this.tracker.pending() < this.spec.pendingAcks) for (const wake of this.capacityWaiters.splice(0)) wake();
    if (this.spec.untilCaughtUp && !this.catchingUp && this.caughtUp()) {
      this.catchingUp = true;
      void this.commit().then(() => {
        this.caughtUpMs = performance.now();
        this.stop('caught-up');
      });
    }
  }

  private caughtUp(): boolean {
    return this.endOffsets.every((end, p) => this.tracker.committable(p) >= end);
  }

  /** Resolves once no lane has a call out (polled: it is waited for once, at the end). */
  private lanesIdle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.lanes.every((l) => !l.busy)) resolve();
        else setTimeout(check, 20);
      };
      check();
    });
  }

  /** Commits every intervalMs until the drain stops. */
  private async commitEvery(intervalMs: number): Promise<void> {
    const { signal } = this.stopping;
    for (let atMs = Date.now() + intervalMs; !signal.aborted; atMs += intervalMs) {
      await sleepUntil(atMs, signal);
      if (!signal.aborted) await this.commit();
    }
  }

  /** Commits each partition's committable prefix that moved; one commit at a time. */
  private commit(): Promise<void> {
    this.committing = this.committing.then(async () => {
      const driver = this.driver;
      if (!driver) return;
      const offsets = this.committedTo
        .map((committed, partition) => ({ partition, offset: this.tracker.committable(partition), committed }))
        .filter(({ offset, committed }) => offset > committed);
      if (offsets.length === 0) return;
      try {
        await driver.commit(offsets.map(({ partition, offset }) => ({ partition, offset })));
        for (const { partition, offset } of offsets) this.committedTo[partition] = offset;
      } catch {
        // A commit refused during a rebalance: the next one carries the same offsets.
      }
    });
    return this.committing;
  }
}
