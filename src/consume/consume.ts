import { DataStormError } from '../shared/errors.js';
import { readOrWhyNot } from '../kafka/topic.js';
import type { Admin } from 'kafkajs';
import { consumeFigures, intervalFigures, type ConsumeFigures, type FailedConsumers, type IntervalFigures } from './consume-report.js';
import type { ConsumeCounters } from './consume-counters.js';
import {
  ensureCommitted, failedConsumersOf, groupStart, requireIdleGroup, resultOrThrow, startConsumerGroup, topicPartitionCount, type ConsumerGroupRun,
} from './consumer-group.js';
import { groupRebalanceMs } from './group-timeline.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { defaultClusterDir } from '../cluster/launcher.js';
import { faultReport, type FaultEvent, type FaultReport, type FaultStep } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { countPerSlot, runFaults, type RunningFaults } from '../faults/run-faults.js';
import { sceneOf } from '../faults/node-faults.js';
import type { DriverName } from '../drivers/driver-registry.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { publicRegistry, type RegistrySettings } from '../registry/registry-settings.js';
import { addDecodeFigures, type DecodeFigures } from '../registry/schema-decoder.js';

/**
 * `datastorm consume`: kafka-consumer-perf-test's measurement with W consumers of one group, counting exactly
 * the records asked for and committing exactly those, so the count reconciles with the group's offsets.
 */
export interface ConsumeConfig {
  /** The Kafka client the consumers read with (--driver). */
  driver: DriverName;
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  /** The topic, or a pattern that must match exactly one topic's whole name (consumer-perf-test's --include). */
  topic: string | { include: string };
  numRecords: number;
  group: string;
  fetchSizeBytes: number;
  /** Longest wait between records before giving up (Kafka's --timeout; it counts from the start). */
  timeoutMs: number;
  showDetailedStats: boolean;
  reportingIntervalMs: number;
  workers: number;
  /** Faults to cause on the local cluster once the consumers start (--fault). */
  faults: FaultStep[];
  /** A partition the group has no commit in starts at its end, not its start (consumer-perf-test's --from-latest). */
  fromLatest: boolean;
  /** --schema-registry: every value counted is decoded in Confluent's wire format (credentials included: show publicRegistry). */
  schemaRegistry?: RegistrySettings;
}

export interface ConsumeAccounting {
  countedRecords: number;
  /** Records on the topic past the group's start when the run began. */
  availableRecords: number;
  /** Σ over partitions of (committed offset after the run − first offset the group read); NaN (null in JSON) when uncheckedBecause. */
  committedOffsetGrowth: number;
  /** Transaction markers passed between counted records: offsets, not records (Kafka's consumers skip them too). */
  transactionMarkers: number;
  /** committedOffsetGrowth = countedRecords + transactionMarkers. */
  match: boolean;
  /** Why the group's committed offsets could not be read after the run (the cluster was gone): nothing was checked. */
  uncheckedBecause?: string;
}

export interface ConsumeResult {
  schemaVersion: 1;
  command: 'consume';
  startedAt: string;
  config: ConsumeConfig & { topic: string };
  totals: ConsumeFigures;
  workers: Array<{ workerId: number; records: number; payloadBytes: number; rebalanceMs: number }>;
  /** Per consumer and reporting interval (Kafka's --show-detailed-stats lines); always measured. */
  intervals: IntervalFigures[];
  accounting: ConsumeAccounting;
  /** True when --timeout passed between records before the count was reached. */
  timedOut: boolean;
  /** True when the run was stopped early (Ctrl-C): the figures and the commit are of the records counted until then. */
  partial: boolean;
  /** With --fault: when each fault happened, the longest stall, the recovery, records consumed per 100 ms. */
  faults?: FaultReport;
  /** Consumers that failed (the cluster gone): the figures are of the records they counted before. */
  failedConsumers?: FailedConsumers;
  /** --schema-registry: what decoding every counted value came to, all consumers together. */
  schemaRegistry?: DecodeFigures & { url: string };
}

export interface ConsumeListener {
  /** The checks passed and the consumers are starting (Kafka's tool prints its header here). */
  onStart?: (partitions: number) => void;
  onInterval?: (interval: IntervalFigures) => void;
  onProgress?: (records: number, elapsedMs: number) => void;
  /** A --fault step ran (or failed). */
  onFault?: (line: string) => void;
  /** Aborting (Ctrl-C) stops the consumers: each commits what it counted, and the result is marked partial. */
  signal?: AbortSignal;
}

