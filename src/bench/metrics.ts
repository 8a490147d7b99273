import { failedRecords, type ProduceResult, type Throughput } from '../produce/result.js';
import type { LatencyResult } from '../produce/result.js';
import type { LatencySummaryUs } from '../shared/histograms.js';
import type { ProducerPerfSummary } from './java-perf.js';
import type { RdkafkaPerfSummary } from './rdkafka-perf.js';

/**
 * The figures a bench gate tests: snake_case names with their unit (k6 style), and which way is better.
 * Thresholds, compare and the tables all take their metric names from here.
 */
export const METRICS = {
  records_per_sec: { better: 'higher', decimals: 0 },
  mb_per_sec: { better: 'higher', decimals: 2 },
  avg_ms: { better: 'lower', decimals: 2 },
  p50_ms: { better: 'lower', decimals: 2 },
  p95_ms: { better: 'lower', decimals: 2 },
  p99_ms: { better: 'lower', decimals: 2 },
  p999_ms: { better: 'lower', decimals: 2 },
  max_ms: { better: 'lower', decimals: 2 },
  error_count: { better: 'lower', decimals: 0 },
} as const;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];
export type MetricValues = Record<MetricName, number>;
/** Kafka's ProducerPerformance reports no error count. */
export type ReferenceMetricValues = Omit<MetricValues, 'error_count'>;

export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}

const US_PER_MS = 1000;

/** A latency summary in the metrics' milliseconds. */
function latencyMetrics(latency: LatencySummaryUs): Omit<ReferenceMetricValues, 'records_per_sec' | 'mb_per_sec'> {
  return {
    avg_ms: latency.meanUs / US_PER_MS,
    p50_ms: latency.p50Us / US_PER_MS,
    p95_ms: latency.p95Us / US_PER_MS,
    p99_ms: latency.p99Us / US_PER_MS,
    p999_ms: latency.p999Us / US_PER_MS,
    max_ms: latency.maxUs / US_PER_MS,
  };
}

/** The figures of one produce run; after a warmup, those of the steady state (as ProducerPerformance reports). */
export function metricsOfProduceResult(result: ProduceResult): MetricValues {
  const { totals, latency }: { totals: Throughput; latency: LatencyResult } = result.steadyState ?? result;
  return {
    records_per_sec: totals.recordsPerSec,
    mb_per_sec: totals.mbPerSec,
    ...latencyMetrics(latency),
    // Errors of the whole run: a failure during warmup is still a failure.
    error_count: failedRecords(result.totals.errors),
  };
}

/** The same figures from ProducerPerformance's summary; after a warmup, its steady-state line. */
export function metricsOfJavaSummary(summary: ProducerPerfSummary & { steadyState?: ProducerPerfSummary }): ReferenceMetricValues {
  const s = summary.steadyState ?? summary;
  return {
    records_per_sec: s.recordsPerSec,
    mb_per_sec: s.mbPerSec,
    avg_ms: s.avgLatencyMs,
    p50_ms: s.p50Ms,
    p95_ms: s.p95Ms,
    p99_ms: s.p99Ms,
    p999_ms: s.p999Ms,
    max_ms: s.maxLatencyMs,
  };
}

/** The same figures from an rdkafka_performance run measured with its latency file (the whole run: it has no warmup). */
export function metricsOfRdkafkaRun(summary: RdkafkaPerfSummary, latency: LatencySummaryUs): ReferenceMetricValues {
  return { records_per_sec: summary.recordsPerSec, mb_per_sec: summary.mbPerSec, ...latencyMetrics(latency) };
}

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Each metric's median over several runs, taken metric by metric. */
export function medianMetrics<T extends Partial<MetricValues>>(runs: T[]): T {
  const names = METRIC_NAMES.filter((name) => runs.every((run) => run[name] !== undefined));
  return Object.fromEntries(names.map((name) => [name, median(runs.map((run) => run[name] as number))])) as T;
}

/** A value as tables print it; `ratio` values (a run divided by its reference) get three decimals. */
export function formatMetricValue(name: MetricName, value: number, kind: 'absolute' | 'ratio' = 'absolute'): string {
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return value.toFixed(kind === 'ratio' ? 3 : METRICS[name].decimals);
}
