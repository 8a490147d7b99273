import kafkajs from '../kafka/kafkajs.js';
import { defaultClusterDir } from '../cluster/launcher.js';
import type { Admin, Kafka, Producer } from 'kafkajs';
import {
  ensureCommitted, failedConsumersOf, groupStart, requireIdleGroup, resultOrThrow, startConsumerGroup, type ConsumerGroupRun, type GroupOutcome,
} from './consumer-group.js';
import type { WorkerOutcome } from './consume-protocol.js';
import { latencyResolutionMs } from './e2e-latency.js';
import type { CodecName } from '../kafka/codecs.js';
import { formatIdleConsumersNote, type FailedConsumers } from './consume-report.js';
import { DataStormError } from '../shared/errors.js';
import { faultReport, type FaultReport, type FaultStep } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { countPerSlot, runFaults } from '../faults/run-faults.js';
import { sceneOf } from '../faults/node-faults.js';
import { encodeHistogram, mergeHistograms, summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import { PRODUCER_RETRY, createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { producePaced, type PacedLoad, type PacedProduceResult } from './paced-producer.js';
import { epochMs } from '../shared/clock.js';
import type { DriverName } from '../drivers/driver-registry.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { prepareTopic, readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';
import { IdentityLedger, type Verification } from '../verify/identity-ledger.js';
import type { RecordIdentity } from '../kafka/record-identity.js';
import type { SendOutcomes } from '../verify/send-outcomes.js';

const { ConfigResourceTypes } = kafkajs;

/**
 * `datastorm e2e`: a rate-limited producer and W consumers of one group run together; each record's latency is the
 * consumer's clock minus the record's creation time (OpenMessaging Benchmark's end-to-end latency): in µs from the
 * creation-time header, producer and consumers sharing the process's clock, else from its CreateTime timestamp (1 ms);
 * merged across consumers in one HDR histogram.
 */
export interface EndToEndConfig {
  /** The Kafka client the consumers read with (--driver). */
  driver: DriverName;
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  topic: string;
  ratePerSec: number;
  durationMs: number;
  recordSizeBytes: number;
  compression: CodecName;
  workers: number;
  group: string;
  fetchSizeBytes: number;
  /** Used when the topic has to be created. */
  partitions: number;
  replication: number;
  /** How long to wait, after the last send, for the consumers to get every record. */
  drainTimeoutMs: number;
  /** Faults to cause on the local cluster once producing starts (--fault). */
  faults: FaultStep[];
  /** --verify: every record carries its identity, and what the consumers read is accounted for by it. */
  verify?: boolean;
}

export interface EndToEndResult {
  schemaVersion: 1;
  command: 'e2e';
  startedAt: string;
  config: EndToEndConfig;
  /** Time for the consumers to join and the group to settle, before the first record was sent. */
  groupBalanceMs: number;
  producer: { records: number; failedRecords: number; firstError?: string; durationMs: number; recordsPerSec: number };
  consumer: { records: number; payloadBytes: number; drainMs: number; workers: Array<{ workerId: number; records: number }> };
  /**
   * produce → consume per record, in µs: from the creation-time header where the producer shares the consumers'
   * clock (this run's records: resolution 0.001 ms), else from CreateTime (whole milliseconds: 1 ms).
   */
  latency: LatencySummaryUs & { histogram: string; resolutionMs: number; headerTimedRecords: number };
  /**
   * brokerOffsetGrowth is NaN (null in JSON) when the topic's end offsets could not be read after the run (the
   * cluster was gone): uncheckedBecause says why, and nothing was checked.
   */
  accounting: { producedRecords: number; consumedRecords: number; brokerOffsetGrowth: number; match: boolean; uncheckedBecause?: string };
  /** With --fault: when each fault happened, the longest stall and the recovery of records consumed. */
  faults?: FaultReport;
  /** True when the run was stopped early (Ctrl-C): it produced less than --rate × --duration. */
  partial: boolean;
  /** Consumers that failed (the cluster gone): their records counted before are in the figures, their latencies are lost. */
  failedConsumers?: FailedConsumers;
  /** With --verify: every record the producer sent accounted for by identity in what the consumers read. */
  verification?: Verification;
}

const BALANCE_TIMEOUT_MS = 60_000;
const DRAIN_POLL_MS = 20;

/**
 * Kafka's producer batch.size default: what the topic is sized for when e2e creates it. A paced send holds a
 * partition's waiting records, a few KB at e2e's rates.
 */
const E2E_BATCH_BYTES = 16 * 1024;

/** Creates the topic or checks it (its partitions returned): records the topic would refuse, and LogAppendTime stamps, fail here. */
export async function prepareEndToEndTopic(
  admin: Admin, config: Pick<EndToEndConfig, 'topic' | 'partitions' | 'replication' | 'recordSizeBytes'>, brokers: number, log: (line: string) => void,
): Promise<number> {
  // The same checks as produce's: a record the topic would refuse is an error before the consumers start.
  const { partitions } = await prepareTopic(admin, {
    topic: config.topic, partitions: config.partitions, replication: config.replication, batchBytes: E2E_BATCH_BYTES,
    largestRecordBytes: config.recordSizeBytes,
  }, brokers, log);
  // Asked again while a topic just created is still unknown to some broker (UNKNOWN_TOPIC_OR_PARTITION, once in CI-like runs).
  const described = await whenClusterSettled(() => admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: config.topic, configNames: ['message.timestamp.type'] }],
    includeSynonyms: false,
  }));
  const timestampType = described.resources[0]?.configEntries.find((e) => e.configName === 'message.timestamp.type')?.configValue;
  if (timestampType === 'LogAppendTime') {
    throw new DataStormError('DS_LOG_APPEND_TIME', `topic ${config.topic} stamps records with LogAppendTime, not the producer's time`, {
      hint: 'end-to-end latency needs message.timestamp.type=CreateTime: use another topic',
    });
  }
  return partitions;
}

