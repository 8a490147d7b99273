import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { defaultClusterDir } from '../cluster/launcher.js';
import type { RunCluster } from '../cluster/bootstrap.js';
import { faultReport, type FaultEvent } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { runFaults, type RunningFaults } from '../faults/run-faults.js';
import { sceneOf } from '../faults/node-faults.js';
import { isPreEncoded, recordHeadersOf, type RunConfig } from '../produce/run-config.js';
import { topicsOf } from '../kafka/topic.js';
import { accountingUnchecked, DataStormError, RunFailedError } from '../shared/errors.js';
import { encodeHistogram, summarizeLatency, type Histogram } from '../shared/histograms.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { clusterRelease } from '../drivers/broker-version.js';
import { publicSecurity } from '../security/client-security.js';
import { machineInfo } from '../report/machine.js';
import { formatWorkersOverCoresNote } from '../report/produce-report.js';
import { projectRoot } from '../shared/paths.js';
import { sleepUntil } from '../shared/sleep.js';
import { buildPayloadPool, monotonicValueSizes } from '../produce/payloads.js';
import {
  RESULT_SCHEMA_VERSION, failedRecords, throughputOf, totalsOf, type IntervalResult, type LatencyResult, type ProduceResult, type RunHeader,
  type TopicAccounting, type ValueSizes, type WorkerResult,
} from '../produce/result.js';
import { planBatchBuffers, type BatchBufferPlan } from '../produce/batch-buffers.js';
import { RateProfile } from '../produce/rate-profile.js';
import { encodeHeaders } from '../kafka/record-batch.js';
import { shareValues, valueViews, type SharedValues } from '../produce/shared-values.js';
import { SchemaSwitch, framedValues, registerValueSchema, type RegisteredValueSchema, type SchemaChange } from '../produce/value-schemas.js';
import { FRAME_BYTES } from '../registry/wire-format.js';
import { publicRegistry } from '../registry/registry-settings.js';
import { PreEncodedRecords, shareTemplates } from '../produce/batch-templates.js';
import type { TransactionCounts } from '../produce/transaction-cycle.js';
import { prepareTopic, readOrWhyNot, settledEndOffsets, topicEndOffsets } from '../kafka/topic.js';
import type { IdentityLedger, Verification } from '../verify/identity-ledger.js';
import { readBack } from '../verify/read-back.js';
import { withoutOptimizingCompiler } from './compiler-tier.js';
import { ProducePool, threadsFor, type Window } from './produce-pool.js';
import { produceAssignments } from './produce-assignments.js';
import { GAUGE, type WorkerSummary } from './worker-protocol.js';
import { epochMs } from '../shared/clock.js';
import type { LiveFigures } from '../metrics/prometheus-endpoint.js';

export interface RunHooks {
  log?: (line: string) => void;
  /** Called after every reporting interval with the merged figures of all workers (and the window's histograms, to merge further). */
  onInterval?: (interval: IntervalResult, window: Window) => void;
  /** Aborting stops the run cleanly: in-flight sends finish and the result is marked partial. */
  signal?: AbortSignal;
  /**
   * With a fault plan: the run ends this long after every step is done and healed (not partial), or at its duration
   * if that comes first. For a fault whose length is not known ahead (a rolling restart), to see it end under load.
   */
  endAfterFaultsMs?: number;
  /** The topic is ready and the workers are about to start: what will run. */
  onStart?: (header: RunHeader) => void;
  /** About every PROGRESS_MS while the workers run: records acknowledged so far, all workers together. */
  onProgress?: (acknowledged: number, elapsedMs: number) => void;
  /** The workers have started: their figures, to read at any time (--metrics-port). */
  onMeasuring?: (live: LiveFigures) => void;
}

const PROGRESS_MS = 250;

/** A histogram's summary with the histogram itself (encoded), as results keep latency. */
export function latencyResult(histogram: Histogram): LatencyResult {
  return { ...summarizeLatency(histogram), histogram: encodeHistogram(histogram) };
}

/** What a run prepares before it touches a cluster: a bad schema, file or buffer size is the user's error, not a worker's. */
export interface PreparedRun {
  values: SharedValues;
  /** --schema-registry: the schema registered before the run, whose id the values are framed with. */
  schema?: RegisteredValueSchema;
  sizes: ValueSizes;
  /** The workers' batch buffers, planned for the partitions asked for: the run's plan unless its topic has other partitions. */
  buffers: BatchBufferPlan;
}

