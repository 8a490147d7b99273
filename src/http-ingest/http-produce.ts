import { availableParallelism } from 'node:os';
import { ProducePool, threadsFor, type HttpTally } from '../engine/produce-pool.js';
import { latencyResult, measure } from '../engine/run-produce.js';
import { splitExactly } from '../engine/split.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { prepareTopic, readOrWhyNot, settledEndOffsets, topicEndOffsets } from '../kafka/topic.js';
import { buildPayloadPool, loadSchema } from '../produce/payloads.js';
import { failedRecords, throughputOf, type IntervalResult, type LatencyResult, type MachineInfo, type Throughput } from '../produce/result.js';
import { shareValues } from '../produce/shared-values.js';
import { summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import { machineInfo } from '../report/machine.js';
import type { HttpProduceSpec } from './http-spec.js';
import { publicSecurity } from '../security/client-security.js';
import { DataStormError } from '../shared/errors.js';
import { checkReachable } from '../shared/reachable.js';
import { valueField } from './formats.js';
import type { HttpWorkerTask } from './request-loop.js';

/**
 * `datastorm http-produce`: records posted to an HTTP proxy in front of Kafka (the Strimzi bridge, Confluent's
 * REST Proxy, `datastorm gateway`) from worker threads, measured per request and per record, and reconciled with
 * the broker: the records the proxy acknowledged with an offset must be, partition by partition, what the topic's
 * end offsets grew by, and each offset it named must lie in that growth.
 */
export interface PartitionAccount {
  partition: number;
  /** End offsets before and after the run. */
  before: number;
  after: number;
  /** Records the proxy acknowledged with an offset in this partition. */
  acknowledged: number;
  /** The lowest and highest offsets it named (null: none). */
  minOffset: number | null;
  maxOffset: number | null;
}

export interface HttpAccounting {
  acknowledgedRecords: number;
  /** Growth of the topic's end offsets (NaN, null in JSON, when uncheckedBecause). */
  brokerOffsetGrowth: number;
  partitions: PartitionAccount[];
  /** Every partition grew by exactly the records acknowledged in it, at the offsets named. */
  match: boolean;
  uncheckedBecause?: string;
}

export interface HttpProduceResult {
  schemaVersion: 1;
  command: 'http-produce';
  startedAt: string;
  /** As given, with header values and secrets masked. */
  spec: HttpProduceSpec;
  machine: MachineInfo;
  partitions: number;
  threads: number;
  /** Records acknowledged with an offset, and their value bytes as Kafka stores them (MB/s as Kafka's tools count it). */
  totals: Throughput & { failedRecords: number };
  requests: { count: number; perSec: number; bodyBytes: number };
  /** Per request: from sending it to its whole answer. */
  requestLatency: LatencyResult;
  /** Per acknowledged record: from sending its request to the answer. */
  recordLatency: LatencyResult;
  /** Under --throughput: per record, from when it was due (coordinated omission corrected). */
  intendedLatency?: LatencyResult;
  /** Answers per status; requests without one per network error code. */
  statuses: Record<string, number>;
  /** Records not acknowledged, by why (HTTP 503, a record's error_code, ECONNREFUSED, ...). */
  errors: Record<string, number>;
  intervals: IntervalResult[];
  workers: Array<{ workerId: number; records: number; requests: number; latency: LatencySummaryUs }>;
  accounting: HttpAccounting;
  partial: boolean;
}

export interface HttpRunStart {
  partitions: number;
  threads: number;
  topicCreated: boolean;
  /** The values' mean size as Kafka stores them. */
  valueMeanBytes: number;
}

export interface HttpProduceHooks {
  log?: (line: string) => void;
  signal?: AbortSignal;
  onStart?: (start: HttpRunStart) => void;
  onInterval?: (interval: IntervalResult) => void;
  onProgress?: (acknowledged: number, elapsedMs: number) => void;
}

/**
 * The runs of several --records-per-request, one after the other, each with its own hooks (and told when it is
 * done); a stop ends the run under way and skips the rest.
 */
export async function runHttpProduceSeries(specs: HttpProduceSpec[], prepared: ReturnType<typeof prepareValues>, signal: AbortSignal,
  hooksOf: (spec: HttpProduceSpec) => Omit<HttpProduceHooks, 'signal'> & { onDone: (result: HttpProduceResult) => void }): Promise<HttpProduceResult[]> {
  const results: HttpProduceResult[] = [];
  for (const spec of specs) {
    if (signal.aborted) break;
    const hooks = hooksOf(spec);
    const result = await runHttpProduce(spec, { ...hooks, signal }, prepared);
    hooks.onDone(result);
    results.push(result);
  }
  return results;
}

/** The values as the body carries them, and the bytes Kafka will store of each; made before any cluster is touched. */
export function prepareValues(spec: HttpProduceSpec): { fields: Buffer[]; storedBytes: number[] } {
  const values = buildPayloadPool(spec.payload, 1);
  // JSON needs the Avro values' JSON form (avsc's); other values are texts, sent as they are or as JSON strings.
  const schema = spec.payload.kind === 'avro' && spec.valueEncoding === 'json' ? loadSchema(spec.payload.schemaFile) : undefined;
  const bodyValues = values.map((v) => (schema ? schema.toString(schema.fromBuffer(v)) : v));
  const fields = bodyValues.map((v) => Buffer.from(valueField(spec.format, spec.valueEncoding, v)));
  const storedBytes = bodyValues.map((v, i) => (spec.valueEncoding === 'binary' ? values[i].length : Buffer.byteLength(storedJson(v))));
  return { fields, storedBytes };
}

/** The JSON a proxy stores for a json-embedded value (the bridge writes the value's JSON without spaces). */
function storedJson(value: Buffer | string): string {
  const text = value.toString();
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return JSON.stringify(text);
  }
}