/**
 * One pass of the e2e path: the consumers, their group, the producer's schedule and how long to wait for the rest
 * (EndToEndConfig's, the rate aside), and the topic's partitions.
 */
export interface EndToEndPassConfig extends Omit<EndToEndConfig, 'ratePerSec' | 'partitions' | 'replication'> {
  load: PassLoad;
  /** The topic's partitions (as prepared). */
  partitions: number;
  /** A latency histogram per window of this length on the shared clock too (WorkerOutcome's latencyWindows). */
  latencyWindowMs?: number;
  /** The schedule starts so that it ends on a whole multiple of this, epoch ms on the shared clock: its last window is whole. */
  endOnMultipleOfMs?: number;
}

/** The producer's schedule (paced-producer.ts), the consumers' count given by the pass. */
export type PassLoad = Exclude<PacedLoad, { kind: 'consumers' }> | { kind: 'consumers'; aheadRecords: number };

/** What a pass measured: the group's settling, the producer's records, the consumers' outcomes, the topic's growth. */
export interface EndToEndPass {
  startedAt: string;
  groupBalanceMs: number;
  /** When the producer's schedule started, epoch ms on the shared clock. */
  scheduleStartMs: number;
  produced: PacedProduceResult;
  drainMs: number;
  faults?: FaultReport;
  outcomes: WorkerOutcome[];
  failed?: GroupOutcome['failed'];
  /** The topic's end offsets' growth over the pass; NaN with unreadBecause when they could not be read after it. */
  growth: { value: number; unreadBecause?: string };
  /** With verify: what the consumers read, accounted for by identity. */
  verification?: Verification;
}

/** A schedule in a log line: `500 records/s`. */
function describeLoad(load: PassLoad): string {
  if (load.kind === 'rate') return `${load.rateRps} records/s`;
  if (load.kind === 'profile') return `from ${Math.round(load.points[0].recordsPerSec)} to ${Math.round(load.points.at(-1)!.recordsPerSec)} records/s`;
  return 'as fast as the consumers read';
}

/** A schedule's margin after the group settled, when it starts on a window's edge: the producer's first tick is not late. */
const ALIGN_MARGIN_MS = 50;