function valueSizes(values: Buffer[]): ValueSizes {
  const lengths = values.map((v) => v.length);
  return {
    count: lengths.length, minBytes: Math.min(...lengths), maxBytes: Math.max(...lengths),
    meanBytes: lengths.reduce((a, b) => a + b, 0) / lengths.length,
  };
}

/** The workers' batch buffers for a run on a topic of config.partitions; a record's headers count towards its size. */
function bufferPlanOf(config: RunConfig, largestValueBytes: number): BatchBufferPlan {
  return planBatchBuffers({
    batchBytes: config.batchBytes, bufferMemoryBytes: config.bufferMemoryBytes, workers: config.workers,
    largestRecordBytes: largestValueBytes + encodeHeaders(recordHeadersOf(config)).length,
    maxInFlight: config.maxInFlight, openPartitions: topicsOf(config).length * (config.keys === 'none' ? 1 : config.partitions),
    sharesThread: threadsFor(config.workers, availableParallelism()) < config.workers,
  });
}

/**
 * The run's values, built and checked against the buffers before any cluster is touched; with --schema-registry,
 * framed with the id of the schema registered before (prepareRegisteredRun).
 */
export function prepareRun(config: RunConfig, schema?: RegisteredValueSchema): PreparedRun {
  if (config.schemaRegistry && !schema) {
    throw new DataStormError('DS_BAD_OPTION', '--schema-registry is taken by produce; this command runs without it', { hint: 'leave out --schema-registry' });
  }
  // The default schema's values are exactly --record-size: their buffers are planned before the values are built,
  // so a size the buffers cannot hold fails at once (64MB values took minutes to build, only to be refused).
  const framing = schema ? FRAME_BYTES : 0;
  const planned = config.payload.kind === 'avro' && !config.payload.schemaFile && !schema?.change ? bufferPlanOf(config, config.payload.recordSizeBytes + framing) : undefined;
  const bodies = buildPayloadPool(config.payload, 1);
  const { values, second } = schema
    ? framedValues(bodies, schema.change && buildPayloadPool({ kind: 'avro', schemaFile: schema.change.schemaFile, recordSizeBytes: 0 }, 2), schema)
    : { values: bodies, second: undefined };
  const sizes = config.payload.kind === 'monotonic' ? monotonicValueSizes(config.numRecords) : valueSizes(values);
  return { values: shareValues(values, second), sizes, buffers: planned ?? bufferPlanOf(config, sizes.maxBytes), ...(schema ? { schema } : {}) };
}

/** prepareRun for a run that may frame its values for a schema registry: the schema is registered (or looked up) first. */
export async function prepareRegisteredRun(config: RunConfig): Promise<PreparedRun> {
  return prepareRun(config, config.schemaRegistry ? await registerValueSchema(config) : undefined);
}

/**
 * Runs one produce load on a running cluster: prepares the topic, starts one long-lived task per worker (threads: threadsFor),
 * merges their interval histograms exactly, and reconciles acknowledged records with the topic's offsets.
 * `prepared`: the run's values and buffers, when the caller prepared them before it started a cluster.
 */
export async function runProduce(
  config: RunConfig, cluster: RunCluster, hooks: RunHooks = {}, prepared = prepareRun(config),
): Promise<ProduceResult> {
  return withoutOptimizingCompiler(isPreEncoded(config.batchEncoding), () => produceOnCluster(config, cluster, hooks, prepared));
}

