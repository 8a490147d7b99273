import { describe, expect, it } from 'vitest';
import { benchTable, costNote, formatMetricsLine, formatSearchConfidenceNote, mergeTable, steadyStateNote } from '../../src/bench/bench-report.js';
import { benchMetrics, relativeMetrics, type BenchResult, type ReferenceRun } from '../../src/bench/bench-result.js';
import { median, medianMetrics, metricsOfJavaSummary, metricsOfProduceResult, type MetricValues } from '../../src/bench/metrics.js';
import { capacityResult, latencyOf, produceResult } from './bench-fixtures.js';

const run = (records_per_sec: number, p99_ms: number): MetricValues => ({
  records_per_sec, mb_per_sec: records_per_sec / 10_000, avg_ms: 5, p50_ms: 4, p95_ms: 8, p99_ms, p999_ms: 20, max_ms: 30, error_count: 0,
});
const javaRun = (records_per_sec: number, p99_ms: number): ReferenceRun => {
  const { error_count: _, ...metrics } = run(records_per_sec, p99_ms);
  return { metrics, wallMs: 3000, process: { peakRssBytes: 100 * 1024 * 1024, cpuUserMs: 2000, cpuSystemMs: 500, measuredBy: 'gnu-time' } };
};

describe('metrics of a result', () => {
  it('reads the steady state after a warmup, latencies in ms, and errors of the whole run', () => {
    // Values under 2048 us are exact in a 3-digit HDR histogram.
    const result = produceResult({ records: 3, latenciesUs: [1000, 1500, 2000], errors: { REQUEST_TIMED_OUT: 2, NOT_LEADER: 1 } });
    expect(metricsOfProduceResult(result)).toEqual({
      records_per_sec: 3, mb_per_sec: 300 / 1024 / 1024, avg_ms: 1.5, p50_ms: 1.5, p95_ms: 2, p99_ms: 2, p999_ms: 2, max_ms: 2,
      error_count: 3,
    });
    const warmed = { ...result, steadyState: { totals: { ...result.totals, recordsPerSec: 2 }, latency: latencyOf([1800]) } };
    expect(metricsOfProduceResult(warmed)).toMatchObject({ records_per_sec: 2, p50_ms: 1.8, max_ms: 1.8, error_count: 3 });
  });

  it('reads Java\'s steady-state line when there is one', () => {
    const line = { records: 10, recordsPerSec: 100, mbPerSec: 1, avgLatencyMs: 2, maxLatencyMs: 9, p50Ms: 2, p95Ms: 5, p99Ms: 8, p999Ms: 9 };
    expect(metricsOfJavaSummary({ ...line, steadyState: { ...line, recordsPerSec: 120 } })).toEqual({
      records_per_sec: 120, mb_per_sec: 1, avg_ms: 2, p50_ms: 2, p95_ms: 5, p99_ms: 8, p999_ms: 9, max_ms: 9,
    });
  });

  it('takes medians metric by metric, and ratios to the reference run by run', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(medianMetrics([run(100, 9), run(300, 1), run(200, 5)])).toMatchObject({ records_per_sec: 200, p99_ms: 5 });
    const result: BenchResult = {
      ...produceResult({ records: 1, latenciesUs: [1] }),
      bench: {
        workload: { name: 'w' },
        runs: [run(100, 10), run(50, 20), run(120, 10)],
        reference: { tool: 'kafka-producer-perf-test', kafkaVersion: '4.3.1', args: [], runs: [javaRun(200, 10), javaRun(50, 10), javaRun(100, 20)] },
      },
    };
    expect(benchMetrics(result)).toMatchObject({ records_per_sec: 100, p99_ms: 10 });
    // Ratios 0.5, 1.0, 1.2 -> 1.0; p99 ratios 1, 2, 0.5 -> 1.
    expect(relativeMetrics(result, 'r.json')).toMatchObject({ records_per_sec: 1, p99_ms: 1 });
    expect(relativeMetrics(result, 'r.json')).not.toHaveProperty('error_count');
    expect(() => relativeMetrics({ ...result, bench: { ...result.bench!, reference: undefined } }, 'r.json'))
      .toThrow('r.json has no reference run to compare against');
  });
});

