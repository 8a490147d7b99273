import type { RegisteredValueSchema } from './value-schemas.js';
import type { TransactionCounts } from './transaction-cycle.js';
import type { RunConfig } from './run-config.js';
import type { LatencySummaryUs } from '../shared/histograms.js';
import type { BatchBufferPlan } from './batch-buffers.js';
import type { FaultReport } from '../faults/fault-plan.js';
import type { BrokerRelease } from '../kafka/kafka-releases.js';
import { DataStormError } from '../shared/errors.js';
import { verificationFailure, type Verification } from '../verify/identity-ledger.js';

/**
 * The versioned result of a produce run: what `--json` prints and `bench` files keep. Units are in every
 * field name. Histograms are HDR, compressed base64, in microseconds: results of several processes merge
 * exactly by adding them (src/report/histograms.ts mergeHistograms).
 */
export const RESULT_SCHEMA_VERSION = 1;

export interface MachineInfo {
  hostname: string;
  platform: string;
  arch: string;
  cpuModel: string;
  cpuCount: number;
  totalMemoryBytes: number;
  nodeVersion: string;
}

export interface LatencyResult extends LatencySummaryUs {
  histogram: string;
}

export interface IntervalResult extends Throughput {
  /** End of the interval, since the run started. */
  elapsedMs: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  /** With --throughput-profile: the rate the profile asked for over the interval (records due in it / its length). */
  profileRecordsPerSec?: number;
}

export interface WorkerResult {
  workerId: number;
  records: number;
  payloadBytes: number;
  wireBytes: number;
  /** Produce calls (one record batch each). */
  requests: number;
  /** Of those, the calls that failed (absent in results written before they were counted). */
  failedRequests?: number;
  errors: number;
  /** Time appending waited for a free batch buffer: buffer.memory was full (backpressure). */
  bufferWaitMs: number;
  /** Where the worker closed its batches at the end (below the plan's limit while requests queued over --queue-target). */
  batchLimitEndBytes?: number;
  latency: LatencyResult;
}

/** Records and value bytes over a duration, and the rates they make (MB = 1024 * 1024 bytes, as Kafka's tools). */
export interface Throughput {
  /** Records acknowledged by the broker. */
  records: number;
  payloadBytes: number;
  durationMs: number;
  recordsPerSec: number;
  mbPerSec: number;
}

export interface Totals extends Throughput {
  /** Bytes the producers wrote to their sockets: requests after compression, protocol headers and all. */
  wireBytes: number;
  compressionRatio: number;
  /** Records that failed, by error type. */
  errors: Record<string, number>;
}

const BYTES_PER_MB = 1024 * 1024;

export function throughputOf(records: number, payloadBytes: number, durationMs: number): Throughput {
  const seconds = Math.max(durationMs, 1) / 1000;
  return { records, payloadBytes, durationMs, recordsPerSec: records / seconds, mbPerSec: payloadBytes / BYTES_PER_MB / seconds };
}

/** The totals of counts kept over a run (or added up over several processes' runs). */
export function totalsOf(
  counts: { records: number; payloadBytes: number; wireBytes: number; errors: Record<string, number> }, durationMs: number,
): Totals {
  return {
    ...throughputOf(counts.records, counts.payloadBytes, durationMs),
    wireBytes: counts.wireBytes,
    compressionRatio: counts.wireBytes > 0 ? counts.payloadBytes / counts.wireBytes : 0,
    errors: counts.errors,
  };
}

export interface Accounting {
  acknowledgedRecords: number;
  /** Growth of the topic's end offsets on the broker during the run (NaN, null in JSON, when uncheckedBecause). */
  brokerOffsetGrowth: number;
  /** Transactions' commit and abort markers: each takes an offset too (absent without transactions). */
  transactionMarkers?: number;
  /** brokerOffsetGrowth = acknowledgedRecords + transactionMarkers. */
  match: boolean;
  /** Why the topic's offsets could not be read after the run (the cluster was gone): nothing was checked. */
  uncheckedBecause?: string;
  /**
   * The topic's end offsets, summed over partitions, read before the run and after its last ack. Shards that
   * share a topic each see the others' records in their growth; merged, max(after) - min(before) is exact.
   */
  topicEndOffsetTotalBefore: number;
  topicEndOffsetTotalAfter: number;
  /** With several topics: each one's records acknowledged and offset growth (the totals above add them up). */
  topics?: TopicAccounting[];
}

export interface TopicAccounting {
  topic: string;
  acknowledgedRecords: number;
  brokerOffsetGrowth: number;
  match: boolean;
}

export interface ValueSizes {
  count: number;
  minBytes: number;
  meanBytes: number;
  maxBytes: number;
}

/** What a run states before it starts: its settings, where it runs, and how its memory is split. */
export type RunHeader = Pick<ProduceResult, 'config' | 'buffers' | 'values' | 'machine' | 'cluster' | 'threads' | 'schemaRegistry'>;