type PoolTask = Omit<HttpWorkerTask, 'port' | 'acknowledged'>;

export async function runHttpProduce(spec: HttpProduceSpec, hooks: HttpProduceHooks = {}, prepared = prepareValues(spec)): Promise<HttpProduceResult> {
  const log = hooks.log ?? (() => undefined);
  const startedAt = new Date().toISOString();
  await checkReachable(spec.url, 'start the proxy, or check --url');
  const brokers = await describeBrokers(spec.bootstrap, { security: spec.security });
  const admin = createKafka(spec.bootstrap, 'datastorm-http-admin', {}, spec.security).admin();
  await admin.connect();
  let pool: ProducePool<PoolTask> | undefined;
  try {
    const largest = Math.max(...prepared.storedBytes);
    const topic = await prepareTopic(admin, {
      topic: spec.topic, partitions: spec.partitions, replication: spec.replication, batchBytes: largest, largestRecordBytes: largest,
    }, brokers.length, log);
    const threads = threadsFor(spec.workers, availableParallelism());
    hooks.onStart?.({
      partitions: topic.partitions, threads, topicCreated: topic.created,
      valueMeanBytes: prepared.storedBytes.reduce((a, b) => a + b, 0) / prepared.storedBytes.length,
    });
    const before = await topicEndOffsets(admin, spec.topic);
    const values = shareValues(prepared.fields);
    const records = spec.numRecords === undefined ? undefined : splitExactly(spec.numRecords, spec.workers);
    const rates = spec.throughputRps > 0 ? splitExactly(spec.throughputRps, spec.workers) : undefined;
    const connections = splitExactly(spec.connections, spec.workers);
    const { url, format, valueEncoding, recordsPerRequest, timeoutMs, httpHeaders, recordHeaders, keys, keyRange, zipfExponent } = spec;
    const request = { url, format, valueEncoding, recordsPerRequest, timeoutMs, httpHeaders, recordHeaders, topic: spec.topic, durationMs: spec.durationMs };
    pool = new ProducePool<PoolTask>(spec.workers, threads, (workerId) => ({
      workerId, request, records: records?.[workerId], rate: rates?.[workerId] ?? -1, connections: connections[workerId],
      sequence: { first: workerId, stride: spec.workers }, keys: { keys, keyRange, zipfExponent }, values, valueBytes: prepared.storedBytes,
    }), 'http-produce');
    const measured = await measure(pool, { reportingIntervalMs: spec.reportingIntervalMs, faults: [] },
      { signal: hooks.signal, onInterval: hooks.onInterval, onProgress: hooks.onProgress }, log);
    const http = pool.total.http!;
    const after = await readOrWhyNot(() => settledEndOffsets(admin, spec.topic, before.reduce((a, b) => a + b, 0) + pool!.total.records),
      before.map(() => Number.NaN));
    const endMs = Math.max(...measured.summaries.map((s) => s.lastAckAtMs));
    const durationMs = Math.max(0, endMs - measured.startAtMs);
    const totals = throughputOf(pool.total.records, pool.total.payloadBytes, durationMs);
    const bodyBytes = measured.summaries.reduce((sum, s) => sum + s.wireBytes, 0);
    return {
      schemaVersion: 1, command: 'http-produce', startedAt, spec: publicSpec(spec), machine: machineInfo(), partitions: topic.partitions, threads,
      totals: { ...totals, failedRecords: failedRecords(pool.total.errors) },
      requests: { count: http.requests, perSec: http.requests / (Math.max(durationMs, 1) / 1000), bodyBytes },
      requestLatency: latencyResult(http.requestLatency), recordLatency: latencyResult(pool.total.latency),
      intendedLatency: spec.throughputRps > 0 ? latencyResult(pool.total.intended) : undefined,
      statuses: http.statuses, errors: pool.total.errors, intervals: measured.intervals,
      workers: measured.summaries.map((s) => ({
        workerId: s.workerId, records: pool!.perWorker[s.workerId].records, requests: s.requests, latency: summarizeLatency(pool!.perWorker[s.workerId].latency),
      })),
      accounting: accountingOf(http, before, after.value, after.unreadBecause),
      partial: Boolean(hooks.signal?.aborted),
    };
  } finally {
    await pool?.destroy();
    await admin.disconnect().catch(() => undefined);
  }
}

