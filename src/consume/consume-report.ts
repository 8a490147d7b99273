import type { DecodeFigures } from '../registry/schema-decoder.js';
import { DEFAULT_DRIVER, type DriverName } from '../drivers/driver-registry.js';
import { formatJavaFixed, formatKafkaDate, type DatePattern } from '../report/java-format.js';
import { createTable } from '../report/table.js';
import { formatUncheckedAccounting } from '../report/unchecked-accounting.js';

/**
 * The figures of a consume run and the lines kafka-consumer-perf-test prints for them (Kafka 4.x,
 * org.apache.kafka.tools.ConsumerPerformance): same header, same columns, same number and date formats.
 * MB = 1024 * 1024 bytes of keys plus values, as Kafka counts them.
 */
const BYTES_PER_MB = 1024 * 1024;
const RATE_COLUMNS = 'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

export const SUMMARY_HEADER = `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ${RATE_COLUMNS}`;
export const DETAILED_HEADER = `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ${RATE_COLUMNS}`;

export interface ConsumeCounts {
  records: number;
  /** Key plus value bytes of the counted records. */
  payloadBytes: number;
  startMs: number;
  endMs: number;
  /** Time spent joining the group (Kafka's rebalance.time.ms). */
  rebalanceMs: number;
}

export interface ConsumeFigures extends ConsumeCounts {
  durationMs: number;
  megabytes: number;
  mbPerSec: number;
  recordsPerSec: number;
  /** durationMs − rebalanceMs: the time spent fetching. */
  fetchMs: number;
  fetchMbPerSec: number;
  fetchRecordsPerSec: number;
}

/** Kafka's arithmetic, including its Infinity and NaN when a duration is 0 (the line prints NaN as 0). */
export function consumeFigures(counts: ConsumeCounts): ConsumeFigures {
  const durationMs = counts.endMs - counts.startMs;
  const megabytes = counts.payloadBytes / BYTES_PER_MB;
  const fetchMs = durationMs - counts.rebalanceMs;
  return {
    ...counts,
    durationMs,
    megabytes,
    mbPerSec: megabytes / (durationMs / 1000),
    recordsPerSec: counts.records / (durationMs / 1000),
    fetchMs,
    fetchMbPerSec: megabytes / (fetchMs / 1000),
    fetchRecordsPerSec: counts.records / (fetchMs / 1000),
  };
}

/**
 * The data line under SUMMARY_HEADER. A rate of nothing over no time (every broker gone before the first fetch)
 * is 0, as Kafka's detailed-stats line prints it, not Java's NaN.
 */
export function formatSummaryLine(f: ConsumeFigures, dates?: DatePattern): string {
  const rate = (perSec: number) => formatJavaFixed(Number.isNaN(perSec) ? 0 : perSec, 4);
  return [
    formatKafkaDate(f.startMs, dates), formatKafkaDate(f.endMs, dates), formatJavaFixed(f.megabytes, 4), rate(f.mbPerSec),
    String(f.records), rate(f.recordsPerSec), String(f.rebalanceMs), String(f.fetchMs), rate(f.fetchMbPerSec), rate(f.fetchRecordsPerSec),
  ].join(', ');
}

/** One consumer's progress over one reporting interval (--show-detailed-stats). */
export interface IntervalCounts {
  workerId: number;
  startMs: number;
  endMs: number;
  /** Since the run started. */
  totalRecords: number;
  totalPayloadBytes: number;
  /** Within the interval. */
  records: number;
  payloadBytes: number;
  rebalanceMs: number;
}

export interface IntervalFigures extends IntervalCounts {
  totalMegabytes: number;
  mbPerSec: number;
  recordsPerSec: number;
  fetchMs: number;
  fetchMbPerSec: number;
  fetchRecordsPerSec: number;
}

/** Kafka's printConsumerProgress arithmetic: fetch rates are 0 when the interval was all rebalancing. */
export function intervalFigures(counts: IntervalCounts): IntervalFigures {
  const elapsedMs = counts.endMs - counts.startMs;
  const megabytes = counts.payloadBytes / BYTES_PER_MB;
  const fetchMs = elapsedMs - counts.rebalanceMs;
  return {
    ...counts,
    totalMegabytes: counts.totalPayloadBytes / BYTES_PER_MB,
    mbPerSec: (1000 * megabytes) / elapsedMs,
    recordsPerSec: (counts.records / elapsedMs) * 1000,
    fetchMs,
    fetchMbPerSec: fetchMs <= 0 ? 0 : (1000 * megabytes) / fetchMs,
    fetchRecordsPerSec: fetchMs <= 0 ? 0 : (1000 * counts.records) / fetchMs,
  };
}

/** A data line under DETAILED_HEADER; threadId is the consumer's index in the group. */
export function formatIntervalLine(f: IntervalFigures, dates?: DatePattern): string {
  return [
    formatKafkaDate(f.endMs, dates), String(f.workerId), formatJavaFixed(f.totalMegabytes, 4), formatJavaFixed(f.mbPerSec, 4),
    String(f.totalRecords), formatJavaFixed(f.recordsPerSec, 4), String(f.rebalanceMs), String(f.fetchMs),
    formatJavaFixed(f.fetchMbPerSec, 4), formatJavaFixed(f.fetchRecordsPerSec, 4),
  ].join(', ');
}