async function produceOnCluster(config: RunConfig, cluster: RunCluster, hooks: RunHooks, prepared: PreparedRun): Promise<ProduceResult> {
  const log = hooks.log ?? (() => undefined);
  checkFaultTarget(config.faults, cluster.bootstrap);
  const brokers = await describeBrokers(cluster.bootstrap, { security: config.security });
  const kafka = await clusterRelease(brokers, config.security, log);
  const workersNote = formatWorkersOverCoresNote(config.workers, availableParallelism(), loadavg()[0]);
  if (workersNote) log(workersNote);
  const admin = createKafka(cluster.bootstrap, 'datastorm-admin', {}, config.security).admin();
  await admin.connect();
  let pool: ProducePool | undefined;
  try {
    const startedAt = new Date().toISOString();
    const cpuBefore = process.cpuUsage();
    const partitions = await prepareTopics(admin, config, prepared.sizes.maxBytes, brokers.length, log);
    const effective: RunConfig = { ...config, partitions };
    const buffers = partitions === config.partitions ? prepared.buffers : bufferPlanOf(effective, prepared.sizes.maxBytes);
    // Printed and saved: the security without its secrets (the workers' producer settings keep them).
    const threads = threadsFor(config.workers, availableParallelism());
    const header: RunHeader = {
      config: publicConfig(effective), threads, buffers, values: prepared.sizes, ...(prepared.schema ? { schemaRegistry: prepared.schema } : {}),
      machine: machineInfo(), cluster: {
        bootstrap: cluster.bootstrap, brokers: brokers.length, embedded: cluster.embedded, ...(kafka ? { kafka } : {}),
      },
    };
    hooks.onStart?.(header);
    const topics = topicsOf(config);
    const endsBefore = await eachInTurn(topics, (topic) => topicEndOffsets(admin, topic));
    const offsetsBefore = endsBefore.map(sum);
    const templates = isPreEncoded(config.batchEncoding) ? shareTemplates(
      PreEncodedRecords.build(valueViews(prepared.values), encodeHeaders(recordHeadersOf(config)), buffers.batchLimitBytes), config.batchEncoding === 'pre-encoded-reused',
    ) : undefined;
    pool = new ProducePool(config.workers, threads, produceAssignments(config, {
      topicPartitions: partitions, buffers, bootstrap: cluster.bootstrap, values: prepared.values, ...(templates ? { templates } : {}),
    }));
    const schemaSwitch = SchemaSwitch.of(config, prepared.schema, prepared.values);
    let change: SchemaChange | undefined;
    let measured: Measured;
    try {
      measured = await measure(pool, config, hooks, log, (startAtMs) => schemaSwitch?.start(startAtMs));
    } finally {
      // A run that failed leaves no change planned behind it.
      change = await schemaSwitch?.finish();
    }
    if (change?.id !== undefined) log(`schema change: ${change.schemaFile} registered under ${change.subject} as id ${change.id} and values switched at ${((change.atMs ?? 0) / 1000).toFixed(1)} s`);
    // A cluster gone by the end (stopped by someone else) leaves the offsets unread: the report still comes.
    const acknowledgedPerTopic = topics.map((_, i) => measured.summaries.reduce((sum, s) => sum + s.acknowledgedPerTopic[i], 0));
    const after = await readOrWhyNot(() => eachInTurn(topics, (topic, i) => settledEndOffsets(admin, topic, offsetsBefore[i] + acknowledgedPerTopic[i])),
      topics.map(() => [Number.NaN]));
    const offsetsAfter = after.value.map(sum);
    const perTopic = topics.length > 1
      ? topics.map((topic, i): TopicAccounting => {
        const growth = offsetsAfter[i] - offsetsBefore[i];
        return { topic, acknowledgedRecords: acknowledgedPerTopic[i], brokerOffsetGrowth: growth, match: growth === acknowledgedPerTopic[i] };
      })
      : undefined;
    const result = resultOf(header, pool, measured, {
      startedAt, cpu: process.cpuUsage(cpuBefore), offsetsBefore: sum(offsetsBefore), offsetsAfter: sum(offsetsAfter), perTopic,
      uncheckedBecause: after.unreadBecause,
      partial: Boolean(hooks.signal?.aborted) || pool.fatal !== undefined,
    });
    if (prepared.schema && change) result.schemaRegistry = { ...prepared.schema, change };
    if (change?.failure !== undefined) throw new RunFailedError('DS_REGISTRY_FAILED', `--schema-change ${change.schemaFile} could not be registered at its time: ${change.failure}`, result);
    if (after.unreadBecause !== undefined) {
      if (pool.fatal) throw new RunFailedError(pool.fatal.code, pool.fatal.message, result);
      throw accountingUnchecked(`${topics.join(', ')}'s offsets`, after.unreadBecause, result);
    }
    if (config.verify) {
      const read = await readOrWhyNot<Verification | undefined>(() => verifyByReading(pool!.ledger, config, cluster, { topics, partitions, from: endsBefore, to: after.value }), undefined);
      if (read.value) result.verification = read.value;
      else if (!pool.fatal) throw accountingUnchecked('the run\'s partitions (--verify)', read.unreadBecause!, result);
    }
    if (pool.fatal) throw new RunFailedError(pool.fatal.code, pool.fatal.message, result);
    return result;
  } finally {
    await pool?.destroy();
    await admin.disconnect().catch(() => undefined);
  }
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** The run's config as results and reports show it: no secret of the brokers' or the registry's. */
function publicConfig(config: RunConfig): RunConfig {
  const { schemaRegistry } = config;
  return {
    ...config, security: publicSecurity(config.security),
    ...(schemaRegistry ? { schemaRegistry: { ...schemaRegistry, settings: publicRegistry(schemaRegistry.settings) } } : {}),
  };
}

/**
 * --verify: every partition of the run's topics read back between the end offsets before and after the run
 * (read_committed with transactions), each record checked against how its send ended (the ledger the workers fed).
 */
async function verifyByReading(ledger: IdentityLedger, config: RunConfig, cluster: RunCluster,
  range: { topics: string[]; partitions: number; from: number[][]; to: number[][] }): Promise<Verification> {
  const startMs = Date.now();
  const readCommitted = config.transaction !== undefined;
  const { topics, partitions, from, to } = range;
  await readBack({ bootstrap: cluster.bootstrap, security: config.security, readCommitted, topics, from, to }, (destination, identity) => ledger.read(destination, identity));
  return ledger.verification((destination) => ({ topic: topics[Math.floor(destination / partitions)], partition: destination % partitions }), {
    isolation: readCommitted ? 'read_committed' : 'read_uncommitted', readMs: Date.now() - startMs,
  });
}

/** fn over the items one at a time: concurrent fetchTopicOffsets calls on one kafkajs admin failed here ("Cannot destructure property 'partitions' of 'high.pop(...)'"). */
async function eachInTurn<T, R>(items: T[], fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const [i, item] of items.entries()) results.push(await fn(item, i));
  return results;
}

