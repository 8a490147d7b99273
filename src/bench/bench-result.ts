import { readFileSync } from 'node:fs';
import { DataStormError } from '../shared/errors.js';
import { RESULT_SCHEMA_VERSION, type ProduceResult } from '../produce/result.js';
import { CAPACITY_SCHEMA_VERSION, type CapacityResult } from '../capacity/run-capacity.js';
import {
  RUN_METRIC_NAMES, median, medianMetrics, metricsOfCapacityResult, metricsOfProduceResult,
  type CapacityMetricValues, type Figures, type MetricValues, type ReferenceMetricValues, type ResultKind, type RunMetricName,
} from './metrics.js';
import { resultFigureProblem } from './result-figures.js';
import type { Shard } from './shard.js';
import type { SourceCommit } from './source-commit.js';

/**
 * What `datastorm bench run` writes: the produce result (ProduceResult, schema in src/produce/result.ts) of the run
 * with the median records/s, plus a `bench` section. Plain `datastorm produce --json` output is a valid
 * bench file too: it is one run with no reference.
 */
export interface BenchInfo {
  workload: { name: string; file?: string };
  /** The commit run in (GITHUB_SHA, or the checkout's HEAD), when there was one: `bench history` orders by it. */
  commit?: SourceCommit;
  shard?: Shard;
  /** Each run's figures, in the order run (--repeat N gives N); gates use their per-metric medians. */
  runs: MetricValues[];
  /** The reference run after each run in the same job (--vs): the ratios to it cancel the machine's speed. */
  reference?: ReferenceInfo;
  /** The results `datastorm merge` added up into this one. */
  mergedFrom?: Array<{ hostname: string; startedAt: string; shard?: Shard; records: number }>;
  /**
   * Merged results: the first and last start of the shards' measured windows apart (ms). Without a start barrier
   * (--start-at) shards start as they come up, and the merged rate is diluted by this stagger.
   */
  startSpreadMs?: number;
  /** A merge forced (merge --force) past this: the results were not one run's shards, so the figures are not one run's load. */
  forcedMerge?: { notOneRunBecause: string };
}

export interface ReferenceRun {
  metrics: ReferenceMetricValues;
  wallMs: number;
  /** The reference's own process (Java's JVM, rdkafka_performance); a DataStorm reference shares the run's process, so has none. */
  process?: { peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number; measuredBy: string };
}

/**
 * `--vs java`: Kafka's ProducerPerformance with the run's own settings (DataStorm against Java).
 * `--vs librdkafka`: librdkafka's rdkafka_performance with the run's own settings (DataStorm against C).
 * `--vs FILE.yaml`: a fixed DataStorm workload, whose settings a change under test never touches.
 */
export type ReferenceInfo =
  | { tool: 'kafka-producer-perf-test'; kafkaVersion: string; /** src/bench/java-perf.ts javaProducerPerfArgs */ args: string[]; runs: ReferenceRun[] }
  | { tool: 'rdkafka_performance'; librdkafkaVersion: string; /** src/bench/rdkafka-perf.ts rdkafkaPerfArgs */ args: string[]; runs: ReferenceRun[] }
  | { tool: 'datastorm'; workload: { name: string; file?: string }; runs: ReferenceRun[] };

/** How tables name a reference: java, librdkafka and its version, or the reference workload's name. */
export function referenceLabel(reference: ReferenceInfo): string {
  if (reference.tool === 'datastorm') return reference.workload.name;
  return reference.tool === 'rdkafka_performance' ? `librdkafka ${reference.librdkafkaVersion}` : 'java';
}

export type BenchResult = ProduceResult & { bench?: BenchInfo };

/** A capacity workload's bench section: each search's figures (--repeat N gives N). */
export interface CapacityBenchInfo {
  workload: { name: string; file?: string };
  commit?: SourceCommit;
  runs: CapacityMetricValues[];
}

/**
 * What `datastorm bench run` writes for a workload with a `capacity:` block: the search's result (CapacityResult,
 * schema in src/capacity/run-capacity.ts, as `datastorm capacity --json` prints it) of the search with the median
 * sustainable rate, plus a `bench` section. Plain `capacity --json` output is a valid bench file too.
 */
