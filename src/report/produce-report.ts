import type { LatencySummaryUs } from '../shared/histograms.js';
import { type BatchEncoding, type RunConfig } from '../produce/run-config.js';
import { topicsOf } from '../kafka/topic.js';
import { acknowledgedRequests, barrierEarlyMs, failedRecords, type IntervalResult, type ProduceResult, type RunHeader, type Throughput, type ValueSizes } from '../produce/result.js';
import { createTable } from './table.js';
import { encodeHeaders, type RecordHeader } from '../kafka/record-batch.js';
import { formatUncheckedAccounting } from './unchecked-accounting.js';
import { formatSecurity } from '../security/client-security.js';
import type { RegisteredValueSchema } from '../produce/value-schemas.js';
import { FRAME_BYTES } from '../registry/wire-format.js';
import { DEFAULT_DRIVER } from '../drivers/driver-registry.js';

/**
 * The produce report, as pure functions of the result. The window and summary lines are byte-compatible with
 * Kafka's ProducerPerformance (same words, same number formats), so scripts that parse one parse the other.
 */

const ms = (us: number) => us / 1000;

/** `N records sent, R records/sec (X MB/sec), A ms avg latency, M ms max latency.` */
export function formatWindowLine(interval: IntervalResult): string {
  // After Kafka's line, so that parsers of perf-test's output still read it.
  const profile = interval.profileRecordsPerSec !== undefined ? ` (profile: ${interval.profileRecordsPerSec.toFixed(1)} records/sec)` : '';
  return `${interval.records} records sent, ${interval.recordsPerSec.toFixed(1)} records/sec ` +
    `(${interval.mbPerSec.toFixed(2)} MB/sec), ${interval.avgLatencyMs.toFixed(1)} ms avg latency, ` +
    `${interval.maxLatencyMs.toFixed(1)} ms max latency.${profile}`;
}

/**
 * Kafka's summary line. Its percentiles are whole milliseconds (Kafka truncates each latency to ms), and
 * ` steady state` follows the count for the figures after --warmup-records.
 */
export function formatSummaryLine(totals: Throughput, latency: LatencySummaryUs, steadyState = false): string {
  return `${totals.records}${steadyState ? ' steady state' : ''} records sent, ${totals.recordsPerSec.toFixed(6)} records/sec ` +
    `(${totals.mbPerSec.toFixed(2)} MB/sec), ${ms(latency.meanUs).toFixed(2)} ms avg latency, ` +
    `${ms(latency.maxUs).toFixed(2)} ms max latency, ${Math.floor(ms(latency.p50Us))} ms 50th, ` +
    `${Math.floor(ms(latency.p95Us))} ms 95th, ${Math.floor(ms(latency.p99Us))} ms 99th, ` +
    `${Math.floor(ms(latency.p999Us))} ms 99.9th.`;
}

/** Under a rate limit: latency from each record's intended send time, which a stalled sender cannot hide. */
export function formatIntendedLatencyLine(latency: LatencySummaryUs): string {
  return `latency from intended send time (coordinated omission corrected): ${formatLatencyFigures(latency)}.`;
}

/** '1.20 ms avg, 1.00 ms 50th, 3.00 ms 99th, 4.00 ms 99.9th, 5.00 ms max': a latency summary in one phrase. */
export function formatLatencyFigures(latency: LatencySummaryUs): string {
  return `${ms(latency.meanUs).toFixed(2)} ms avg, ${ms(latency.p50Us).toFixed(2)} ms 50th, ${ms(latency.p99Us).toFixed(2)} ms 99th, ` +
    `${ms(latency.p999Us).toFixed(2)} ms 99.9th, ${ms(latency.maxUs).toFixed(2)} ms max`;
}