/**
 * Creates the run's topics that are missing and checks those that exist; returns their partitions. Several topics
 * must have the same number of partitions: a worker's partitions are the same in each.
 */
async function prepareTopics(admin: Admin, config: RunConfig, largestRecordBytes: number, brokers: number, log: (line: string) => void): Promise<number> {
  const topics = topicsOf(config);
  const counts = await eachInTurn(topics, async (topic) => (await prepareTopic(admin, {
    topic, partitions: config.partitions, replication: config.replication, batchBytes: config.batchBytes, largestRecordBytes,
  }, brokers, log)).partitions);
  const other = counts.findIndex((count) => count !== counts[0]);
  if (other >= 0) {
    throw new DataStormError('DS_BAD_TOPIC', `topics ${topics[0]} and ${topics[other]} have ${counts[0]} and ${counts[other]} partitions: several topics need the same number`, {
      hint: 'give --topics that exist with the same partitions, or new names (created with --partitions)',
    });
  }
  return counts[0];
}

/** What the run measured while its workers ran, besides the pool's tallies. */
export interface Measured {
  startAtMs: number;
  intervals: IntervalResult[];
  summaries: WorkerSummary[];
  faultEvents?: FaultEvent[];
}

/**
 * Starts the workers together, reports every interval and progress, causes the planned faults (on `topic`, the run's
 * first, when a step names a partition); ends when all finished, with every fault healed, even on an error.
 */