export interface ProduceResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  tool: 'datastorm';
  toolVersion: string;
  startedAt: string;
  /**
   * The measured window in Unix epoch ms: the workers' go signal, the first steady-state send (after
   * warmup) and the last ack. Results of several processes or hosts merge on it (src/bench/merge-results.ts).
   */
  measuredWindow: { startEpochMs: number; endEpochMs: number; steadyStartEpochMs?: number };
  config: RunConfig;
  /** Worker threads the workers ran on: one per worker up to the cores, then several workers to a thread (absent in older results: one each). */
  threads?: number;
  /** How buffer.memory was split: each worker's batch buffers, and the size at which batches closed. */
  buffers: BatchBufferPlan;
  /** The record values the run sent from (its pool): what a --schema or --payload-file really made them. */
  values: ValueSizes;
  /** --schema-registry: the subject and id the values' framing carries, and a --schema-change's outcome. */
  schemaRegistry?: RegisteredValueSchema;
  machine: MachineInfo;
  /** `kafka`: the brokers' release, read from them (absent in results written before it was, or when they did not say). */
  cluster: { bootstrap: string[]; brokers: number; embedded: boolean; kafka?: BrokerRelease };
  totals: Totals;
  /** send → ack, per record. */
  latency: LatencyResult;
  /** intended send time → ack, per record; set only under a --throughput limit (coordinated omission). */
  intendedLatency?: LatencyResult;
  /** The figures after --warmup-records, when set. */
  steadyState?: { totals: Throughput; latency: LatencyResult };
  intervals: IntervalResult[];
  workers: WorkerResult[];
  accounting: Accounting;
  process: { peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number };
  /**
   * With --start-at: the barrier, when the first worker started (epoch ms, as its thread read the clock), and how
   * long after the barrier that was (a few ms: on time; more: the process was not ready by then).
   */
  barrier?: { plannedEpochMs: number; firstSendEpochMs: number; lateMs: number };
  /** With transactions: what the workers' transactions came to, all together. */
  transactions?: TransactionCounts;
  /** With --fault: when each fault happened, the longest stall, the recovery, acknowledgements per 100 ms. */
  faults?: FaultReport;
  /** With --verify: every record read back after the run and accounted for by its identity. */
  verification?: Verification;
  /** True when the run was stopped early (Ctrl-C, a fatal error): the figures are of what was done. */
  partial: boolean;
}

/** A timer may fire a millisecond early; a start earlier than this before its barrier did not wait for it. */
export const BARRIER_EARLY_MS = 5;

/** How long before its barrier a run started, when it did not wait for it; undefined when it started at it or later. */
export function barrierEarlyMs(barrier: NonNullable<ProduceResult['barrier']>): number | undefined {
  const earlyMs = barrier.plannedEpochMs - barrier.firstSendEpochMs;
  return earlyMs > BARRIER_EARLY_MS ? earlyMs : undefined;
}

/** Records that failed, all error types together. */
export function failedRecords(errors: Record<string, number>): number {
  return Object.values(errors).reduce((sum, count) => sum + count, 0);
}

/** The requests of a worker the broker acknowledged: what records and bytes per request are averaged over. */
export function acknowledgedRequests(worker: WorkerResult): number {
  return worker.requests - (worker.failedRequests ?? 0);
}

/**
 * Whether a run measured anything, the same everywhere (produce, bench, analysis): undefined when it did; else
 * the error to end with. Failed records make no benchmark; nor do acknowledged records the topic's offsets do
 * not show, unless other processes share the topic (their results are reconciled when merged).
 */
export function verdictOf(result: ProduceResult, label = ''): DataStormError | undefined {
  const prefix = label ? `${label}: ` : '';
  // First: identities say what counts only hint at (a lost record and a duplicated one cancel out in counts).
  const unverified = result.verification && verificationFailure(result.verification, prefix);
  if (unverified) return unverified;
  if (!result.config.sharedTopic && !result.accounting.match) {
    const markers = result.accounting.transactionMarkers ? ` and ${result.accounting.transactionMarkers} transaction markers` : '';
    return new DataStormError('DS_ACCOUNTING_MISMATCH', `${prefix}${result.accounting.acknowledgedRecords} records acknowledged${markers} but ` +
      `${result.config.topic}'s offsets grew by ${result.accounting.brokerOffsetGrowth}`, {
      hint: 'another producer wrote to the topic during the run: give the run a topic of its own',
    });
  }
  const earlyMs = result.barrier && !result.partial ? barrierEarlyMs(result.barrier) : undefined;
  if (earlyMs !== undefined) {
    return new DataStormError('DS_BARRIER_MISSED', `${prefix}the run started ${earlyMs.toFixed(1)} ms before its start barrier ` +
      `${new Date(result.barrier!.plannedEpochMs).toISOString()}: its figures are not of a start at the barrier`);
  }
  const failed = failedRecords(result.totals.errors);
  if (failed > 0) return new DataStormError('DS_RECORDS_FAILED', `${prefix}${failed} records failed to send (see the errors line)`);
  return undefined;
}