/** Waits for the group to settle, produces on schedule, then waits until the consumers have every acknowledged record. */
async function produceWhileConsuming(config: EndToEndPassConfig, admin: Admin, producer: Producer, group: ConsumerGroupRun, hooks: EndToEndHooks,
  ledger: IdentityLedger | undefined):
Promise<Pick<EndToEndPass, 'groupBalanceMs' | 'scheduleStartMs' | 'produced' | 'drainMs' | 'faults'>> {
  const { log, signal } = hooks;
  const balanceStartMs = Date.now();
  await group.balanced(admin, BALANCE_TIMEOUT_MS);
  const groupBalanceMs = Date.now() - balanceStartMs;
  log(`group ${config.group} settled in ${groupBalanceMs} ms with ${config.workers} consumer(s); ` +
    `producing ${describeLoad(config.load)} for ${config.durationMs / 1000} s`);
  const faultsStartMs = Date.now();
  const timeline = config.faults.length ? countPerSlot(() => group.counters.totalRecords(), faultsStartMs) : undefined;
  const faults = timeline ? runFaults(config.faults, faultsStartMs, sceneOf(defaultClusterDir(), config.topic), log) : undefined;
  const align = config.endOnMultipleOfMs;
  const scheduleStartMs = align === undefined ? epochMs()
    : Math.ceil((epochMs() + ALIGN_MARGIN_MS + config.durationMs) / align) * align - config.durationMs;
  const consumed = () => group.counters.totalRecords();
  const load: PacedLoad = config.load.kind === 'consumers' ? { ...config.load, consumed } : config.load;
  // A send that fails ends the pass: the faults are healed first (a paused node or a rule never outlives it).
  const produced = await producePaced(producer, {
    ...config, load, signal, startAtEpochMs: scheduleStartMs, ...(ledger ? { onOutcomes: (outcomes: SendOutcomes) => ledger.sent(outcomes) } : {}),
  }).catch(async (error: unknown) => { await faults?.finish(); throw error; });
  const drainStartMs = Date.now();
  while (consumed() < produced.records && !group.counters.stopped() && Date.now() - drainStartMs <= config.drainTimeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  const drainMs = Date.now() - drainStartMs;
  const events = await faults?.finish();
  return { groupBalanceMs, scheduleStartMs, produced, drainMs, faults: events && faultReport(events, timeline!.stop(), 'consumed') };
}

/**
 * One pass of the e2e path on a topic that is ready, with a producer connected: the group starts at the end of the log
 * (its consumers count exactly what the pass produces), settles, the producer sends on schedule while the consumers
 * read, then they read the rest; what they counted is committed and the topic's growth read.
 */
export async function endToEndPass(admin: Admin, producer: Producer, config: EndToEndPassConfig, hooks: EndToEndHooks): Promise<EndToEndPass> {
  await requireIdleGroup(admin, config.group);
  const before = await groupStart(admin, config.group, config.topic, config.partitions);
  const startedAt = new Date().toISOString();
  const ledger = config.verify ? new IdentityLedger() : undefined;
  const group = startConsumerGroup({
    driver: config.driver, bootstrap: config.bootstrap, security: config.security, topic: config.topic, group: config.group, workers: config.workers,
    fetchSizeBytes: config.fetchSizeBytes, measureLatency: true, recordLimit: Number.MAX_SAFE_INTEGER, startOffsets: before.endOffsets,
    ...(config.latencyWindowMs === undefined ? {} : { latencyWindowMs: config.latencyWindowMs }),
    ...(ledger ? { onRead: (partition: number, identity: RecordIdentity | undefined) => ledger.read(partition, identity) } : {}),
  });
  const run = await produceWhileConsuming(config, admin, producer, group, hooks, ledger).finally(() => group.stop());
  // Once every consumer has left, the main thread has every record they posted.
  const { outcomes, failed } = await group.finished;
  // The consumers read committed records (both drivers' default when they read each record).
  const verification = ledger?.verification((partition) => ({ topic: config.topic, partition }), { isolation: 'read_committed', readMs: 0 });
  const growth = await readOrWhyNot(async () => {
    await ensureCommitted(admin, config.group, config.topic, before.endOffsets, group.counters.highestOffsets());
    const after = await groupStart(admin, config.group, config.topic, config.partitions);
    return after.endOffsets.reduce((sum, end, p) => sum + end - before.endOffsets[p], 0);
  }, Number.NaN);
  return { startedAt, ...run, outcomes, ...(failed ? { failed } : {}), growth, ...(verification ? { verification } : {}) };
}

/** The kafkajs producer of the e2e path, whatever --driver (the consumers'): producePaced sends records with their due times, not a worker's batches. */
export function endToEndProducer(kafka: Kafka): Producer {
  // Idempotent, as produce is by default with acks=all: a retried send through a broker failure writes no duplicate.
  return kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY });
}

