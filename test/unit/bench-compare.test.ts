import { describe, expect, it } from 'vitest';
import {
  checkGatedMetrics, compareMetrics, comparisonRows, defaultGatedMetrics, differencesBetween, formatPercent, parseRegressionLimits, regressionFailure,
} from '../../src/bench/compare.js';
import type { MetricValues } from '../../src/bench/metrics.js';
import { DataStormError } from '../../src/shared/errors.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { errorOf } from '../helpers.js';
import { capacityResult, produceResult } from './bench-fixtures.js';

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

  it('says when the brokers ran another Kafka release or metadata.version, once both results name theirs', () => {
    const run = produceResult({ records: 1000, latenciesUs: [1000] });
    const on = (release: string, metadataVersion: string): ProduceResult => ({ ...run, cluster: { ...run.cluster, kafka: { release, metadataVersion } } });
    expect(differencesBetween(on('4.3', '4.3-IV0'), on('4.4', '4.4-IV0'))).toEqual([
      'cluster: Kafka 4.3 (metadata.version 4.3-IV0) -> Kafka 4.4 (metadata.version 4.4-IV0)',
    ]);
    // Upgraded software whose metadata.version is not finalized yet runs with the old features.
    expect(differencesBetween(on('4.4', '4.3-IV0'), on('4.4', '4.4-IV0'))).toEqual([
      'cluster: Kafka 4.4 (metadata.version 4.3-IV0) -> Kafka 4.4 (metadata.version 4.4-IV0)',
    ]);
    expect(differencesBetween(on('4.4', '4.4-IV0'), on('4.4', '4.4-IV0'))).toEqual([]);
    // A result written before the release was read: nothing to set against.
    expect(differencesBetween(run, on('4.4', '4.4-IV0'))).toEqual([]);
    const search = capacityResult({ sustainableRps: 1000 });
    expect(differencesBetween({ ...search, cluster: { ...search.cluster, kafka: { release: '3.9', metadataVersion: '3.9-IV0' } } },
      { ...search, cluster: { ...search.cluster, kafka: { release: '4.4', metadataVersion: '4.4-IV0' } } }))
      .toEqual(['cluster: Kafka 3.9 (metadata.version 3.9-IV0) -> Kafka 4.4 (metadata.version 4.4-IV0)']);
  });
});

describe('gates on a capacity search\'s result', () => {
  const search = { sustainable_rps: 12_000, ceiling_rps: 30_000, confirmation_p99_ms: 41.5 };

  it('a bare --max-regression gates the sustainable rate; a lower rate is a regression', () => {
    expect(defaultGatedMetrics('capacity')).toEqual(['sustainable_rps']);
    expect(defaultGatedMetrics('run')).toEqual(['records_per_sec', 'p99_ms', 'error_count']);
    // As ratios to a reference errors have none: the bare default leaves them out.
    expect(defaultGatedMetrics('run', true)).toEqual(['records_per_sec', 'p99_ms']);
    const limits = parseRegressionLimits(['10%'], defaultGatedMetrics('capacity'));
    expect(limits).toEqual({ sustainable_rps: 10 });
    const comparisons = compareMetrics({ ...search, sustainable_rps: 12_000 * 1.2 }, search, limits);
    expect(comparisonRows(comparisons)).toEqual([
      ['sustainable_rps', '14400', '12000', '-16.7%', '10%', 'REGRESSION'],
      ['ceiling_rps', '30000', '30000', '0.0%', '-', ''],
      ['confirmation_p99_ms', '41.50', '41.50', '0.0%', '-', ''],
    ]);
    expect(regressionFailure(comparisons)).toBe('1 metric regressed beyond the limit: sustainable_rps -16.7% (limit 10%)');
    expect(regressionFailure(compareMetrics({ ...search, sustainable_rps: 12_000 * 1.05 }, search, limits))).toBeUndefined();
  });

  it('refuses a gate on a metric either side does not hold, naming the file and what it holds', () => {
    const run = baseline;
    const sides = (current: Record<string, number>, kind: 'run' | 'capacity') => [
      { file: 'base.json', kind: 'capacity' as const, figures: search }, { file: 'cur.json', kind, figures: current },
    ];
    checkGatedMetrics({ sustainable_rps: 10 }, sides(search, 'capacity'));
    const foreign = errorOf(() => checkGatedMetrics({ sustainable_rps: 10 }, sides(run, 'run')));
    expect(foreign.code).toBe('DS_BAD_OPTION');
    expect(foreign.message).toBe('cur.json has no sustainable_rps: a run\'s result, it holds records_per_sec, mb_per_sec, avg_ms, p50_ms, p95_ms, ' +
      'p99_ms, p999_ms, max_ms, error_count');
    expect(foreign.hint).toBe('a workload with a capacity: block makes a capacity search\'s result');
    const { confirmation_p99_ms: _, ...unconfirmed } = search;
    const missing = errorOf(() => checkGatedMetrics({ confirmation_p99_ms: 20 }, sides(unconfirmed, 'capacity')));
    expect(missing.message).toBe('cur.json has no confirmation_p99_ms: a capacity search\'s result, it holds sustainable_rps, ceiling_rps');
    expect(missing.hint).toBe('confirmation_p99_ms is there when the search\'s confirmation ran (its budget held it)');
    expect(errorOf(() => checkGatedMetrics({ records_per_sec: 10 }, sides(search, 'capacity'))).message)
      .toBe('base.json has no records_per_sec: a capacity search\'s result, it holds sustainable_rps, ceiling_rps, confirmation_p99_ms');
  });

  it('says what makes two searches unlike: their SLO and settings, not whether they kept their topic', () => {
    const a = capacityResult({ sustainableRps: 1000 });
    const b = capacityResult({ sustainableRps: 900, slo: 'p99<=100ms', spec: { budgetMs: 150_000, keepTopic: true }, config: { workers: 1 } });
    expect(differencesBetween(a, b)).toEqual([
      'setting workers: 4 -> 1',
      'setting capacity budgetMs: 600000 -> 150000',
      'setting capacity slo: "p99<=50ms" -> "p99<=100ms"',
    ]);
    expect(differencesBetween(a, produceResult({ records: 1000, latenciesUs: [1000] }))).toEqual(['result: a capacity search -> a run']);
  });
});