export function formatAccountingLine(result: ProduceResult): string {
  const { acknowledgedRecords, brokerOffsetGrowth, match } = result.accounting;
  if (result.config.sharedTopic) {
    return `accounting: ${acknowledgedRecords} records acknowledged; ${result.config.topic} grew by ${brokerOffsetGrowth} with the other ` +
      'processes\' records (--shared-topic: checked when the results are merged)';
  }
  if (result.accounting.uncheckedBecause !== undefined) {
    return formatUncheckedAccounting(`${acknowledgedRecords} records acknowledged`, `${formatNames(topicsOf(result.config))}'s offsets`, result.accounting.uncheckedBecause);
  }
  const markers = result.accounting.transactionMarkers;
  if (markers !== undefined) {
    return match
      ? `accounting: ${acknowledgedRecords} records acknowledged + ${markers} transaction markers = ${brokerOffsetGrowth} offsets added to ${result.config.topic} (broker offsets): OK`
      : `accounting: MISMATCH: ${acknowledgedRecords} records acknowledged and ${markers} transaction markers but ${result.config.topic}'s offsets grew by ${brokerOffsetGrowth}`;
  }
  const topics = result.accounting.topics;
  if (topics) {
    const each = topics.map((t) => (t.match ? `${t.topic} ${t.acknowledgedRecords}` : `${t.topic} ${t.acknowledgedRecords} acknowledged but grew by ${t.brokerOffsetGrowth}`)).join(', ');
    return match
      ? `accounting: ${acknowledgedRecords} records acknowledged = ${brokerOffsetGrowth} records added to ${topics.length} topics (${each}) (broker offsets): OK`
      : `accounting: MISMATCH: ${acknowledgedRecords} records acknowledged, ${brokerOffsetGrowth} added to ${topics.length} topics (${each})`;
  }
  return match
    ? `accounting: ${acknowledgedRecords} records acknowledged = ${brokerOffsetGrowth} records added to ${result.config.topic} (broker offsets): OK`
    : `accounting: MISMATCH: ${acknowledgedRecords} records acknowledged but ${result.config.topic}'s offsets grew by ${brokerOffsetGrowth}`;
}

/** 'a, b, c', or the first and last of more than four: 'bench-0 ... bench-9'. */
function formatNames(names: string[]): string {
  return names.length <= 4 ? names.join(', ') : `${names[0]} ... ${names.at(-1)!}`;
}

/** When a run with a start barrier (--start-at) started; undefined without one. Never a start at the barrier that was not. */
export function formatStartLine(result: Pick<ProduceResult, 'barrier' | 'partial'>): string | undefined {
  const barrier = result.barrier;
  if (!barrier) return undefined;
  const at = new Date(barrier.plannedEpochMs).toISOString();
  const earlyMs = barrierEarlyMs(barrier);
  if (earlyMs !== undefined) {
    return result.partial
      ? `start: none: stopped ${(earlyMs / 1000).toFixed(1)} s before the barrier ${at}, nothing was sent`
      : `start: ${earlyMs.toFixed(1)} ms BEFORE the barrier ${at} (EARLY: the run did not wait for it)`;
  }
  return `start: ${barrier.lateMs.toFixed(1)} ms after the barrier ${at}${barrier.lateMs > BARRIER_LATE_MS ? ' (LATE: this process was not ready by then)' : ''}`;
}

/** A start later than this after its barrier was not the barrier's doing: the process was not ready. */
export const BARRIER_LATE_MS = 100;

/** What the run's transactions came to; undefined without transactions. */
export function formatTransactionsLine(result: ProduceResult): string | undefined {
  const t = result.transactions;
  const settings = result.config.transaction;
  if (!t || !settings) return undefined;
  const workers = result.config.workers;
  const ids = workers === 1 ? `${settings.id}-0` : `${settings.id}-0..${workers - 1}`;
  const seconds = result.totals.durationMs / 1000;
  const commits = t.committed > 0
    ? `${(t.committed / seconds).toFixed(1)} commits/s, a commit took ${(t.commitMsTotal / t.committed).toFixed(1)} ms on average (longest ${t.commitMsMax.toFixed(1)} ms); `
    : '';
  const aborts = t.aborted > 0
    ? `an abort took ${(t.abortMsTotal / t.aborted).toFixed(1)} ms on average (longest ${t.abortMsMax.toFixed(1)} ms); `
    : '';
  const aborted = t.aborted > 0 ? ` (${t.abortedRecords} records${settings.abortRate > 0 ? `, --abort-rate ${settings.abortRate}` : ''})` : '';
  return `transactions: ${t.committed} committed (${t.committedRecords} records, what read_committed consumers see), ${t.aborted} aborted${aborted}; ` +
    `${commits}${aborts}one every ${settings.durationMs} ms per producer, transactional ids ${ids}`;
}

/**
 * The batches the run sent: how many records a request carried on average, and (with --queue-target) where the
 * workers' batch limits ended; undefined for results written before batch limits were recorded.
 */