export type CapacityBenchResult = CapacityResult & { bench?: CapacityBenchInfo };

/** Any result a bench command reads: a run's, or a capacity search's. */
export type AnyBenchResult = BenchResult | CapacityBenchResult;

export function isCapacityResult(result: AnyBenchResult): result is CapacityBenchResult {
  return 'command' in result && result.command === 'capacity';
}

export const kindOf = (result: AnyBenchResult): ResultKind => (isCapacityResult(result) ? 'capacity' : 'run');

/** The figures gates test: each metric's median over the runs (the one run's figures without --repeat). */
export function benchMetrics(result: BenchResult): MetricValues {
  return medianMetrics(result.bench?.runs ?? [metricsOfProduceResult(result)]);
}

/** The figures gates test, of either kind of result: a capacity search's are its searches' medians. */
export function figuresOf(result: AnyBenchResult): Figures {
  return isCapacityResult(result) ? medianMetrics(result.bench?.runs ?? [metricsOfCapacityResult(result)]) : benchMetrics(result);
}

/**
 * Each metric as a ratio to the reference measured in the same job (DataStorm / Java), the median of the
 * run-by-run ratios: noise that slows the whole machine between runs cancels out.
 */
export function relativeMetrics(result: AnyBenchResult, file: string): Partial<MetricValues> {
  const noReference = (why = '') => new DataStormError('DS_NO_REFERENCE', `${file} has no reference run to compare against${why}`, {
    hint: 'make both results with `datastorm bench run ... --vs java` (or --vs librdkafka, --vs REFERENCE.yaml), or compare without --relative',
  });
  if (isCapacityResult(result)) throw noReference(': it is a capacity search\'s result');
  const reference = result.bench?.reference;
  const runs = result.bench?.runs;
  if (!reference || !runs || runs.length !== reference.runs.length) throw noReference();
  const names = RUN_METRIC_NAMES.filter((name): name is Exclude<RunMetricName, 'error_count'> => name !== 'error_count');
  return Object.fromEntries(names.map((name) => [
    name, median(runs.map((run, i) => run[name] / reference.runs[i].metrics[name])),
  ]));
}

/**
 * Reads a result file, a run's or a capacity search's, refusing what is not a DataStorm result of a schema version
 * this build knows, a stopped run or search, and a figure that is not a finite number of 0 or more: every command
 * that reads results (compare, merge, the shards of bench run --local) reads them here, before any work.
 */
export function readBenchResult(file: string): AnyBenchResult {
  const hint = 'give a file written by `datastorm bench run --out`, `datastorm produce --json` or `datastorm capacity --json`';
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataStormError('DS_BAD_RESULT_FILE', `cannot read result ${file}: ${reason}`, { hint });
  }
  const result = parsed as Partial<BenchResult> & { command?: unknown };
  const capacity = result?.command === 'capacity';
  if ((!capacity && result?.tool !== 'datastorm') || typeof result.schemaVersion !== 'number') {
    throw new DataStormError('DS_BAD_RESULT_FILE', `${file} is not a DataStorm result`, { hint });
  }
  // Each kind of result has its own schema, versioned apart.
  const [what, version, made] = capacity ? ['capacity result', CAPACITY_SCHEMA_VERSION, 'search'] : ['result', RESULT_SCHEMA_VERSION, 'run'];
  if (result.schemaVersion !== version) {
    throw new DataStormError('DS_RESULT_SCHEMA', `${file} has ${what} schema version ${result.schemaVersion}; ` +
      `this DataStorm reads version ${version}`, { hint: 'make both results with the same DataStorm release' });
  }
  if (result.partial) {
    throw new DataStormError('DS_PARTIAL_RESULT', `${file} is of a ${made} that was stopped early`, {
      hint: 'gates and merges take complete runs only',
    });
  }
  const problem = resultFigureProblem(result);
  if (problem) {
    throw new DataStormError('DS_BAD_RESULT_FILE', `${file}: ${problem}`, {
      hint: 'a result holds finite figures of 0 or more, as DataStorm wrote them: this one was edited or damaged; make it again',
    });
  }
  return result as AnyBenchResult;
}