const TICK_MS = 50;

/** Cuts each consumer's counts into Kafka's detailed-stats intervals: a line once the interval passed and records came. */
class IntervalTracker {
  private readonly last: Array<{ atMs: number; records: number; payloadBytes: number; rebalanceMs: number }>;
  readonly intervals: IntervalFigures[] = [];

  constructor(private readonly counters: ConsumeCounters, startMs: number, private readonly intervalMs: number) {
    this.last = Array.from({ length: counters.layout.workers }, () => ({ atMs: startMs, records: 0, payloadBytes: 0, rebalanceMs: 0 }));
  }

  /** The intervals that closed by nowMs; with final, every consumer's last partial one too. */
  close(nowMs: number, final: boolean): IntervalFigures[] {
    const closed: IntervalFigures[] = [];
    this.last.forEach((last, workerId) => {
      const records = this.counters.records(workerId);
      if (records === last.records || (!final && nowMs - last.atMs < this.intervalMs)) return;
      const payloadBytes = this.counters.payloadBytes(workerId);
      const rebalanceMs = this.counters.rebalanceMs(workerId);
      closed.push(intervalFigures({
        workerId, startMs: last.atMs, endMs: nowMs, totalRecords: records, totalPayloadBytes: payloadBytes,
        records: records - last.records, payloadBytes: payloadBytes - last.payloadBytes, rebalanceMs: rebalanceMs - last.rebalanceMs,
      }));
      this.last[workerId] = { atMs: nowMs, records, payloadBytes, rebalanceMs };
    });
    this.intervals.push(...closed);
    return closed;
  }
}

/**
 * Reports intervals and progress until the consumers stop (record limit reached, or a consumer failed), and
 * stops them when no record has come for --timeout (counted from the start, as Kafka does).
 */
async function watchUntilStopped(group: ConsumerGroupRun, config: ConsumeConfig & { topic: string }, listener: ConsumeListener, submittedMs: number):
Promise<{ tracker?: IntervalTracker; timedOutAtMs?: number; interruptedAtMs?: number; faultEvents?: FaultEvent[]; consumedPerSlot: number[] }> {
  const { counters } = group;
  let faults: RunningFaults | undefined;
  let timeline: { stop(): number[] } | undefined;
  let tracker: IntervalTracker | undefined;
  let timedOutAtMs: number | undefined;
  let interruptedAtMs: number | undefined;
  let lastTotal = 0;
  let lastRecordMs = submittedMs;
  // Whatever ends the watch, the faults are healed (finish again after the return's is harmless).
  try {
    while (!counters.stopped()) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      const nowMs = Date.now();
      const startMs = group.startedAtMs();
      if (startMs !== undefined) tracker ??= new IntervalTracker(counters, startMs, config.reportingIntervalMs);
      if (startMs !== undefined && config.faults.length > 0 && !faults) {
        timeline = countPerSlot(() => counters.totalRecords(), startMs);
        faults = runFaults(config.faults, startMs, sceneOf(defaultClusterDir(), config.topic), (line) => listener.onFault?.(line));
      }
      for (const interval of tracker?.close(nowMs, false) ?? []) listener.onInterval?.(interval);
      const total = counters.totalRecords();
      if (total > lastTotal) [lastTotal, lastRecordMs] = [total, nowMs];
      listener.onProgress?.(total, nowMs - (startMs ?? submittedMs));
      if (nowMs - lastRecordMs > config.timeoutMs && !counters.stopped()) {
        timedOutAtMs = nowMs;
        group.stop();
      }
      if (listener.signal?.aborted && !counters.stopped()) {
        interruptedAtMs = nowMs;
        group.stop();
      }
    }
    return { tracker, timedOutAtMs, interruptedAtMs, faultEvents: await faults?.finish(), consumedPerSlot: timeline?.stop() ?? [] };
  } finally {
    await faults?.finish();
  }
}

/** Java's include patterns match a topic's whole name (Pattern.matches); throws on a pattern that does not compile. */
export function wholeNamePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/** The topic a run reads: the one named, or the one topic whose whole name the --include pattern matches. */
async function topicNamed(admin: Admin, topic: ConsumeConfig['topic']): Promise<string> {
  if (typeof topic === 'string') return topic;
  const pattern = topic.include;
  const whole = wholeNamePattern(pattern);
  const matching = (await admin.listTopics()).filter((name) => whole.test(name)).sort();
  if (matching.length === 1) return matching[0];
  if (matching.length === 0) throw new DataStormError('DS_UNKNOWN_TOPIC', `no topic matches --include ${pattern}`, { hint: 'check the pattern: it must match a whole topic name' });
  throw new DataStormError('DS_BAD_OPTION', `--include ${pattern} matches ${matching.length} topics (${matching.slice(0, 5).join(', ')}${matching.length > 5 ? ', ...' : ''}): DataStorm consumes one topic a run`, {
    hint: 'narrow the pattern to one topic, or give it with --topic',
  });
}