export function formatBatchesLine(result: ProduceResult): string | undefined {
  const limits = result.workers.map((w) => w.batchLimitEndBytes).filter((bytes): bytes is number => bytes !== undefined);
  if (limits.length === 0) return undefined;
  const requests = result.workers.reduce((sum, w) => sum + w.requests, 0);
  // Records and bytes are the acknowledged ones: averaged over the requests that carried them, not the failed ones.
  const acknowledged = result.workers.reduce((sum, w) => sum + acknowledgedRequests(w), 0);
  const records = result.workers.reduce((sum, w) => sum + w.records, 0);
  const kb = (bytes: number) => Math.round(bytes / 1024);
  const mean = acknowledged > 0 ? `${Math.round(records / acknowledged)} records (${kb(result.totals.payloadBytes / acknowledged)} KB of values)` : 'none';
  const sent = acknowledged < requests ? `${requests} requests (${requests - acknowledged} failed), ${mean} per acknowledged request` : `${requests} requests, ${mean} per request`;
  const ended = Math.min(...limits) === Math.max(...limits) ? `${kb(limits[0])} KB` : `${kb(Math.min(...limits))}-${kb(Math.max(...limits))} KB`;
  const queueTargetMs = result.config.queueTargetMs ?? 0;
  const control = queueTargetMs > 0 ? `batch limits ended at ${ended} (--queue-target ${queueTargetMs} ms)` : `batch limit ${ended}`;
  return `batches: ${sent}; ${control}`;
}

/** --schema-registry: the subject and id the values carry, and what a --schema-change came to. */
export function formatSchemaRegistryLine(schema: RegisteredValueSchema): string {
  const { change } = schema;
  const changed = !change ? ''
    : change.id !== undefined ? `; schema change: ${change.schemaFile} registered under ${change.subject} as id ${change.id} at ${((change.atMs ?? 0) / 1000).toFixed(1)} s ` +
      `(planned ${(change.plannedAtMs / 1000).toFixed(1)} s; registering took ${(change.registerMs ?? 0).toFixed(1)} ms), later values carry id ${change.id}`
      : change.notReached ? `; schema change to ${change.schemaFile} at ${(change.plannedAtMs / 1000).toFixed(1)} s: not reached, the run ended before`
        : `; schema change to ${change.schemaFile}: refused by the registry (${change.failure})`;
  return `schema registry: values in Confluent's wire format with schema id ${schema.id} of subject ${schema.subject} ` +
    `(${schema.subjectStrategy} strategy; ${schema.how} in ${schema.registerMs.toFixed(1)} ms before the run) at ${schema.url}${changed}`;
}

export function formatErrorsLine(errors: Record<string, number>): string {
  const entries = Object.entries(errors).sort(([a], [b]) => a.localeCompare(b));
  const count = entries.reduce((sum, [, n]) => sum + n, 0);
  // A client's words (a connection error) are quoted: their own colons and commas would run into the counts.
  const name = (type: string) => (/^[\w.-]+$/.test(type) ? type : JSON.stringify(type));
  return count === 0 ? 'errors: 0' : `errors: ${count} records failed (${entries.map(([type, n]) => `${name(type)}: ${n}`).join(', ')})`;
}

const fixed = (value: number, digits: number) => value.toFixed(digits);
const latencyCells = (l: LatencySummaryUs) =>
  [l.meanUs, l.p50Us, l.p95Us, l.p99Us, l.p999Us, l.p9999Us, l.maxUs].map((us) => fixed(ms(us), 2));

/** Per-worker and total rows: throughput, bytes on the wire, compression, latency to p99.99 and max (ms). */
export function formatResultTable(result: ProduceResult, colour?: boolean): string {
  const seconds = Math.max(result.totals.durationMs, 1) / 1000;
  const table = createTable(
    ['worker', 'records', 'records/s', 'MB/s', 'wire MB', 'ratio', 'avg ms', 'p50', 'p95', 'p99', 'p99.9', 'p99.99', 'max', 'errors'],
    { colour, colAligns: Array(14).fill('right') },
  );
  const mb = (bytes: number) => bytes / (1024 * 1024);
  for (const w of result.workers) {
    table.push([String(w.workerId), String(w.records), fixed(w.records / seconds, 0), fixed(mb(w.payloadBytes) / seconds, 2),
      fixed(mb(w.wireBytes), 2), fixed(w.wireBytes ? w.payloadBytes / w.wireBytes : 0, 2), ...latencyCells(w.latency), String(w.errors)]);
  }
  const t = result.totals;
  const errors = failedRecords(t.errors);
  table.push(['total', String(t.records), fixed(t.recordsPerSec, 0), fixed(t.mbPerSec, 2), fixed(mb(t.wireBytes), 2),
    fixed(t.compressionRatio, 2), ...latencyCells(result.latency), String(errors)]);
  return table.toString();
}

