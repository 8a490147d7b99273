import type { Admin } from 'kafkajs';
import { WorkerPool } from '../engine/worker-pool.js';
import { workerModule } from '../engine/worker-modules.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { shareGroupsRefusal } from '../kafka/kafka-releases.js';
import { readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';
import { brokerFeatures } from '../drivers/broker-version.js';
import { setGroupConfig, shareGroupOffsets } from '../drivers/share-group-admin.js';
import type { AckMode } from '../drivers/share-consumer.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { DataStormError, RunFailedError, accountingUnchecked } from '../shared/errors.js';
import { mergeHistograms, summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import { topicPartitionCount } from './consumer-group.js';
import type { AckPolicy } from './share-acknowledgements.js';
import { DELIVERY_BUCKETS, LEDGER_MAX_RECORDS, ShareCounters, type ShareWorkerFigures } from './share-counters.js';
import type { ShareConsumeTask, ShareWorkerEvent } from './share-protocol.js';
import {
  shareAccountingMatches, type AcknowledgementCounts, type ShareAccounting, type ShareFigures, type ShareInterval,
} from './share-report.js';

/**
 * `datastorm consume --share-group G`: W share consumers (KIP-932) in worker threads, acquiring and acknowledging the
 * topic's records until exactly --num-records are settled (accepted, or rejected with --reject-rate), measured as
 * kafka-share-consumer-perf-test measures, and reconciled with the broker: the group's lag must fall by as many, and
 * the ledger of every record (share-counters.ts) must show each settled once.
 */
export interface ShareConsumeConfig {
  bootstrap: string[];
  security: ClientSecurity;
  topic: string;
  shareGroup: string;
  numRecords: number;
  /** Most bytes a ShareFetch returns (--fetch-size). */
  fetchSizeBytes: number;
  /** Longest wait between records before giving up (--timeout). */
  timeoutMs: number;
  showDetailedStats: boolean;
  reportingIntervalMs: number;
  workers: number;
  ackMode: AckMode;
  releaseRate: number;
  rejectRate: number;
  /** The group's share.auto.offset.reset: where it starts on a partition it has not read (earliest unless --from-latest). */
  fromLatest: boolean;
}

export interface ShareConsumeResult {
  schemaVersion: 1;
  command: 'consume';
  mode: 'share';
  startedAt: string;
  config: ShareConsumeConfig;
  totals: ShareFigures;
  workers: Array<ShareFigures & { workerId: number; clientId: string }>;
  intervals: ShareInterval[];
  acknowledgements: AcknowledgementCounts;
  /** Per record, from the fetch that acquired it to the broker's confirmation of its acknowledgement (refused ones left out). */
  acknowledgementLatency: LatencySummaryUs;
  accounting: ShareAccounting;
  timedOut: boolean;
  partial: boolean;
  failedConsumers?: { count: number; firstError: string };
}

export interface ShareConsumeListener {
  onStart?: (partitions: number) => void;
  onInterval?: (interval: ShareInterval) => void;
  onProgress?: (settled: number, elapsedMs: number) => void;
  /** Aborting (Ctrl-C) stops the consumers: what they hold is released, the result is partial. */
  signal?: AbortSignal;
}

const TICK_MS = 50;
/** Records a ShareFetch acquires per partition (Java's max.poll.records default). */
const MAX_RECORDS = 500;
/** How long the group's lag may take to show the last acknowledgements (the share coordinator writes them after the broker applies them). */
const SETTLE_WAIT_MS = 15_000;

export const shareClientId = (workerId: number) => `datastorm-share-consumer-${workerId + 1}`;

/** Refuses a cluster that cannot run share groups, in one line, before any work. */
export async function requireShareGroups(bootstrap: string[], security: ClientSecurity): Promise<void> {
  const [host, port] = [bootstrap[0].slice(0, bootstrap[0].lastIndexOf(':')), Number(bootstrap[0].slice(bootstrap[0].lastIndexOf(':') + 1))];
  const refusal = shareGroupsRefusal(await brokerFeatures(host, port, security));
  if (refusal) throw new DataStormError('DS_SHARE_GROUPS_UNSUPPORTED', refusal, { hint: 'run on a cluster of Kafka 4.2 or newer: datastorm cluster up starts 4.4.0' });
}

/** Per partition: where the run's records start (the group's start offset, else the log's start or end) and the log's end. */
async function readableRange(admin: Admin, config: ShareConsumeConfig, partitions: number) {
  const ends = await whenClusterSettled(() => admin.fetchTopicOffsets(config.topic));
  const offsets = await shareGroupOffsets(config.bootstrap, config.security, config.shareGroup, config.topic, partitions);
  return Array.from({ length: partitions }, (_, p) => {
    const end = ends.find((e) => e.partition === p);
    const [low, high] = [Number(end?.low ?? 0), Number(end?.high ?? 0)];
    const started = offsets[p].startOffset >= 0;
    const start = started ? Math.max(offsets[p].startOffset, low) : config.fromLatest ? high : low;
    return { start, end: high, lag: started && offsets[p].lag >= 0 ? offsets[p].lag : high - start };
  });
}

/**
 * The group's total lag on the topic, with the records written to it since the run began (`endBefore`, the ends'
 * sum then) taken off. A partition the group has not started on (never fetched: empty, say) lags by all its records past
 * where it would start (`starts`).
 */
async function lagNow(admin: Admin, config: ShareConsumeConfig, starts: number[], endBefore: number): Promise<number> {
  const ends = await whenClusterSettled(() => admin.fetchTopicOffsets(config.topic));
  const endOf = (p: number) => Number(ends.find((e) => e.partition === p)?.high ?? 0);
  const written = ends.reduce((sum, e) => sum + Number(e.high), 0) - endBefore;
  const offsets = await shareGroupOffsets(config.bootstrap, config.security, config.shareGroup, config.topic, starts.length);
  return offsets.reduce((sum, o, p) => sum + (o.lag >= 0 ? o.lag : endOf(p) - starts[p]), 0) - written;
}

/** Cuts each consumer's deliveries into Kafka's detailed-stats intervals. */
class ShareIntervals {
  private readonly last: Array<{ atMs: number; records: number; bytes: number }> = [];
  readonly intervals: ShareInterval[] = [];

  constructor(private readonly counters: ShareCounters, private readonly intervalMs: number) {}

  close(nowMs: number, startMs: number, final: boolean): ShareInterval[] {
    const closed: ShareInterval[] = [];
    for (let workerId = 0; workerId < this.counters.layout.workers; workerId++) {
      const last = (this.last[workerId] ??= { atMs: startMs, records: 0, bytes: 0 });
      const { acquired, acquiredBytes } = this.counters.worker(workerId);
      if (acquired === last.records || (!final && nowMs - last.atMs < this.intervalMs)) continue;
      closed.push({
        workerId, startMs: last.atMs, endMs: nowMs, totalRecords: acquired, totalPayloadBytes: acquiredBytes,
        records: acquired - last.records, payloadBytes: acquiredBytes - last.bytes,
      });
      this.last[workerId] = { atMs: nowMs, records: acquired, bytes: acquiredBytes };
    }
    this.intervals.push(...closed);
    return closed;
  }
}

const sumOf = (workers: ShareWorkerFigures[], pick: (w: ShareWorkerFigures) => number) => workers.reduce((sum, w) => sum + pick(w), 0);

export async function runShareConsume(config: ShareConsumeConfig, listener: ShareConsumeListener = {}): Promise<ShareConsumeResult> {
  await describeBrokers(config.bootstrap, { security: config.security });
  await requireShareGroups(config.bootstrap, config.security);
  const admin = createKafka(config.bootstrap, 'datastorm-share-admin', {}, config.security).admin();
  await admin.connect();
  try {
    const partitions = await topicPartitionCount(admin, config.topic);
    await setGroupConfig(config.bootstrap, config.security, config.shareGroup, 'share.auto.offset.reset', config.fromLatest ? 'latest' : 'earliest');
    const ranges = await readableRange(admin, config, partitions);
    const endBefore = ranges.reduce((sum, r) => sum + r.end, 0);
    const availableRecords = ranges.reduce((sum, r) => sum + r.lag, 0);
    const ledgerRecords = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
    const ledgerOn = ledgerRecords <= LEDGER_MAX_RECORDS;
    const layout = {
      workers: config.workers, recordLimit: config.numRecords,
      ledgerStarts: ranges.map((r) => r.start), ledgerLengths: ranges.map((r) => (ledgerOn ? r.end - r.start : 0)),
    };
    const counters = ShareCounters.create(layout);
    listener.onStart?.(partitions);
    const startedAt = new Date().toISOString();
    let startMs: number | undefined;
    const policy: AckPolicy = { releaseRate: config.releaseRate, rejectRate: config.rejectRate };
    const pool = new WorkerPool<never, ShareWorkerEvent, string>({
      workers: config.workers, threads: config.workers, inProcess: false, workerFile: workerModule('share-consume'),
      taskOf: (workerId): Omit<ShareConsumeTask, 'port'> => ({
        workerId, bootstrap: config.bootstrap, security: config.security, topic: config.topic, group: config.shareGroup,
        fetchMaxBytes: config.fetchSizeBytes, maxRecords: MAX_RECORDS, ackMode: config.ackMode, policy, counters: counters.buffers, layout,
      }),
      onMessage: (event) => { startMs = Math.min(startMs ?? event.atMs, event.atMs); },
    });
    pool.firstFailure().catch(() => counters.stop());
    const submittedMs = Date.now();
    const intervals = new ShareIntervals(counters, config.reportingIntervalMs);
    const settledNow = () => counters.total('accepted') + counters.total('rejected');
    let lastDeliveries = 0;
    // --timeout counts from the first consumer's start, as Kafka's tool counts from its consumers' creation: a thread
    // slow to start on a loaded machine (10 s at load 11 here) is not a topic without records.
    let lastDeliveryMs: number | undefined;
    let timedOutAtMs: number | undefined;
    let interruptedAtMs: number | undefined;
    let stoppedAtMs: number | undefined;
    while (pool.running) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      const nowMs = Date.now();
      if (counters.stopped()) stoppedAtMs ??= nowMs;
      if (stoppedAtMs === undefined) for (const interval of intervals.close(nowMs, startMs ?? submittedMs, false)) listener.onInterval?.(interval);
      const deliveries = counters.total('acquired');
      if (deliveries > lastDeliveries) [lastDeliveries, lastDeliveryMs] = [deliveries, nowMs];
      lastDeliveryMs ??= startMs;
      listener.onProgress?.(settledNow(), nowMs - (startMs ?? submittedMs));
      if (!counters.stopped() && lastDeliveryMs !== undefined && nowMs - lastDeliveryMs > config.timeoutMs) {
        timedOutAtMs = nowMs;
        counters.stop();
      }
      if (!counters.stopped() && listener.signal?.aborted) {
        interruptedAtMs = nowMs;
        counters.stop();
      }
    }
    const settled = await pool.settled();
    await pool.destroy();
    const endMs = stoppedAtMs ?? Date.now();
    const runStartMs = startMs ?? submittedMs;
    for (const interval of intervals.close(endMs, runStartMs, true)) listener.onInterval?.(interval);

    const workers = Array.from({ length: config.workers }, (_, w) => counters.worker(w));
    const acknowledgements: AcknowledgementCounts = {
      acquired: sumOf(workers, (w) => w.acquired), accepted: sumOf(workers, (w) => w.accepted), released: sumOf(workers, (w) => w.released),
      rejected: sumOf(workers, (w) => w.rejected), redelivered: sumOf(workers, (w) => w.redelivered), ackFailed: sumOf(workers, (w) => w.ackFailed),
      deliveryCounts: Array.from({ length: DELIVERY_BUCKETS }, (_, i) => sumOf(workers, (w) => w.deliveryCounts[i])),
    };
    const settledRecords = acknowledgements.accepted + acknowledgements.rejected;
    // The share coordinator records the last acknowledgements a moment after the broker applied them: wait for them to show.
    const fell = await readOrWhyNot(async () => {
      const deadline = Date.now() + SETTLE_WAIT_MS;
      for (;;) {
        const fallen = availableRecords - await lagNow(admin, config, ranges.map((r) => r.start), endBefore);
        if (fallen === settledRecords || Date.now() > deadline) return fallen;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }, Number.NaN);
    const accountingBase = {
      settled: settledRecords, availableRecords, brokerSettled: fell.value, ...(ledgerOn ? { ledger: counters.ledgerSummary() } : {}),
      ...(fell.unreadBecause !== undefined ? { uncheckedBecause: fell.unreadBecause } : {}),
    };
    const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    const ackLatency = mergeHistograms(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : [])));
    const result: ShareConsumeResult = {
      schemaVersion: 1,
      command: 'consume',
      mode: 'share',
      startedAt,
      config: { ...config, security: publicSecurity(config.security) },
      totals: { records: acknowledgements.acquired, payloadBytes: sumOf(workers, (w) => w.acquiredBytes), startMs: runStartMs, endMs },
      workers: workers.map((w, workerId) => ({ workerId, clientId: shareClientId(workerId), records: w.acquired, payloadBytes: w.acquiredBytes, startMs: runStartMs, endMs })),
      intervals: intervals.intervals,
      acknowledgements,
      acknowledgementLatency: summarizeLatency(ackLatency),
      accounting: { ...accountingBase, match: shareAccountingMatches(accountingBase) },
      timedOut: timedOutAtMs !== undefined,
      partial: interruptedAtMs !== undefined,
      ...(failures.length > 0 ? { failedConsumers: { count: failures.length, firstError: (failures[0].reason as Error).message } } : {}),
    };
    if (fell.unreadBecause !== undefined) throw accountingUnchecked(`group ${config.shareGroup}'s share-group offsets`, fell.unreadBecause, result);
    if (result.failedConsumers) {
      throw new RunFailedError('DS_CONSUMER_FAILED', `a share consumer of group ${config.shareGroup} failed: ${result.failedConsumers.firstError}`, result);
    }
    return result;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
