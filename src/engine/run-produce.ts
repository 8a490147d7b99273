import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { clusterDown, clusterUp, defaultClusterDir } from '../cluster/launcher.js';
import { addToSlot, faultReport } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { runFaults } from '../faults/run-faults.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../cluster/settings.js';
import type { RunConfig } from '../run-spec/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { createHistogram, decodeHistogram, encodeHistogram, summarizeLatency, type Histogram } from '../report/histograms.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { publicSecurity } from '../security/client-security.js';
import { machineInfo } from '../report/machine.js';
import { formatWorkersOverCoresNote } from '../report/produce-report.js';
import { projectRoot } from '../shared/paths.js';
import { buildPayloadPool } from '../produce/payloads.js';
import {
  RESULT_SCHEMA_VERSION, failedRecords, throughputOf, totalsOf, type IntervalResult, type LatencyResult, type ProduceResult, type RunHeader,
  type ValueSizes, type WorkerResult,
} from '../produce/result.js';
import { planBatchBuffers, type BatchBufferPlan } from '../produce/batch-buffers.js';
import { shareValues, type SharedValues } from '../produce/shared-values.js';
import { prepareTopic, settledEndOffsetTotal, topicEndOffsetTotal } from '../kafka/topic.js';
import { partitionsOfWorker, splitExactly } from './split.js';
import type { MainToWorker, ProduceTask, WorkerInterval, WorkerSummary, WorkerToMain } from './worker-protocol.js';

export interface RunHooks {
  log?: (line: string) => void;
  /** Called after every reporting interval with the merged figures of all workers. */
  onInterval?: (interval: IntervalResult) => void;
  /** Aborting stops the run cleanly: in-flight sends finish and the result is marked partial. */
  signal?: AbortSignal;
  /** The topic is ready and the workers are about to start: what will run. */
  onStart?: (header: RunHeader) => void;
  /** About every PROGRESS_MS while the workers run: records acknowledged so far, all workers together. */
  onProgress?: (acknowledged: number, elapsedMs: number) => void;
}

const PROGRESS_MS = 250;

/** Running totals of one worker (or of all), fed interval by interval. */
class Tally {
  records = 0;
  payloadBytes = 0;
  steadyRecords = 0;
  steadyPayloadBytes = 0;
  errors: Record<string, number> = {};
  latency: Histogram = createHistogram();
  intended: Histogram = createHistogram();
  steady: Histogram = createHistogram();

  add(interval: WorkerInterval, histograms: { latency: Histogram; intended?: Histogram; steady: Histogram }): void {
    this.records += interval.records;
    this.payloadBytes += interval.payloadBytes;
    this.steadyRecords += interval.steadyRecords;
    this.steadyPayloadBytes += interval.steadyPayloadBytes;
    for (const [type, count] of Object.entries(interval.errors)) this.errors[type] = (this.errors[type] ?? 0) + count;
    this.latency.add(histograms.latency);
    if (histograms.intended) this.intended.add(histograms.intended);
    this.steady.add(histograms.steady);
  }
}

function latencyResult(histogram: Histogram): LatencyResult {
  return { ...summarizeLatency(histogram), histogram: encodeHistogram(histogram) };
}

/** What a run prepares before it touches a cluster: a bad schema, file or buffer size is the user's error, not a worker's. */
interface PreparedRun {
  values: SharedValues;
  sizes: ValueSizes;
  buffers: BatchBufferPlan;
}

function valueSizes(values: Buffer[]): ValueSizes {
  const lengths = values.map((v) => v.length);
  return {
    count: lengths.length, minBytes: Math.min(...lengths), maxBytes: Math.max(...lengths),
    meanBytes: lengths.reduce((a, b) => a + b, 0) / lengths.length,
  };
}

function prepareRun(config: RunConfig): PreparedRun {
  const plan = (largestRecordBytes: number) => planBatchBuffers({
    batchBytes: config.batchBytes, bufferMemoryBytes: config.bufferMemoryBytes, workers: config.workers, largestRecordBytes,
    maxInFlight: config.maxInFlight,
  });
  // The default schema's values are exactly --record-size: a size the buffers cannot hold fails before building
  // them (64MB values took minutes to build, only to be refused).
  if (config.payload.kind === 'avro' && !config.payload.schemaFile) plan(config.payload.recordSizeBytes);
  const values = buildPayloadPool(config.payload, 1);
  const sizes = valueSizes(values);
  return { values: shareValues(values), sizes, buffers: plan(sizes.maxBytes) };
}