/** Kafka's warning when --timeout ends the run early, word for word (Kafka prints it on stdout). */
export function formatTimeoutWarning(timeoutMs: number): string {
  return `WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. ` +
    'You can use the --timeout option to increase the timeout.';
}

/** The stderr progress line shown on a terminal while consuming. */
export function formatProgress(records: number, target: number, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (records * 1000) / elapsedMs : 0;
  return `consumed ${records}/${target} records (${Math.floor((records * 100) / target)}%), ` +
    `${rate.toFixed(0)} records/sec, ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** Said when a group has more consumers than the topic has partitions: Kafka gives the extra ones nothing. */
export function formatIdleConsumersNote(workers: number, partitions: number): string | undefined {
  if (workers <= partitions) return undefined;
  const idle = workers - partitions;
  return `note: ${workers} consumers on ${partitions} partition${partitions === 1 ? '' : 's'}: ${idle} of them will be assigned nothing and idle ` +
    `(a partition is read by one consumer of a group); use --workers ${partitions} or a topic with more partitions`;
}

/**
 * The last line of a consume run a Ctrl-C reached: what it counted and committed when the Ctrl-C cut it short
 * (partial), or that the run had already ended when it came (after the last record was counted); undefined without one.
 */
export function formatConsumeInterruptedLine(run: { interrupted: boolean; partial: boolean; records: number }, target: number, group: string): string | undefined {
  if (run.partial) return `PARTIAL RUN: stopped by Ctrl-C after ${run.records} of ${target} records; group ${group} committed exactly those`;
  if (!run.interrupted) return undefined;
  return run.records === target
    ? `interrupted after the run was complete: all ${target} records were counted before the interrupt`
    : `interrupted after the run had ended: ${run.records} of ${target} records were counted before the interrupt`;
}

export function formatConsumeAccounting(
  accounting: { countedRecords: number; committedOffsetGrowth: number; transactionMarkers: number; match: boolean; uncheckedBecause?: string }, group: string,
): string {
  const markers = accounting.transactionMarkers > 0 ? ` (and ${accounting.transactionMarkers} transaction markers passed)` : '';
  if (accounting.uncheckedBecause !== undefined) {
    return formatUncheckedAccounting(`${accounting.countedRecords} records counted${markers}`, `group ${group}'s committed offsets`, accounting.uncheckedBecause);
  }
  return `accounting: ${accounting.countedRecords} records counted${markers}, group ${group}'s committed offsets grew by ` +
    `${accounting.committedOffsetGrowth}: ${accounting.match ? 'match' : 'MISMATCH'}`;
}

/** --schema-registry: every counted value decoded or why not, the ids seen and what the registry and decoding cost. */
export function formatDecodeLine(figures: DecodeFigures & { url: string }): string {
  const failed = figures.unknownId + figures.undecodable + figures.notFramed;
  return `schema registry: ${figures.decoded} values decoded, ${figures.unknownId} of an unknown schema id, ${figures.undecodable} not decodable, ` +
    `${figures.notFramed} not in the wire format${failed > 0 ? ' (FAILED)' : ''}; schema ids ${figures.ids.join(', ') || 'none'}; ` +
    `${figures.lookups} look-up${figures.lookups === 1 ? '' : 's'} in ${figures.lookupMs.toFixed(1)} ms, decoding ${figures.decodeMs.toFixed(1)} ms ` +
    `(${figures.decoded > 0 ? ((figures.decodeMs * 1000) / figures.decoded).toFixed(2) : '0.00'} µs a value), at ${figures.url}`;
}

/** Consumers of a run that failed (the cluster gone), and the first one's error. */
export interface FailedConsumers {
  count: number;
  firstError: string;
}

/** The errors line of a run whose consumers failed: what they counted before is in the figures. */
export function formatFailedConsumers(failed: FailedConsumers, workers: number): string {
  return `errors: ${failed.count} of ${workers} consumer(s) failed (${failed.firstError}); the figures are of the records counted before`;
}

/** Said at the start of a run whose consumers read with another client than the default. */
export function formatDriverNote(driver: DriverName): string | undefined {
  return driver === DEFAULT_DRIVER ? undefined : `consumers read with driver ${driver}`;
}

/** One consumer's share of a consume run, as the result keeps it. */
export interface ConsumerFigures {
  workerId: number;
  records: number;
  payloadBytes: number;
  rebalanceMs: number;
}

/**
 * A row per consumer (printed with several consumers, or with --print-metrics): its records and MB, and its
 * rates over the time it held partitions (the run less its own rebalance time).
 */
export function formatConsumersTable(workers: ConsumerFigures[], durationMs: number, colour?: boolean): string {
  const table = createTable(['consumer', 'records', 'MB', 'records/s', 'MB/s', 'rebalance ms'], { colour, colAligns: Array(6).fill('right') });
  for (const w of workers) {
    const megabytes = w.payloadBytes / BYTES_PER_MB;
    const seconds = Math.max(durationMs - w.rebalanceMs, 1) / 1000;
    table.push([String(w.workerId), String(w.records), megabytes.toFixed(4), (w.records / seconds).toFixed(1), (megabytes / seconds).toFixed(4), String(w.rebalanceMs)]);
  }
  return table.toString();
}
