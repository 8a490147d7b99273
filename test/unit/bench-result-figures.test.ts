import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBenchResult, type BenchResult } from '../../src/bench/bench-result.js';
import { resultFigureProblem } from '../../src/bench/result-figures.js';
import { metricsOfProduceResult } from '../../src/bench/metrics.js';
import { produceResult } from './bench-fixtures.js';

/** A bench run's result as `bench run --out` writes it: a produce result and its run's figures. */
function benchResult(): BenchResult {
  const result = produceResult({ records: 3, latenciesUs: [1000, 2000, 3000], errors: { KafkaJSError: 0 } });
  return { ...result, bench: { workload: { name: 'w' }, runs: [metricsOfProduceResult(result)] } };
}

/** The result with the value at `path` (dots and [i]) set to `value`; undefined deletes it. */
function withValue(path: string, value: unknown): unknown {
  const copy = structuredClone(benchResult()) as unknown as Record<string, unknown>;
  const keys = path.replace(/\[(\d+)\]/g, '.$1').split('.');
  const parent = keys.slice(0, -1).reduce((node, key) => node[key] as Record<string, unknown>, copy);
  if (value === undefined) delete parent[keys.at(-1)!];
  else parent[keys.at(-1)!] = value;
  return copy;
}

describe('resultFigureProblem', () => {
  it('finds nothing wrong in a result as DataStorm writes it', () => {
    expect(resultFigureProblem(benchResult())).toBeUndefined();
    expect(resultFigureProblem(JSON.parse(JSON.stringify(benchResult())))).toBeUndefined();
  });

  it('names the field and its value: NaN, null, strings, negatives, infinities, fractions and missing figures', () => {
    const cases: Array<[string, unknown, string]> = [
      ['bench.runs[0].records_per_sec', 'NaN', 'bench.runs[0].records_per_sec is "NaN", not a number'],
      ['bench.runs[0].records_per_sec', Number.NaN, 'bench.runs[0].records_per_sec is NaN, not a finite number'],
      ['bench.runs[0].p99_ms', null, 'bench.runs[0].p99_ms is null, not a number'],
      ['bench.runs[0].p99_ms', '12 ms', 'bench.runs[0].p99_ms is "12 ms", not a number'],
      ['bench.runs[0].mb_per_sec', Number.POSITIVE_INFINITY, 'bench.runs[0].mb_per_sec is Infinity, not a finite number'],
      ['bench.runs[0].avg_ms', Number.NEGATIVE_INFINITY, 'bench.runs[0].avg_ms is -Infinity, not a finite number'],
      ['bench.runs[0].max_ms', -0.5, 'bench.runs[0].max_ms is -0.5, below 0'],
      ['bench.runs[0].error_count', 1.5, 'bench.runs[0].error_count is 1.5, not a whole number'],
      ['bench.runs[0].p50_ms', undefined, 'bench.runs[0].p50_ms is missing'],
      ['bench.runs', [], 'bench.runs is empty: a result holds the figures of at least one run'],
      ['totals.records', -5, 'totals.records is -5, below 0'],
      ['totals.errors.KafkaJSError', -1, 'totals.errors.KafkaJSError is -1, below 0'],
      ['latency.p99Us', null, 'latency.p99Us is null, not a number'],
      ['latency.histogram', null, 'latency.histogram is null, not an encoded histogram'],
      ['workers[0].records', '3', 'workers[0].records is "3", not a number'],
      ['measuredWindow', undefined, 'measuredWindow is missing'],
      ['measuredWindow.endEpochMs', true, 'measuredWindow.endEpochMs is true, not a number'],
      ['accounting.brokerOffsetGrowth', null, 'accounting.brokerOffsetGrowth is null, not a number'],
      ['config.reportingIntervalMs', 0, 'config.reportingIntervalMs is 0, not above 0'],
      ['intervals', { 0: 1 }, 'intervals is {"0":1}, not a list'],
    ];
    for (const [path, value, problem] of cases) expect(resultFigureProblem(withValue(path, value)), path).toBe(problem);
  });

  it('takes an accounting the run could not check (its offsets unread, null in JSON) as it is', () => {
    const unchecked = withValue('accounting', {
      acknowledgedRecords: 3, brokerOffsetGrowth: null, match: false, uncheckedBecause: 'the cluster was gone',
      topicEndOffsetTotalBefore: 0, topicEndOffsetTotalAfter: null,
    });
    expect(resultFigureProblem(unchecked)).toBeUndefined();
  });
});

describe('readBenchResult refuses a result with a bad figure', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ds-result-figures-'));

  it('in one line naming the file, the field and the value', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(withValue('bench.runs[0].records_per_sec', 'NaN')));
    expect(() => readBenchResult(file)).toThrow(`${file}: bench.runs[0].records_per_sec is "NaN", not a number`);
    // JSON has no Infinity, but 1e999 reads as one.
    writeFileSync(file, JSON.stringify(benchResult()).replace(/"p99_ms":[0-9.e+-]+/, '"p99_ms":1e999'));
    expect(() => readBenchResult(file)).toThrow(`${file}: bench.runs[0].p99_ms is Infinity, not a finite number`);
  });
});