describe('bench tables', () => {
  const base = produceResult({ records: 1, latenciesUs: [1] });

  it('shows each run and the median, then Java and DataStorm/Java with each side\'s cost', () => {
    const result: BenchResult = {
      ...base,
      bench: {
        workload: { name: 'w' },
        runs: [run(100_000, 10), run(90_000, 12)],
        reference: { tool: 'kafka-producer-perf-test', kafkaVersion: '4.3.1', args: [], runs: [javaRun(50_000, 20), javaRun(60_000, 24)] },
      },
    };
    const { head, rows } = benchTable(result);
    expect(head).toEqual(['metric', 'run 1', 'run 2', 'median', 'java', 'datastorm/java']);
    expect(benchTable({ ...result, config: { ...result.config, batchEncoding: 'pre-encoded-reused' } }).head)
      .toEqual(['metric', 'run 1', 'run 2', 'median (compression reused)', 'java', 'datastorm/java']);
    expect(rows[0]).toEqual(['records_per_sec', '100000', '90000', '95000', '55000', '1.750']);
    expect(rows[5]).toEqual(['p99_ms', '10.00', '12.00', '11.00', '22.00', '0.500']);
    expect(rows[8]).toEqual(['error_count', '0', '0', '0', '-', '-']);
    expect(rows.slice(9)).toEqual([
      ['peak_rss_mb', '', '', '200.0', '100.0', '2.000'],
      ['cpu_sec', '', '', '1.75', '2.50', '0.700'],
    ]);
  });

  it('names librdkafka\'s tool with its version, with each side\'s cost', () => {
    const result: BenchResult = {
      ...base,
      bench: {
        workload: { name: 'w' },
        runs: [run(100_000, 10)],
        reference: { tool: 'rdkafka_performance', librdkafkaVersion: '2.12.0', args: [], runs: [javaRun(200_000, 5)] },
      },
    };
    const { head, rows } = benchTable(result);
    expect(head).toEqual(['metric', 'datastorm', 'librdkafka 2.12.0', 'datastorm/librdkafka 2.12.0']);
    expect(rows[0]).toEqual(['records_per_sec', '100000', '200000', '0.500']);
    expect(rows.slice(9).map((row) => row[0])).toEqual(['peak_rss_mb', 'cpu_sec']);
    // The cost rows come with what each side's figures cover: they are not measured alike.
    expect(costNote(result)).toMatch(/^peak_rss_mb and cpu_sec: DataStorm's process, its CPU from the run's start .*the reference's whole process, start-up included/);
    expect(costNote({ ...result, bench: { ...result.bench!, reference: undefined } })).toBeUndefined();
  });

  it('names a DataStorm reference workload, and shows no cost rows for it (it shares the run\'s process)', () => {
    const result: BenchResult = {
      ...base,
      bench: {
        workload: { name: 'w' },
        runs: [run(100_000, 10)],
        reference: { tool: 'datastorm', workload: { name: 'calibration' }, runs: [{ metrics: javaRun(80_000, 5).metrics, wallMs: 1000 }] },
      },
    };
    const { head, rows } = benchTable(result);
    expect(head).toEqual(['metric', 'datastorm', 'calibration', 'datastorm/calibration']);
    expect(rows[0]).toEqual(['records_per_sec', '100000', '80000', '1.250']);
    expect(rows).toHaveLength(9);
  });

  it('shows one column for a single run without a reference', () => {
    const { head, rows } = benchTable({ ...base, bench: { workload: { name: 'w' }, runs: [run(1234.5, 7)] } });
    expect(head).toEqual(['metric', 'datastorm']);
    expect(rows.map((r) => r.join(' '))).toEqual([
      'records_per_sec 1235', 'mb_per_sec 0.12', 'avg_ms 5.00', 'p50_ms 4.00', 'p95_ms 8.00', 'p99_ms 7.00', 'p999_ms 20.00',
      'max_ms 30.00', 'error_count 0',
    ]);
  });

  it('sets a merge\'s inputs beside the merged result', () => {
    const a = produceResult({ records: 2, latenciesUs: [1000, 3000], durationMs: 500 });
    const b = produceResult({ records: 1, latenciesUs: [2000], durationMs: 1000 });
    const merged = produceResult({ records: 3, latenciesUs: [1000, 2000, 3000], durationMs: 1000 });
    const { head, rows } = mergeTable([a, b], ['shard 1/2', 'shard 2/2'], merged);
    expect(head).toEqual(['', 'shard 1/2', 'shard 2/2', 'merged']);
    expect(rows.slice(0, 3)).toEqual([
      ['records', '2', '1', '3'],
      ['duration_ms', '500', '1000', '1000'],
      ['records_per_sec', '4', '1', '3'],
    ]);
  });

  it('says when figures leave the warmup out', () => {
    const warmed = { ...base, config: { ...base.config, warmupRecords: 3000 }, steadyState: { totals: base.totals, latency: base.latency } };
    expect(steadyStateNote(warmed)).toBe('figures of the steady state: the first 3000 records (warmup) are left out');
    expect(steadyStateNote(base)).toBeUndefined();
  });

  it('digests a run in one line', () => {
    expect(formatMetricsLine(run(71_787.5, 305))).toBe('71788 records/s, 7.18 MB/s, avg 5.00 ms, p50 4.00 ms, p99 305.00 ms, max 30.00 ms');
  });
});

describe('a capacity search\'s bench table', () => {
  it('shows its metrics, each search\'s and the median, a search without a confirmation as -', () => {
    const search = capacityResult({ sustainableRps: 12_000, ceilingRps: 30_000, confirmationP99Ms: 41.5 });
    expect(benchTable(search)).toEqual({
      head: ['metric', 'datastorm'],
      rows: [['sustainable_rps', '12000'], ['ceiling_rps', '30000'], ['confirmation_p99_ms', '41.50']],
    });
    const repeated = { ...search, bench: { workload: { name: 'w' }, runs: [
      { sustainable_rps: 11_000, ceiling_rps: 30_000, confirmation_p99_ms: 40 }, { sustainable_rps: 12_500, ceiling_rps: 29_000 },
    ] } };
    expect(benchTable(repeated)).toEqual({
      head: ['metric', 'run 1', 'run 2', 'median'],
      rows: [
        ['sustainable_rps', '11000', '12500', '11750'], ['ceiling_rps', '30000', '29000', '29500'], ['confirmation_p99_ms', '40.00', '-', '-'],
      ],
    });
  });

  it('says beside a gate when a search\'s answer is not of high confidence, and why', () => {
    const low = capacityResult({ sustainableRps: 900, confidence: 'low', notes: ['the budget ran out before the search reached its precision'] });
    expect(formatSearchConfidenceNote(low, 'cur.json'))
      .toBe('note: cur.json: the search\'s confidence is low (the budget ran out before the search reached its precision)');
    expect(formatSearchConfidenceNote(capacityResult({ sustainableRps: 900, confidence: 'medium' }), 'cur.json'))
      .toBe('note: cur.json: the search\'s confidence is medium');
    expect(formatSearchConfidenceNote(capacityResult({ sustainableRps: 900 }), 'cur.json')).toBeUndefined();
    expect(formatSearchConfidenceNote(produceResult({ records: 1, latenciesUs: [1] }), 'cur.json')).toBeUndefined();
  });
});
