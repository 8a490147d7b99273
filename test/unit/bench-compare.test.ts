import { describe, expect, it } from 'vitest';
import {
  compareMetrics, comparisonRows, differencesBetween, formatPercent, parseRegressionLimits, regressionFailure,
} from '../../src/bench/compare.js';
import type { MetricValues } from '../../src/bench/metrics.js';
import { DataStormError } from '../../src/shared/errors.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { produceResult } from './bench-fixtures.js';

const baseline: MetricValues = {
  records_per_sec: 100_000, mb_per_sec: 9.54, avg_ms: 20, p50_ms: 15, p95_ms: 40, p99_ms: 50, p999_ms: 80, max_ms: 120,
  error_count: 0,
};

describe('parseRegressionLimits', () => {
  it('gives a bare percentage to the default metrics and METRIC=PERCENT to one; later values win', () => {
    expect(parseRegressionLimits(['10%'])).toEqual({ records_per_sec: 10, p99_ms: 10, error_count: 10 });
    expect(parseRegressionLimits(['10', 'p99_ms=50%', 'mb_per_sec=5'])).toEqual({
      records_per_sec: 10, p99_ms: 50, error_count: 10, mb_per_sec: 5,
    });
    expect(parseRegressionLimits([])).toEqual({});
  });

  it('refuses what it cannot read, naming the value', () => {
    for (const [value, message] of [
      ['ten%', 'cannot read --max-regression "ten%"'],
      ['-5%', 'cannot read --max-regression "-5%"'],
      ['p99=10%', 'unknown metric "p99" in --max-regression "p99=10%"'],
    ]) {
      expect(() => parseRegressionLimits([value])).toThrow(DataStormError);
      expect(() => parseRegressionLimits([value])).toThrow(message);
    }
  });
});

describe('compareMetrics', () => {
  it('knows which way is better: less throughput and more latency are regressions', () => {
    const current = { ...baseline, records_per_sec: 85_000, p99_ms: 54, p50_ms: 12, error_count: 0 };
    const byMetric = Object.fromEntries(compareMetrics(baseline, current, parseRegressionLimits(['10%'])).map((c) => [c.metric, c]));
    expect(byMetric.records_per_sec).toMatchObject({ changePercent: -15, regressionPercent: 15, limitPercent: 10, regressed: true });
    expect(byMetric.p99_ms.changePercent).toBeCloseTo(8, 10);
    expect(byMetric.p99_ms).toMatchObject({ limitPercent: 10, regressed: false });
    // Lower latency is an improvement: a negative regression, and ungated here anyway.
    expect(byMetric.p50_ms).toMatchObject({ changePercent: -20, regressionPercent: -20, limitPercent: undefined, regressed: false });
    expect(byMetric.error_count).toMatchObject({ changePercent: 0, regressed: false });
  });

  it('treats errors appearing from none as an infinite regression, and a limit as exclusive', () => {
    const current = { ...baseline, error_count: 3, records_per_sec: 90_000 };
    const comparisons = compareMetrics(baseline, current, parseRegressionLimits(['10%']));
    const errors = comparisons.find((c) => c.metric === 'error_count')!;
    expect(errors).toMatchObject({ changePercent: Infinity, regressionPercent: Infinity, regressed: true });
    // Exactly 10% worse is within a 10% limit.
    expect(comparisons.find((c) => c.metric === 'records_per_sec')!.regressed).toBe(false);
  });

  it('prints a table of differences and one line naming each regression', () => {
    const current = { ...baseline, records_per_sec: 51_234.5, mb_per_sec: 4.89, p99_ms: 49.2, error_count: 2 };
    const comparisons = compareMetrics(baseline, current, parseRegressionLimits(['10%', 'p99_ms=25%']));
    expect(comparisonRows(comparisons)).toEqual([
      ['records_per_sec', '100000', '51235', '-48.8%', '10%', 'REGRESSION'],
      ['mb_per_sec', '9.54', '4.89', '-48.7%', '-', ''],
      ['avg_ms', '20.00', '20.00', '0.0%', '-', ''],
      ['p50_ms', '15.00', '15.00', '0.0%', '-', ''],
      ['p95_ms', '40.00', '40.00', '0.0%', '-', ''],
      ['p99_ms', '50.00', '49.20', '-1.6%', '25%', 'ok'],
      ['p999_ms', '80.00', '80.00', '0.0%', '-', ''],
      ['max_ms', '120.00', '120.00', '0.0%', '-', ''],
      ['error_count', '0', '2', '+inf%', '10%', 'REGRESSION'],
    ]);
    expect(regressionFailure(comparisons)).toBe(
      '2 metrics regressed beyond the limit: records_per_sec -48.8% (limit 10%), error_count +inf% (limit 10%)');
    expect(regressionFailure(compareMetrics(baseline, baseline, { records_per_sec: 1 }))).toBeUndefined();
  });

  it('compares ratios to a reference with three decimals', () => {
    const rows = comparisonRows(compareMetrics({ records_per_sec: 1.25 }, { records_per_sec: 0.9 }, { records_per_sec: 10 }), 'ratio');
    expect(rows).toEqual([['records_per_sec (ratio)', '1.250', '0.900', '-28.0%', '10%', 'REGRESSION']]);
  });
});

describe('formatPercent', () => {
  it('signs changes and never prints -0.0', () => {
    expect([12.345, -0.04, 0, 0.04, -99.96, Infinity, -Infinity].map(formatPercent))
      .toEqual(['+12.3%', '0.0%', '0.0%', '0.0%', '-100.0%', '+inf%', '-inf%']);
  });
});

describe('differencesBetween', () => {
  it('lists settings, machine and cluster that differ, but not the topic or the cluster address', () => {
    const a = produceResult({ records: 1000, latenciesUs: [1000] });
    const b: ProduceResult = {
      ...a,
      config: { ...a.config, topic: 'other', workers: 1, producerProps: { 'batch.size': '1024' } },
      machine: { ...a.machine, cpuCount: 8 },
      cluster: { ...a.cluster, brokers: 3 },
    };
    expect(differencesBetween(a, b)).toEqual([
      'setting producerProps: {} -> {"batch.size":"1024"}',
      'setting workers: 4 -> 1',
      'machine: 2 x Test CPU -> 8 x Test CPU',
      'cluster: 4 -> 3 brokers',
    ]);
    expect(differencesBetween(a, { ...a, config: { ...a.config, topic: 'x' } })).toEqual([]);
  });
});