/** The run's settings in one line, for the top of a report. */
export function formatRunHeader(result: RunHeader): string {
  const c = result.config;
  // Results written before security was recorded have none: they were plaintext.
  const secured = c.security && c.security.protocol !== 'PLAINTEXT' ? ` over ${formatSecurity(c.security)}` : '';
  // Only another driver than the default is named (results written before drivers existed have none: kafkajs).
  const driver = c.driver && c.driver !== DEFAULT_DRIVER ? `driver ${c.driver}, ` : '';
  const topics = c.topics ? `${c.topics.length} topics ${formatNames(c.topics)} (${c.partitions} partitions each)` : `topic ${c.topic} (${c.partitions} partitions)`;
  // Results written before the brokers' release was read do not name it.
  const release = result.cluster.kafka ? ` of Kafka ${result.cluster.kafka.release}` : '';
  return `${topics} on ${result.cluster.brokers} brokers${release}` +
    `${result.cluster.embedded ? ' (embedded local cluster)' : ''}${secured}: ${driver}${formatWorkers(c.workers, result.threads)}, ${formatValues(c, result.values)}${formatFraming(result.schemaRegistry)}, batch ${c.batchBytes} B, ` +
    `buffer.memory ${c.bufferMemoryBytes} B (${formatBatchBuffers(result.buffers, c.queueTargetMs)}), ` +
    `linger ${c.lingerMs} ms, ${c.maxInFlight} in flight/worker, ${formatBatchEncoding(c.batchEncoding)}compression ${c.compression}, acks ${c.acks === -1 ? 'all' : c.acks}, ` +
    `${c.idempotent ? 'idempotent' : 'not idempotent'}, ${c.transaction ? `in transactions of ${c.transaction.durationMs} ms, ` : ''}` +
    `${c.verify ? 'each record identified (--verify), ' : ''}` +
    `${formatRateLimit(c)}; ` +
    `machine ${result.machine.cpuCount} x ${result.machine.cpuModel}, Node ${result.machine.nodeVersion}; latency per record, send to ack`;
}

/** How batches were made, in the header: only pre-encoded ones are named (the per-record path is Kafka's producer's). */
export function formatBatchEncoding(encoding: BatchEncoding | undefined): string {
  if (encoding === 'pre-encoded-reused') return 'pre-encoded batches, compressed once and reused (the client\'s compression cost not measured), ';
  return encoding === 'pre-encoded' ? 'pre-encoded batches, ' : '';
}

/**
 * A figure's label, marked when its batches' compressed bytes were reused (--batch-encoding pre-encoded-reused):
 * every table that sets such a figure beside others says so.
 */
export function markReused(label: string, config: { batchEncoding?: BatchEncoding }): string {
  return config.batchEncoding === 'pre-encoded-reused' ? `${label} (compression reused)` : label;
}

/** The run's rate: one limit, a profile of time:rate points, or none. */
function formatRateLimit(c: RunHeader['config']): string {
  if (c.throughputProfile) return `throughput profile ${c.throughputProfile.map((p) => `${p.atMs / 1000}s:${p.recordsPerSec}`).join(',')} records/s`;
  return c.throughputRps > 0 ? `${c.throughputRps} records/s limit` : 'no rate limit';
}

/**
 * How batches close: at the plan's limit, or (--queue-target) at most there and smaller while requests queue at the
 * brokers. Results written before the queue target existed closed at the limit.
 */
function formatBatchBuffers(buffers: RunHeader['buffers'], queueTargetMs = 0): string {
  const count = `${buffers.buffersPerWorker} batch buffer${buffers.buffersPerWorker === 1 ? '' : 's'}/worker`;
  return queueTargetMs > 0
    ? `${count}: batches close at up to ${buffers.batchLimitBytes} B, smaller while requests queue over ${queueTargetMs} ms at the brokers`
    : `${count}: batches close at ${buffers.batchLimitBytes} B`;
}

/** `16 workers on 2 threads` when workers share threads; results before threads were recorded had one each. */
function formatWorkers(workers: number, threads = workers): string {
  return threads < workers ? `${workers} workers on ${threads} thread${threads === 1 ? '' : 's'}` : `${workers} workers`;
}

/**
 * What the values really were: the default schema's are exactly --record-size; a schema's or a file's sizes are
 * their own, so the measured mean and range are stated.
 */
function formatValues(config: RunConfig, values: ValueSizes): string {
  // Results written before headers existed have none.
  const headers = config.headers?.length ? `, ${formatHeaders(config.headers)}` : '';
  return `${formatValueSource(config, values)}${headers}`;
}