export interface EndToEndHooks {
  log: (line: string) => void;
  /** Aborting (Ctrl-C) ends producing early; what was acknowledged is still read, committed and accounted. */
  signal?: AbortSignal;
}

export async function runEndToEnd(config: EndToEndConfig, hooks: EndToEndHooks = { log: () => undefined }): Promise<EndToEndResult> {
  const { log } = hooks;
  checkFaultTarget(config.faults, config.bootstrap);
  const brokers = await describeBrokers(config.bootstrap, { security: config.security });
  const kafka = createKafka(config.bootstrap, 'datastorm-e2e', {}, config.security);
  const admin = kafka.admin();
  const producer = endToEndProducer(kafka);
  await admin.connect();
  try {
    const partitions = await prepareEndToEndTopic(admin, config, brokers.length, log);
    const idleNote = formatIdleConsumersNote(config.workers, partitions);
    if (idleNote) log(idleNote);
    await producer.connect();
    const run = await endToEndPass(admin, producer, { ...config, load: { kind: 'rate', rateRps: config.ratePerSec }, partitions }, hooks);
    const { outcomes, growth } = run;
    const consumed = outcomes.reduce((sum, o) => sum + o.records, 0);
    const result: EndToEndResult = {
      schemaVersion: 1,
      command: 'e2e',
      startedAt: run.startedAt,
      config: { ...config, security: publicSecurity(config.security) },
      groupBalanceMs: run.groupBalanceMs,
      producer: { ...run.produced, recordsPerSec: (run.produced.records * 1000) / run.produced.durationMs },
      consumer: {
        records: consumed,
        payloadBytes: outcomes.reduce((sum, o) => sum + o.payloadBytes, 0),
        drainMs: run.drainMs,
        workers: outcomes.map((o) => ({ workerId: o.workerId, records: o.records })),
      },
      latency: endToEndLatency(outcomes),
      accounting: {
        producedRecords: run.produced.records,
        consumedRecords: consumed,
        brokerOffsetGrowth: growth.value,
        match: run.produced.records === consumed && consumed === growth.value,
        ...(growth.unreadBecause !== undefined ? { uncheckedBecause: growth.unreadBecause } : {}),
      },
      faults: run.faults,
      partial: Boolean(hooks.signal?.aborted),
      ...failedConsumersOf(run.failed),
      ...(run.verification ? { verification: run.verification } : {}),
    };
    return resultOrThrow(result, { what: `${config.topic}'s end offsets`, because: growth.unreadBecause }, run.failed);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect();
  }
}

/** The consumers' latencies merged (exact), with the resolution they were measured at. */
function endToEndLatency(outcomes: WorkerOutcome[]): EndToEndResult['latency'] {
  const histogram = mergeHistograms(outcomes.flatMap((o) => (o.latencyHistogram ? [o.latencyHistogram] : [])));
  const headerTimedRecords = outcomes.reduce((sum, o) => sum + (o.headerTimedRecords ?? 0), 0);
  return {
    ...summarizeLatency(histogram), histogram: encodeHistogram(histogram),
    resolutionMs: latencyResolutionMs(headerTimedRecords, histogram.totalCount), headerTimedRecords,
  };
}