export async function measure<Task extends { workerId: number }>(
  pool: ProducePool<Task>, config: Pick<RunConfig, 'reportingIntervalMs' | 'faults' | 'startAtEpochMs' | 'throughputProfile'> & { topic?: string },
  hooks: RunHooks, log: (line: string) => void, onGo?: (startAtMs: number) => void,
): Promise<Measured> {
  await pool.whenReady();
  const onAbort = () => pool.broadcast({ type: 'stop' });
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  const planned = config.startAtEpochMs;
  if (planned !== undefined && planned > epochMs()) {
    log(`ready: starting at ${new Date(planned).toISOString()} (in ${((planned - epochMs()) / 1000).toFixed(1)} s), the start barrier`);
  }
  // Past the barrier (not ready in time), the run starts at once and the result says how late.
  const startAtMs = Math.max(planned ?? 0, epochMs() + 20);
  pool.broadcast({ type: 'go', startAtMs });
  onGo?.(startAtMs);
  hooks.onMeasuring?.({
    acknowledgedRecords: () => pool.acknowledgedByWorker(), merged: () => pool.total,
    inFlightRequests: () => pool.gaugeByWorker(GAUGE.inFlightRequests), bufferedBytes: () => pool.gaugeByWorker(GAUGE.bufferedBytes),
  });
  // A stop asked for while the run was set up (Ctrl-C during the topic's creation) ends it as it starts.
  if (hooks.signal?.aborted) onAbort();
  // Before the start there is nothing to measure: no window lines of nothing while a barrier is waited for.
  await sleepUntil(startAtMs, hooks.signal, epochMs);
  const faults = config.faults.length ? runFaults(config.faults, startAtMs, sceneOf(defaultClusterDir(), config.topic), log) : undefined;
  // Ctrl-C heals at once: sends stuck on a paused or cut-off node then end before the workers do.
  const healNow = () => { void faults?.finish(); };
  hooks.signal?.addEventListener('abort', healNow, { once: true });
  if (hooks.signal?.aborted) healNow();
  if (faults && hooks.endAfterFaultsMs !== undefined) {
    const endAfterMs = hooks.endAfterFaultsMs;
    void faults.settled.then(() => sleepUntil(epochMs() + endAfterMs, hooks.signal, epochMs)).then(() => { if (pool.running) pool.broadcast({ type: 'stop' }); });
  }
  try {
    return await measureStarted(pool, config, hooks, startAtMs, faults);
  } finally {
    // Called again after a finish is harmless; on an error, this heals what lasts before the error goes on.
    await faults?.finish();
    hooks.signal?.removeEventListener('abort', onAbort);
    hooks.signal?.removeEventListener('abort', healNow);
  }
}

async function measureStarted<Task extends { workerId: number }>(
  pool: ProducePool<Task>, config: Pick<RunConfig, 'reportingIntervalMs' | 'throughputProfile'>, hooks: RunHooks, startAtMs: number,
  faults: RunningFaults | undefined,
): Promise<Measured> {
  const progressTimer = hooks.onProgress && setInterval(() => {
    hooks.onProgress!(pool.acknowledgedTotal(), epochMs() - startAtMs);
  }, PROGRESS_MS);
  const intervals: IntervalResult[] = [];
  const profile = config.throughputProfile ? new RateProfile(config.throughputProfile) : undefined;
  let lastWindowAt = startAtMs;
  while (pool.running) {
    await pool.waitWhileRunning(config.reportingIntervalMs);
    if (!pool.running) break;
    const window = await pool.takeWindow();
    if (!window) break;
    const now = epochMs();
    const summary = summarizeLatency(window.histogram);
    const interval: IntervalResult = {
      ...throughputOf(window.records, window.payloadBytes, now - lastWindowAt), elapsedMs: now - startAtMs,
      avgLatencyMs: summary.meanUs / 1000, maxLatencyMs: summary.maxUs / 1000,
      ...(profile ? { profileRecordsPerSec: ((profile.dueBy(now - startAtMs) - profile.dueBy(lastWindowAt - startAtMs)) * 1000) / (now - lastWindowAt) } : {}),
    };
    lastWindowAt = now;
    intervals.push(interval);
    hooks.onInterval?.(interval, window);
  }
  const summaries = await pool.summaries();
  clearInterval(progressTimer);
  const faultEvents = await faults?.finish();
  return { startAtMs, intervals, summaries, faultEvents };
}

/** The workers' transactions added up (the longest commit and abort: the longest of any worker); undefined without transactions. */
function transactionsOf(summaries: WorkerSummary[]): TransactionCounts | undefined {
  const counts = summaries.map((s) => s.transactions).filter((t): t is TransactionCounts => t !== undefined);
  if (counts.length === 0) return undefined;
  const keys = Object.keys(counts[0]) as Array<keyof TransactionCounts>;
  return Object.fromEntries(keys.map((key) => {
    const values = counts.map((t) => t[key]);
    return [key, key.endsWith('Max') ? Math.max(...values) : values.reduce((a, b) => a + b, 0)];
  })) as unknown as TransactionCounts;
}

