import type { RunConfig } from '../produce/run-config.js';
import { runProduce } from '../engine/run-produce.js';
import type { RunCluster } from '../cluster/bootstrap.js';
import { DataStormError } from '../shared/errors.js';
import { javaProducerPerfArgs, javaToolLine, runJavaProducerPerf } from './java-perf.js';
import { LIBRDKAFKA_VERSION } from './librdkafka-build.js';
import { prepareRdkafkaPerf, runRdkafkaPerf } from './rdkafka-perf.js';
import { formatSummaryLine } from '../report/produce-report.js';
import { verdictOf, type ProduceResult } from '../produce/result.js';
import type { BenchInfo, BenchResult, ReferenceInfo, ReferenceRun } from './bench-result.js';
import { formatMetricsLine } from './bench-report.js';
import { medianIndex, metricsOfJavaSummary, metricsOfProduceResult, metricsOfRdkafkaRun } from './metrics.js';
import { shardConfig, type Shard } from './shard.js';
import { sourceCommit } from './source-commit.js';
import type { Workload } from './workload.js';

/**
 * What to run after each run in the same job, to compare against: Java's or librdkafka's perf tool with the same
 * settings, or a fixed workload.
 */
export type BenchReference = { kind: 'java' } | { kind: 'librdkafka' } | { kind: 'workload'; workload: Workload };

export interface BenchOptions {
  cluster: RunCluster;
  /** Runs of the workload, one after the other; gates take each metric's median. */
  repeat: number;
  shard?: Shard;
  reference?: BenchReference;
  /** A start barrier (--start-at, epoch ms) for the run: shards given the same one start together. */
  startAtEpochMs?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** A run with failed records, or that the broker's offsets contradict, is no benchmark: every repeat must pass. */
/** A run that measured nothing ends the benchmark: its figures would gate on a broken run. */
function checkRun(result: ProduceResult): void {
  const verdict = verdictOf(result);
  if (verdict) throw verdict;
}

/** One run of the reference, right after a run of the workload so both see the same machine. */
async function runReference(
  reference: BenchReference, config: RunConfig, options: BenchOptions, log: (line: string) => void,
): Promise<{ run: ReferenceRun; kafkaVersion?: string }> {
  if (reference.kind === 'java') {
    const java = await runJavaProducerPerf(config, options.cluster.bootstrap, { log, signal: options.signal });
    const metrics = metricsOfJavaSummary(java.summary);
    log(`java: ${formatMetricsLine(metrics)}${java.summary.steadyState ? ' (steady state)' : ''}`);
    return { run: { metrics, wallMs: java.wallMs, process: java.process }, kafkaVersion: java.kafkaVersion };
  }
  if (reference.kind === 'librdkafka') {
    const rdkafka = await runRdkafkaPerf(config, options.cluster.bootstrap, { log, signal: options.signal });
    const metrics = metricsOfRdkafkaRun(rdkafka.summary, rdkafka.latency);
    log(`librdkafka: ${formatMetricsLine(metrics)}${config.warmupRecords > 0 ? ' (whole run: rdkafka_performance has no warmup)' : ''}`);
    return { run: { metrics, wallMs: rdkafka.wallMs, process: rdkafka.process } };
  }
  // The cluster connection (address and security) is the job's, as for the workload itself.
  const result = await runProduce({ ...reference.workload.config, security: config.security }, options.cluster, { log, signal: options.signal });
  if (!options.signal?.aborted) checkRun(result);
  const { error_count: _, ...metrics } = metricsOfProduceResult(result);
  log(`reference ${reference.workload.name}: ${formatMetricsLine(metrics)}`);
  return { run: { metrics, wallMs: result.totals.durationMs } };
}

/**
 * The tool's exact flags, made before any run: a workload the tool cannot run (a timed one without a rate, a
 * property librdkafka does not know) fails now, not after it; librdkafka's tool is also built now if need be.
 */
async function prepareReference(reference: BenchReference, config: RunConfig, options: BenchOptions, log: (line: string) => void): Promise<string[]> {
  if (reference.kind === 'java') return javaProducerPerfArgs(config, options.cluster.bootstrap, javaToolLine(log));
  if (reference.kind === 'librdkafka') return prepareRdkafkaPerf(config, options.cluster.bootstrap, { log, signal: options.signal });
  return [];
}

function referenceInfo(reference: BenchReference, args: string[], runs: ReferenceRun[], kafkaVersion = ''): ReferenceInfo {
  if (reference.kind === 'java') return { tool: 'kafka-producer-perf-test', kafkaVersion, args, runs };
  if (reference.kind === 'librdkafka') return { tool: 'rdkafka_performance', librdkafkaVersion: LIBRDKAFKA_VERSION, args, runs };
  const { name, file } = reference.workload;
  return { tool: 'datastorm', workload: { name, ...(file ? { file } : {}) }, runs };
}

/** What a bench section opens with: the workload, and the commit it runs in when there is one (read before the runs). */
export function benchHeader(workload: Workload): Pick<BenchInfo, 'workload' | 'commit'> {
  const commit = sourceCommit();
  return { workload: { name: workload.name, ...(workload.file ? { file: workload.file } : {}) }, ...(commit ? { commit } : {}) };
}

/**
 * Runs a workload `repeat` times, each followed by its reference (--vs) so both see the same machine state,
 * and returns the median run's result with every run's figures in its bench section.
 */
export async function runBench(workload: Workload, options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  if (options.reference && options.shard) {
    throw new DataStormError('DS_BAD_OPTION', '--vs and --shard exclude each other', {
      hint: 'compare with a reference on one machine; shard to load a cluster from several',
    });
  }
  if (options.startAtEpochMs !== undefined && options.repeat > 1) {
    throw new DataStormError('DS_BAD_OPTION', '--start-at starts one run at an instant; --repeat runs several', { hint: 'leave out --repeat' });
  }
  const sharded = options.shard ? shardConfig(workload.config, options.shard) : workload.config;
  const config = options.startAtEpochMs !== undefined ? { ...sharded, startAtEpochMs: options.startAtEpochMs } : sharded;
  const referenceArgs = options.reference ? await prepareReference(options.reference, config, options, log) : [];
  const header = benchHeader(workload);
  const results: ProduceResult[] = [];
  const referenceRuns: ReferenceRun[] = [];
  let kafkaVersion: string | undefined;
  for (let run = 1; run <= options.repeat && !options.signal?.aborted; run++) {
    const label = options.repeat > 1 ? `run ${run}/${options.repeat}` : 'run';
    log(`${workload.name}: ${label}${options.shard ? `, shard ${options.shard.index}/${options.shard.count}` : ''}`);
    const result = await runProduce(config, options.cluster, { log, signal: options.signal });
    if (!options.signal?.aborted) checkRun(result);
    results.push(result);
    log(`datastorm: ${formatSummaryLine(result.steadyState?.totals ?? result.totals, result.steadyState?.latency ?? result.latency, Boolean(result.steadyState))}`);
    if (options.reference && !options.signal?.aborted) {
      const outcome = await runReference(options.reference, config, options, log);
      referenceRuns.push(outcome.run);
      kafkaVersion ??= outcome.kafkaVersion;
    }
  }
  // The run whose records/s is the median.
  const median = results[medianIndex(results.map((r) => metricsOfProduceResult(r).records_per_sec))];
  return {
    ...median,
    bench: {
      ...header,
      ...(options.shard ? { shard: options.shard } : {}),
      runs: results.map(metricsOfProduceResult),
      ...(options.reference ? { reference: referenceInfo(options.reference, referenceArgs, referenceRuns, kafkaVersion) } : {}),
    },
  };
}
