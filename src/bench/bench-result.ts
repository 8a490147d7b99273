import { readFileSync } from 'node:fs';
import { DataStormError } from '../shared/errors.js';
import { RESULT_SCHEMA_VERSION, type ProduceResult } from '../produce/result.js';
import {
  METRIC_NAMES, median, medianMetrics, metricsOfProduceResult, type MetricName, type MetricValues, type ReferenceMetricValues,
} from './metrics.js';
import { resultFigureProblem } from './result-figures.js';
import type { Shard } from './shard.js';

/**
 * What `datastorm bench run` writes: the produce result (ProduceResult, schema in src/produce/result.ts) of the run
 * with the median records/s, plus a `bench` section. Plain `datastorm produce --json` output is a valid
 * bench file too: it is one run with no reference.
 */
export interface BenchInfo {
  workload: { name: string; file?: string };
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

/** The figures gates test: each metric's median over the runs (the one run's figures without --repeat). */
export function benchMetrics(result: BenchResult): MetricValues {
  return medianMetrics(result.bench?.runs ?? [metricsOfProduceResult(result)]);
}

/**
 * Each metric as a ratio to the reference measured in the same job (DataStorm / Java), the median of the
 * run-by-run ratios: noise that slows the whole machine between runs cancels out.
 */
export function relativeMetrics(result: BenchResult, file: string): Partial<MetricValues> {
  const reference = result.bench?.reference;
  const runs = result.bench?.runs;
  if (!reference || !runs || runs.length !== reference.runs.length) {
    throw new DataStormError('DS_NO_REFERENCE', `${file} has no reference run to compare against`, {
      hint: 'make both results with `datastorm bench run ... --vs java` (or --vs librdkafka, --vs REFERENCE.yaml), or compare without --relative',
    });
  }
  const names = METRIC_NAMES.filter((name): name is Exclude<MetricName, 'error_count'> => name !== 'error_count');
  return Object.fromEntries(names.map((name) => [
    name, median(runs.map((run, i) => run[name] / reference.runs[i].metrics[name])),
  ]));
}

/**
 * Reads a result file, refusing what is not a DataStorm result of a schema version this build knows, a stopped run, and
 * a figure that is not a finite number of 0 or more: every command that reads results (compare, merge, the shards of
 * bench run --local) reads them here, before any work.
 */
export function readBenchResult(file: string): BenchResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataStormError('DS_BAD_RESULT_FILE', `cannot read result ${file}: ${reason}`, {
      hint: 'give a file written by `datastorm bench run --out` or `datastorm produce --json`',
    });
  }
  const result = parsed as Partial<BenchResult>;
  if (result?.tool !== 'datastorm' || typeof result.schemaVersion !== 'number') {
    throw new DataStormError('DS_BAD_RESULT_FILE', `${file} is not a DataStorm result`, {
      hint: 'give a file written by `datastorm bench run --out` or `datastorm produce --json`',
    });
  }
  if (result.schemaVersion !== RESULT_SCHEMA_VERSION) {
    throw new DataStormError('DS_RESULT_SCHEMA', `${file} has result schema version ${result.schemaVersion}; ` +
      `this DataStorm reads version ${RESULT_SCHEMA_VERSION}`, { hint: 'make both results with the same DataStorm release' });
  }
  if (result.partial) {
    throw new DataStormError('DS_PARTIAL_RESULT', `${file} is of a run that was stopped early`, {
      hint: 'gates and merges take complete runs only',
    });
  }
  const problem = resultFigureProblem(result);
  if (problem) {
    throw new DataStormError('DS_BAD_RESULT_FILE', `${file}: ${problem}`, {
      hint: 'a result holds finite figures of 0 or more, as DataStorm wrote them: this one was edited or damaged; make it again',
    });
  }
  return result as BenchResult;
}