/** The versioned result of a run from what it measured. */
function resultOf(header: RunHeader, pool: ProducePool, measured: Measured, run: {
  startedAt: string; cpu: NodeJS.CpuUsage; offsetsBefore: number; offsetsAfter: number; perTopic?: TopicAccounting[]; uncheckedBecause?: string;
  partial: boolean;
}): ProduceResult {
  const { total, perWorker } = pool;
  const { config } = header;
  const { startAtMs, summaries } = measured;
  const endMs = Math.max(...summaries.map((s) => s.lastAckAtMs));
  const steadyStarts = summaries.map((s) => s.firstSteadyAtMs).filter((t): t is number => t !== undefined);
  const steadyStartMs = steadyStarts.length ? Math.min(...steadyStarts) : undefined;
  const wireBytes = summaries.reduce((sum, s) => sum + s.wireBytes, 0);
  const growth = run.offsetsAfter - run.offsetsBefore;
  const transactions = transactionsOf(summaries);
  const markers = transactions?.markers ?? 0;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: 'datastorm',
    toolVersion: packageVersion(),
    startedAt: run.startedAt,
    measuredWindow: { startEpochMs: startAtMs, endEpochMs: endMs, steadyStartEpochMs: steadyStartMs },
    ...header,
    totals: totalsOf({ ...total, wireBytes }, Math.max(0, endMs - startAtMs)),
    latency: latencyResult(total.latency),
    intendedLatency: config.throughputRps > 0 || config.throughputProfile ? latencyResult(total.intended) : undefined,
    steadyState: config.warmupRecords > 0
      ? {
        totals: throughputOf(total.steadyRecords, total.steadyPayloadBytes, steadyStartMs === undefined ? 0 : endMs - steadyStartMs),
        latency: latencyResult(total.steady),
      }
      : undefined,
    intervals: measured.intervals,
    workers: summaries.map((s): WorkerResult => ({
      workerId: s.workerId,
      records: perWorker[s.workerId].records,
      payloadBytes: perWorker[s.workerId].payloadBytes,
      wireBytes: s.wireBytes,
      requests: s.requests,
      failedRequests: s.failedRequests,
      errors: failedRecords(perWorker[s.workerId].errors),
      bufferWaitMs: s.bufferWaitMs,
      batchLimitEndBytes: s.batchLimitEndBytes,
      latency: latencyResult(perWorker[s.workerId].latency),
    })),
    ...(transactions ? { transactions } : {}),
    accounting: {
      acknowledgedRecords: total.records,
      brokerOffsetGrowth: growth,
      ...(transactions ? { transactionMarkers: markers } : {}),
      match: run.uncheckedBecause === undefined && growth === total.records + markers && (run.perTopic ?? []).every((t) => t.match),
      ...(run.uncheckedBecause !== undefined ? { uncheckedBecause: run.uncheckedBecause } : {}),
      topicEndOffsetTotalBefore: run.offsetsBefore,
      topicEndOffsetTotalAfter: run.offsetsAfter,
      ...(run.perTopic ? { topics: run.perTopic } : {}),
    },
    process: {
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      cpuUserMs: run.cpu.user / 1000,
      cpuSystemMs: run.cpu.system / 1000,
    },
    faults: measured.faultEvents ? faultReport(measured.faultEvents, pool.acksPerSlot, 'acknowledged') : undefined,
    ...(config.startAtEpochMs !== undefined ? { barrier: barrierOf(config.startAtEpochMs, summaries) } : {}),
    partial: run.partial,
  };
}

/** When the run's first worker started after the barrier: its start as its workers saw it, not as planned. */
function barrierOf(plannedEpochMs: number, summaries: WorkerSummary[]): NonNullable<ProduceResult['barrier']> {
  const firstSendEpochMs = Math.min(...summaries.map((s) => s.firstSendAtMs));
  return { plannedEpochMs, firstSendEpochMs, lateMs: Math.max(0, firstSendEpochMs - plannedEpochMs) };
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