/** Per partition: the records acknowledged in it against its growth, and the offsets named within it. */
export function accountingOf(http: Pick<HttpTally, 'partitions'>, before: number[], after: number[], uncheckedBecause?: string): HttpAccounting {
  const partitions: PartitionAccount[] = before.map((b, partition) => {
    const named = http.partitions.get(partition);
    return { partition, before: b, after: after[partition], acknowledged: named?.records ?? 0, minOffset: named?.minOffset ?? null, maxOffset: named?.maxOffset ?? null };
  });
  // An offset in a partition the topic does not have is a proxy's error: it makes the accounting fail.
  const strays = [...http.partitions.keys()].filter((p) => p >= before.length);
  const acknowledgedRecords = [...http.partitions.values()].reduce((sum, p) => sum + p.records, 0);
  const brokerOffsetGrowth = partitions.reduce((sum, p) => sum + (p.after - p.before), 0);
  const match = uncheckedBecause === undefined && strays.length === 0 && partitions.every((p) => p.after - p.before === p.acknowledged
    && (p.minOffset === null || (p.minOffset >= p.before && p.maxOffset! < p.after)));
  return { acknowledgedRecords, brokerOffsetGrowth, partitions, match, ...(uncheckedBecause === undefined ? {} : { uncheckedBecause }) };
}

/** The spec as results show it: header values masked (an Authorization header is a secret), security masked. */
function publicSpec(spec: HttpProduceSpec): HttpProduceSpec {
  return { ...spec, httpHeaders: Object.fromEntries(Object.keys(spec.httpHeaders).map((name) => [name, '***'])), security: publicSecurity(spec.security) };
}

/** The one verdict on a run: a mismatch or unchecked accounting, or failed records, fail it. */
export function verdictOfHttp(result: HttpProduceResult): DataStormError | undefined {
  if (result.accounting.uncheckedBecause !== undefined) {
    return new DataStormError('DS_ACCOUNTING_UNCHECKED', `the topic's offsets could not be read after the run: ${result.accounting.uncheckedBecause}`);
  }
  if (!result.accounting.match) {
    return new DataStormError('DS_ACCOUNTING_MISMATCH', 'the records the proxy acknowledged and the topic\'s offsets disagree (see the accounting lines)');
  }
  if (result.totals.failedRecords > 0) {
    return new DataStormError('DS_RECORDS_FAILED', `${result.totals.failedRecords} records were not acknowledged (see errors)`);
  }
  return undefined;
}