export async function runConsume(given: ConsumeConfig, listener: ConsumeListener = {}): Promise<ConsumeResult> {
  checkFaultTarget(given.faults, given.bootstrap);
  await describeBrokers(given.bootstrap, { security: given.security });
  const admin = createKafka(given.bootstrap, 'datastorm-consume-admin', {}, given.security).admin();
  await admin.connect();
  try {
    const config = { ...given, topic: await topicNamed(admin, given.topic) };
    const partitions = await topicPartitionCount(admin, config.topic);
    await requireIdleGroup(admin, config.group);
    const start = await groupStart(admin, config.group, config.topic, partitions, config.fromLatest ? 'latest' : 'earliest');
    listener.onStart?.(partitions);
    const startedAt = new Date().toISOString();
    const submittedMs = Date.now();
    const group = startConsumerGroup({
      driver: config.driver, bootstrap: config.bootstrap, security: config.security, topic: config.topic, group: config.group, workers: config.workers,
      fetchSizeBytes: config.fetchSizeBytes, measureLatency: false, recordLimit: config.numRecords, startOffsets: start.startOffsets,
      ...(config.schemaRegistry ? { registry: config.schemaRegistry } : {}),
    });
    const { counters } = group;
    const watched = await watchUntilStopped(group, config, listener, submittedMs);
    const { outcomes, failed } = await group.finished;
    const endMs = counters.limitReachedAtMs() ?? watched.timedOutAtMs ?? watched.interruptedAtMs ?? Date.now();
    const startMs = group.startedAtMs() ?? submittedMs;
    const tracker = watched.tracker ?? new IntervalTracker(counters, startMs, config.reportingIntervalMs);
    for (const interval of tracker.close(endMs, true)) listener.onInterval?.(interval);

    const growth = await readOrWhyNot(async () => {
      await ensureCommitted(admin, config.group, config.topic, start.startOffsets, counters.highestOffsets());
      const after = await groupStart(admin, config.group, config.topic, partitions, 'earliest', start.startOffsets);
      return after.startOffsets.reduce((sum, offset, p) => sum + offset - start.startOffsets[p], 0);
    }, Number.NaN);
    const records = outcomes.reduce((sum, o) => sum + o.records, 0);
    const result: ConsumeResult = {
      schemaVersion: 1,
      command: 'consume',
      startedAt,
      config: { ...config, security: publicSecurity(config.security), ...(config.schemaRegistry ? { schemaRegistry: publicRegistry(config.schemaRegistry) } : {}) },
      totals: consumeFigures({
        records,
        payloadBytes: outcomes.reduce((sum, o) => sum + o.payloadBytes, 0),
        startMs,
        endMs,
        rebalanceMs: groupRebalanceMs(group.events(), startMs, endMs),
      }),
      workers: outcomes.map(({ workerId, records: r, payloadBytes, rebalanceMs }) => ({ workerId, records: r, payloadBytes, rebalanceMs })),
      intervals: tracker.intervals,
      accounting: {
        countedRecords: records,
        availableRecords: start.endOffsets.reduce((sum, end, p) => sum + end - start.startOffsets[p], 0),
        committedOffsetGrowth: growth.value,
        transactionMarkers: counters.totalMarkers(),
        match: growth.value === records + counters.totalMarkers(),
        ...(growth.unreadBecause !== undefined ? { uncheckedBecause: growth.unreadBecause } : {}),
      },
      timedOut: watched.timedOutAtMs !== undefined,
      partial: watched.interruptedAtMs !== undefined,
      faults: watched.faultEvents ? faultReport(watched.faultEvents, watched.consumedPerSlot, 'consumed') : undefined,
      ...failedConsumersOf(failed),
      ...(config.schemaRegistry ? { schemaRegistry: { url: config.schemaRegistry.url, ...addDecodeFigures(outcomes.flatMap((o) => (o.schemas ? [o.schemas] : []))) } } : {}),
    };
    return resultOrThrow(result, { what: `group ${config.group}'s committed offsets`, because: growth.unreadBecause }, failed);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