/**
 * Runs one produce load: prepares the cluster and topic, starts one long-lived piscina task per worker, merges
 * their interval histograms exactly, and reconciles acknowledged records with the topic's offsets.
 */
export async function runProduce(config: RunConfig, hooks: RunHooks = {}): Promise<ProduceResult> {
  const log = hooks.log ?? (() => undefined);
  const prepared = prepareRun(config);
  let embedded: { stop: boolean } | undefined;
  let bootstrap = config.bootstrap;
  if (!bootstrap) {
    const state = await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log });
    if (!state.alreadyRunning) log(`started the embedded local cluster in ${(state.startupMs / 1000).toFixed(1)} s (it stops after the run)`);
    embedded = { stop: !state.alreadyRunning };
    bootstrap = state.bootstrap;
  }
  try {
    checkFaultTarget(config.faults, bootstrap);
    return await runOnCluster(config, prepared, bootstrap, embedded !== undefined, hooks, log);
  } finally {
    if (embedded?.stop) await clusterDown();
  }
}

async function runOnCluster(
  config: RunConfig, prepared: PreparedRun, bootstrap: string[], embedded: boolean, hooks: RunHooks, log: (line: string) => void,
): Promise<ProduceResult> {
  const { buffers, values } = prepared;
  const brokers = await describeBrokers(bootstrap, { security: config.security });
  const workersNote = formatWorkersOverCoresNote(config.workers, availableParallelism(), loadavg()[0]);
  if (workersNote) log(workersNote);
  const admin = createKafka(bootstrap, 'datastorm-admin', {}, config.security).admin();
  await admin.connect();
  const startedAt = new Date().toISOString();
  const cpuBefore = process.cpuUsage();
  let pool: Piscina | undefined;
  try {
    const topic = await prepareTopic(admin, {
      topic: config.topic, partitions: config.partitions, replication: config.replication,
      batchBytes: config.batchBytes, largestRecordBytes: prepared.sizes.maxBytes,
    }, brokers.length, log);
    const effective: RunConfig = { ...config, partitions: topic.partitions };
    // Printed and saved: the security without its secrets (the workers get `effective`, with them).
    const header: RunHeader = {
      config: { ...effective, security: publicSecurity(effective.security) }, buffers, values: prepared.sizes, machine: machineInfo(), cluster: { bootstrap, brokers: brokers.length, embedded },
    };
    hooks.onStart?.(header);
    const offsetsBefore = await topicEndOffsetTotal(admin, config.topic);

    const workers = config.workers;
    const recordShares = config.numRecords !== undefined ? splitExactly(config.numRecords, workers) : undefined;
    const warmupShares = splitExactly(config.warmupRecords, workers);
    const rateShares = config.throughputRps > 0 ? splitExactly(config.throughputRps, workers) : undefined;
    pool = new Piscina({
      filename: join(projectRoot(), 'dist/workers/produce-worker.js'),
      minThreads: workers,
      maxThreads: workers,
      // A worker's producer keeps sockets and timers alive between messages: never park it in Atomics.wait.
      atomics: 'disabled',
      idleTimeout: 1000,
      resourceLimits: { maxYoungGenerationSizeMb: youngGenerationMbPerWorker(workers) },
    });
    const ports: MessagePort[] = [];
    const acknowledged = new SharedArrayBuffer(workers * BigInt64Array.BYTES_PER_ELEMENT);
    const perWorker = Array.from({ length: workers }, () => new Tally());
    const total = new Tally();
    let fatal: { code: string; message: string } | undefined;
    let readyCount = 0;
    let allReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => { allReady = resolve; });
    const broadcast = (message: MainToWorker) => { for (const port of ports) port.postMessage(message); };

    // Figures are added to the totals the moment they arrive, and to the open window; a snapshot that arrives
    // after its window was printed (a worker's port and its task result race) lands in the next one.
    let window = { histogram: createHistogram(), records: 0, payloadBytes: 0 };
    const acksPerSlot: number[] = [];
    const absorb = (workerId: number, interval: WorkerInterval) => {
      const histograms = {
        latency: decodeHistogram(interval.histogram),
        intended: interval.intendedHistogram ? decodeHistogram(interval.intendedHistogram) : undefined,
        steady: decodeHistogram(interval.steadyHistogram),
      };
      perWorker[workerId].add(interval, histograms);
      total.add(interval, histograms);
      window.histogram.add(histograms.latency);
      window.records += interval.records;
      window.payloadBytes += interval.payloadBytes;
      for (const [slot, count] of interval.acksPerSlot) addToSlot(acksPerSlot, slot, count);
    };
    let seq = 0;
    const answered = new Set<number>();
    const finished = new Set<number>();
    let progress: () => void = () => undefined;

    const tasks = Array.from({ length: workers }, (_, workerId) => {
      const channel = new MessageChannel();
      ports.push(channel.port1);
      channel.port1.on('message', (message: WorkerToMain) => {
        if (message.type === 'ready') {
          if (++readyCount === workers) allReady();
        } else if (message.type === 'snapshot') {
          absorb(message.workerId, message.interval);
          if (message.seq === seq) answered.add(message.workerId);
          progress();
        } else {
          fatal ??= { code: message.code, message: message.message };
          broadcast({ type: 'stop' });
        }
      });
      const task: ProduceTask = {
        workerId, config: effective, records: recordShares?.[workerId], warmupRecords: warmupShares[workerId],
        throughputRps: rateShares?.[workerId] ?? -1,
        partitions: partitionsOfWorker(workerId, workers, topic.partitions), bootstrap, buffers, values, acknowledged,
        port: channel.port2,
      };
      return pool!.run(task, { transferList: [channel.port2] }) as Promise<WorkerSummary>;
    });
    // A worker closes its port after its last message: every snapshot and fatal it sent has arrived by then.
    const portsClosed = Promise.all(ports.map((port) => new Promise<void>((resolve) => port.once('close', resolve))));
    const done = Promise.allSettled(tasks.map((t, workerId) => t.finally(() => { finished.add(workerId); progress(); })));
    const firstFailure = Promise.race(tasks.map((t) => t.then(() => new Promise<never>(() => undefined))));

    await Promise.race([ready, firstFailure]).catch((error: unknown) => {
      broadcast({ type: 'stop' });
      throw new DataStormError('DS_WORKER_FAILED', `a worker could not start its producer: ${(error as Error).message}`, { cause: error });
    });
    const onAbort = () => broadcast({ type: 'stop' });
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    const startAtMs = performance.timeOrigin + performance.now() + 20;
    broadcast({ type: 'go', startAtMs });
    const faults = config.faults.length ? runFaults(config.faults, startAtMs, defaultClusterDir(), log) : undefined;
    const acknowledgedSoFar = new BigInt64Array(acknowledged);
    const progressTimer = hooks.onProgress && setInterval(() => {
      const sum = acknowledgedSoFar.reduce((a, b) => a + b, 0n);
      hooks.onProgress!(Number(sum), performance.timeOrigin + performance.now() - startAtMs);
    }, PROGRESS_MS);

    // Every reporting interval: ask all workers for their figures, wait for each running one, report the window.
    const intervals: IntervalResult[] = [];
    const allAnswered = () => Array.from({ length: workers }, (_, id) => id).every((id) => answered.has(id) || finished.has(id));
    let lastWindowAt = startAtMs;
    while (finished.size < workers) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<void>((resolve) => { timer = setTimeout(resolve, config.reportingIntervalMs); });
      await Promise.race([tick, done]);
      clearTimeout(timer); // a pending tick would keep the process alive for up to an interval after the run
      if (finished.size === workers) break;
      answered.clear();
      broadcast({ type: 'snapshot', seq: ++seq });
      while (!allAnswered()) await new Promise<void>((resolve) => { progress = resolve; });
      const now = performance.timeOrigin + performance.now();
      const summary = summarizeLatency(window.histogram);
      const result: IntervalResult = {
        ...throughputOf(window.records, window.payloadBytes, now - lastWindowAt), elapsedMs: now - startAtMs,
        avgLatencyMs: summary.meanUs / 1000, maxLatencyMs: summary.maxUs / 1000,
      };
      lastWindowAt = now;
      window = { histogram: createHistogram(), records: 0, payloadBytes: 0 };
      intervals.push(result);
      hooks.onInterval?.(result);
    }
    const settled = await done;
    clearInterval(progressTimer);
    const faultEvents = await faults?.finish();
    hooks.signal?.removeEventListener('abort', onAbort);
    const summaries: WorkerSummary[] = [];
    for (const outcome of settled) {
      if (outcome.status === 'rejected') {
        throw new DataStormError('DS_WORKER_FAILED', `a worker failed: ${(outcome.reason as Error).message}`, { cause: outcome.reason });
      }
      summaries.push(outcome.value);
      absorb(outcome.value.workerId, outcome.value.last);
    }
    await portsClosed;

    const endMs = Math.max(...summaries.map((s) => s.lastAckAtMs));
    const durationMs = Math.max(0, endMs - startAtMs);
    const wireBytes = summaries.reduce((sum, s) => sum + s.wireBytes, 0);
    const offsetsAfter = await settledEndOffsetTotal(admin, config.topic, offsetsBefore + total.records);
    const steadyStarts = summaries.map((s) => s.firstSteadyAtMs).filter((t): t is number => t !== undefined);
    const steadyDurationMs = steadyStarts.length ? endMs - Math.min(...steadyStarts) : 0;
    const usage = process.cpuUsage(cpuBefore);
    const partial = Boolean(hooks.signal?.aborted) || fatal !== undefined;

    const result: ProduceResult = {
      schemaVersion: RESULT_SCHEMA_VERSION,
      tool: 'datastorm',
      toolVersion: packageVersion(),
      startedAt,
      measuredWindow: {
        startEpochMs: startAtMs,
        endEpochMs: endMs,
        steadyStartEpochMs: steadyStarts.length ? Math.min(...steadyStarts) : undefined,
      },
      ...header,
      totals: totalsOf({ ...total, wireBytes }, durationMs),
      latency: latencyResult(total.latency),
      intendedLatency: config.throughputRps > 0 ? latencyResult(total.intended) : undefined,
      steadyState: config.warmupRecords > 0
        ? {
          totals: throughputOf(total.steadyRecords, total.steadyPayloadBytes, steadyDurationMs),
          latency: latencyResult(total.steady),
        }
        : undefined,
      intervals,
      workers: summaries.sort((a, b) => a.workerId - b.workerId).map((s): WorkerResult => ({
        workerId: s.workerId,
        records: perWorker[s.workerId].records,
        payloadBytes: perWorker[s.workerId].payloadBytes,
        wireBytes: s.wireBytes,
        requests: s.requests,
        errors: failedRecords(perWorker[s.workerId].errors),
        bufferWaitMs: s.bufferWaitMs,
        latency: latencyResult(perWorker[s.workerId].latency),
      })),
      accounting: {
        acknowledgedRecords: total.records,
        brokerOffsetGrowth: offsetsAfter - offsetsBefore,
        match: offsetsAfter - offsetsBefore === total.records,
        topicEndOffsetTotalBefore: offsetsBefore,
        topicEndOffsetTotalAfter: offsetsAfter,
      },
      process: {
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        cpuUserMs: usage.user / 1000,
        cpuSystemMs: usage.system / 1000,
      },
      faults: faultEvents ? faultReport(faultEvents, acksPerSlot, 'acknowledged') : undefined,
      partial,
    };
    if (fatal) throw new RunFailedError(fatal.code, fatal.message, result);
    return result;
  } finally {
    await pool?.destroy();
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Each worker's V8 young generation: all of them together about 32 MB, 2-16 MB each. Sixteen workers with V8's
 * default (16 MB) held 70 MB more at the headline run's peak; one worker with 2 MB spent 35% more CPU collecting.
 */
export function youngGenerationMbPerWorker(workers: number): number {
  return Math.max(2, Math.min(16, Math.floor(32 / workers)));
}

/** A run that ended on a fatal error, carrying the partial result of what was done before it. */
export class RunFailedError extends DataStormError {
  readonly result: ProduceResult;

  constructor(code: string, message: string, result: ProduceResult) {
    super(code, message);
    this.result = result;
  }
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
