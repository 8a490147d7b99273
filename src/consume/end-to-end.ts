import kafkajs from '../kafka/kafkajs.js';
import { defaultClusterDir } from '../cluster/launcher.js';
import type { Admin, Producer } from 'kafkajs';
import {
  ensureCommitted, failedConsumersOf, groupStart, requireIdleGroup, resultOrThrow, startConsumerGroup, type ConsumerGroupRun,
} from './consumer-group.js';
import type { CodecName } from '../kafka/codecs.js';
import { formatIdleConsumersNote, type FailedConsumers } from './consume-report.js';
import { DataStormError } from '../shared/errors.js';
import { faultReport, type FaultReport, type FaultStep } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { countPerSlot, runFaults } from '../faults/run-faults.js';
import { encodeHistogram, mergeHistograms, summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import { PRODUCER_RETRY, createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { producePaced, type PacedProduceResult } from './paced-producer.js';
import type { DriverName } from '../drivers/driver-registry.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { prepareTopic, readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';

const { ConfigResourceTypes } = kafkajs;

/**
 * `datastorm e2e`: a rate-limited producer and W consumers of one group run together; each record's
 * latency is the consumer's clock minus the record's CreateTime timestamp (OpenMessaging Benchmark's
 * end-to-end latency), merged across consumers in one HDR histogram.
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
  /** produce → consume per record, in µs; timestamps are whole milliseconds, so 1 ms is the resolution. */
  latency: LatencySummaryUs & { histogram: string; resolutionMs: 1 };
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
}

const BALANCE_TIMEOUT_MS = 60_000;
const DRAIN_POLL_MS = 20;

/**
 * Kafka's producer batch.size default: what the topic is sized for when e2e creates it. A paced send holds a
 * partition's waiting records, a few KB at e2e's rates.
 */
const E2E_BATCH_BYTES = 16 * 1024;

async function ensureTopic(admin: Admin, config: EndToEndConfig, brokers: number, log: (line: string) => void): Promise<number> {
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

/** Waits for the group to settle, produces on schedule, then waits until the consumers have every acknowledged record. */
async function produceWhileConsuming(
  config: EndToEndConfig, partitions: number, admin: Admin, producer: Producer, group: ConsumerGroupRun, hooks: EndToEndHooks,
): Promise<{ groupBalanceMs: number; produced: PacedProduceResult; drainMs: number; faults?: FaultReport }> {
  const { log, signal } = hooks;
  const balanceStartMs = Date.now();
  await group.balanced(admin, BALANCE_TIMEOUT_MS);
  const groupBalanceMs = Date.now() - balanceStartMs;
  log(`group ${config.group} settled in ${groupBalanceMs} ms with ${config.workers} consumer(s); ` +
    `producing ${config.ratePerSec} records/s for ${config.durationMs / 1000} s`);
  const faultsStartMs = Date.now();
  const timeline = config.faults.length ? countPerSlot(() => group.counters.totalRecords(), faultsStartMs) : undefined;
  const faults = timeline ? runFaults(config.faults, faultsStartMs, defaultClusterDir(), log) : undefined;
  const produced = await producePaced(producer, { ...config, partitions, signal });
  const drainStartMs = Date.now();
  while (group.counters.totalRecords() < produced.records && !group.counters.stopped()
    && Date.now() - drainStartMs <= config.drainTimeoutMs) {
    await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
  }
  const drainMs = Date.now() - drainStartMs;
  const events = await faults?.finish();
  return { groupBalanceMs, produced, drainMs, faults: events && faultReport(events, timeline!.stop(), 'consumed') };
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
  // kafkajs's producer whatever --driver (the consumers'): producePaced sends records with their due times, not a worker's batches.
  // Idempotent, as produce is by default with acks=all: a retried send through a broker failure writes no duplicate.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY });
  await admin.connect();
  try {
    const partitions = await ensureTopic(admin, config, brokers.length, log);
    const idleNote = formatIdleConsumersNote(config.workers, partitions);
    if (idleNote) log(idleNote);
    await requireIdleGroup(admin, config.group);
    // The consumers start at the end of the log (they seek there on assignment): they count exactly what this run produces.
    const before = await groupStart(admin, config.group, config.topic, partitions);
    const startedAt = new Date().toISOString();
    const group = startConsumerGroup({
      driver: config.driver, bootstrap: config.bootstrap, security: config.security, topic: config.topic, group: config.group, workers: config.workers,
      fetchSizeBytes: config.fetchSizeBytes, measureLatency: true, recordLimit: Number.MAX_SAFE_INTEGER, startOffsets: before.endOffsets,
    });
    await producer.connect();
    const run = await produceWhileConsuming(config, partitions, admin, producer, group, hooks).finally(() => group.stop());
    const { outcomes, failed } = await group.finished;
    const growth = await readOrWhyNot(async () => {
      await ensureCommitted(admin, config.group, config.topic, before.endOffsets, group.counters.highestOffsets());
      const after = await groupStart(admin, config.group, config.topic, partitions);
      return after.endOffsets.reduce((sum, end, p) => sum + end - before.endOffsets[p], 0);
    }, Number.NaN);
    const consumed = outcomes.reduce((sum, o) => sum + o.records, 0);
    const histogram = mergeHistograms(outcomes.flatMap((o) => (o.latencyHistogram ? [o.latencyHistogram] : [])));
    const result: EndToEndResult = {
      schemaVersion: 1,
      command: 'e2e',
      startedAt,
      config: { ...config, security: publicSecurity(config.security) },
      groupBalanceMs: run.groupBalanceMs,
      producer: { ...run.produced, recordsPerSec: (run.produced.records * 1000) / run.produced.durationMs },
      consumer: {
        records: consumed,
        payloadBytes: outcomes.reduce((sum, o) => sum + o.payloadBytes, 0),
        drainMs: run.drainMs,
        workers: outcomes.map((o) => ({ workerId: o.workerId, records: o.records })),
      },
      latency: { ...summarizeLatency(histogram), histogram: encodeHistogram(histogram), resolutionMs: 1 },
      accounting: {
        producedRecords: run.produced.records,
        consumedRecords: consumed,
        brokerOffsetGrowth: growth.value,
        match: run.produced.records === consumed && consumed === growth.value,
        ...(growth.unreadBecause !== undefined ? { uncheckedBecause: growth.unreadBecause } : {}),
      },
      faults: run.faults,
      partial: Boolean(hooks.signal?.aborted),
      ...failedConsumersOf(failed),
    };
    return resultOrThrow(result, { what: `${config.topic}'s end offsets`, because: growth.unreadBecause }, failed);
  } finally {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect();
  }
}