/** --schema-registry, in the header: the values carry the framing (5 bytes each) with the id of the subject's schema. */
function formatFraming(schema: RegisteredValueSchema | undefined): string {
  return schema ? ` in Confluent's wire format (+${FRAME_BYTES} B: schema id ${schema.id} of subject ${schema.subject})` : '';
}

/** '3 headers (trace, header-0, header-1: 61 B a record)': what every record carries besides its value. */
function formatHeaders(headers: RecordHeader[]): string {
  const keys = formatNames(headers.map((h) => h.key));
  return `${headers.length} header${headers.length === 1 ? '' : 's'} (${keys}: ${encodeHeaders(headers).length} B a record)`;
}

function formatValueSource(config: RunConfig, values: ValueSizes): string {
  const { payload } = config;
  if (payload.kind === 'avro' && !payload.schemaFile) return `${payload.recordSizeBytes} B Avro`;
  if (payload.kind === 'monotonic') return `record numbers as text (${values.minBytes}-${values.maxBytes} B)`;
  const source = payload.kind === 'avro' ? `Avro values of ${payload.schemaFile}` : `values of ${payload.path}`;
  const range = values.minBytes === values.maxBytes ? '' : `, ${values.minBytes}-${values.maxBytes} B`;
  return `${source} (mean ${values.meanBytes.toFixed(0)} B${range})`;
}

/** Said before the figures of a run stopped early: they are of what was done until then. */
export function formatPartialLine(totals: Pick<Throughput, 'durationMs' | 'records'>, numRecords: number | undefined): string {
  return `PARTIAL RUN: stopped after ${(totals.durationMs / 1000).toFixed(1)} s with ${totals.records} records acknowledged` +
    `${numRecords !== undefined ? ` of ${numRecords}` : ''}: the figures are of those`;
}

/** The TTY status line of a produce run: acknowledged so far, the rate, and how far along the run is. */
export function formatProduceProgress(acknowledged: number, elapsedMs: number, config: Pick<RunConfig, 'numRecords' | 'durationMs'>): string {
  const rate = elapsedMs > 0 ? (acknowledged * 1000) / elapsedMs : 0;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  let along: string;
  if (config.numRecords !== undefined) {
    const left = rate > 0 ? `, about ${seconds(((config.numRecords - acknowledged) * 1000) / rate)} left` : '';
    along = ` (${((100 * acknowledged) / config.numRecords).toFixed(1)}% of ${config.numRecords}), ${seconds(elapsedMs)}${left}`;
  } else {
    along = `, ${seconds(elapsedMs)} of ${seconds(config.durationMs ?? 0)}`;
  }
  return `${acknowledged} records acknowledged${along}, ${rate.toFixed(0)} records/sec`;
}

/** --print-metrics: what each worker's producer sent, per request. */
export function formatMetricsTable(result: ProduceResult, colour?: boolean): string {
  const table = createTable(['worker', 'batches sent', 'records/batch', 'payload KB/batch', 'wire bytes'], { colour, colAligns: Array(5).fill('right') });
  for (const w of result.workers) {
    const perBatch = (n: number) => (acknowledgedRequests(w) > 0 ? n / acknowledgedRequests(w) : 0);
    table.push([String(w.workerId), String(w.requests), fixed(perBatch(w.records), 1), fixed(perBatch(w.payloadBytes) / 1024, 1), String(w.wireBytes)]);
  }
  return table.toString();
}

/**
 * Said on stderr before a run whose workers outnumber the cores: up to the cores each worker has a thread of its
 * own, beyond them workers share threads (threadsFor) and take turns on them, and each costs CPU of its own, which
 * on a machine shared with the brokers is the brokers' loss; the cores free (cores less the load average, at least
 * 1) say how much of the machine is already taken. It names how to measure the cost on this machine rather than
 * quoting another's figure.
 */
export function formatWorkersOverCoresNote(workers: number, cores: number, loadAverage: number): string | undefined {
  if (workers <= cores) return undefined;
  const free = Math.max(1, Math.round(cores - loadAverage));
  return `note: ${workers} workers on ${cores} cores, about ${free} free (load average ${loadAverage.toFixed(1)}): workers beyond the ` +
    'cores share threads and take turns on them, and each costs CPU of its own (connections, batches, acknowledgements); ' +
    '`datastorm sweep --workers 1,2,4,8,16` measures the cost here (docs/produce.md, "More workers than cores")';
}
