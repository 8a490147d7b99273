import { describe, expect, it } from 'vitest';
import { errorOf } from '../helpers.js';
import type { MetricValues } from '../../src/bench/metrics.js';
import { checkThresholdMetrics, evaluateThresholds, parseThreshold, thresholdFailure, thresholdRows } from '../../src/bench/thresholds.js';

const values: MetricValues = {
  records_per_sec: 123_456.7, mb_per_sec: 11.77, avg_ms: 12.5, p50_ms: 10.25, p95_ms: 30, p99_ms: 48.5, p999_ms: 70,
  max_ms: 91.3, error_count: 0,
};


describe('parseThreshold', () => {
  it('reads k6-style METRIC OP NUMBER, with spaces, underscores in numbers and exponents', () => {
    expect(parseThreshold('p99_ms<50')).toEqual({ text: 'p99_ms<50', metric: 'p99_ms', operator: '<', value: 50 });
    expect(parseThreshold(' records_per_sec >= 100_000 ')).toEqual({
      text: 'records_per_sec>=100_000', metric: 'records_per_sec', operator: '>=', value: 100_000,
    });
    expect(parseThreshold('mb_per_sec>1.5e1').value).toBe(15);
    expect(parseThreshold('error_count<=0').operator).toBe('<=');
  });

  it('names the metric when it is unknown, and suggests the one with a unit', () => {
    const missingUnit = errorOf(() => parseThreshold('p99<50'));
    expect(missingUnit.code).toBe('DS_BAD_OPTION');
    expect(missingUnit.message).toBe('unknown metric "p99" in threshold "p99<50"');
    expect(missingUnit.hint).toBe('did you mean p99_ms? (metric names carry their unit)');
    expect(errorOf(() => parseThreshold('latency_ms<5')).hint).toBe(
      'metrics: records_per_sec, mb_per_sec, avg_ms, p50_ms, p95_ms, p99_ms, p999_ms, max_ms, error_count, sustainable_rps, ceiling_rps, ' +
      'confirmation_p99_ms');
  });

  it('refuses what is not METRIC OP NUMBER', () => {
    for (const text of ['p99_ms', 'p99_ms<', 'p99_ms==50', 'p99_ms<fast', '<50', 'p99_ms<50ms']) {
      expect(errorOf(() => parseThreshold(text)).message).toBe(`cannot read threshold "${text}"`);
    }
  });
});

describe('evaluateThresholds', () => {
  it('passes and fails each predicate on the exact values, bounds included or not as written', () => {
    const outcomes = evaluateThresholds(
      ['p99_ms<50', 'p99_ms<48.5', 'p99_ms<=48.5', 'records_per_sec>100000', 'records_per_sec>=200000', 'error_count<1']
        .map(parseThreshold),
      values,
    );
    expect(outcomes.map((o) => o.passed)).toEqual([true, false, true, true, false, true]);
    expect(thresholdRows(outcomes)).toEqual([
      ['p99_ms<50', '48.50', 'ok'],
      ['p99_ms<48.5', '48.50', 'FAILED'],
      ['p99_ms<=48.5', '48.50', 'ok'],
      ['records_per_sec>100000', '123457', 'ok'],
      ['records_per_sec>=200000', '123457', 'FAILED'],
      ['error_count<1', '0', 'ok'],
    ]);
    expect(thresholdFailure(outcomes)).toBe(
      '2 of 6 thresholds failed: p99_ms<48.5 (was 48.50), records_per_sec>=200000 (was 123457)');
  });

  it('reports no failure when every threshold holds', () => {
    expect(thresholdFailure(evaluateThresholds([parseThreshold('max_ms<100')], values))).toBeUndefined();
  });
});

describe('thresholds on a metric a result does not hold', () => {
  it('fail before the run when the workload\'s kind of result has no such metric', () => {
    checkThresholdMetrics([parseThreshold('sustainable_rps>1000')], 'capacity', 'c.yaml\'s result');
    const foreign = errorOf(() => checkThresholdMetrics([parseThreshold('p99_ms<50'), parseThreshold('sustainable_rps>1000')], 'run', 'w.yaml\'s result'));
    expect(foreign.code).toBe('DS_BAD_OPTION');
    expect(foreign.message).toBe('w.yaml\'s result has no sustainable_rps: a run\'s result, it holds records_per_sec, mb_per_sec, avg_ms, p50_ms, ' +
      'p95_ms, p99_ms, p999_ms, max_ms, error_count');
  });

  it('are an error on the figures, not a failed or passed threshold', () => {
    const search = { sustainable_rps: 1200, ceiling_rps: 3000 };
    expect(evaluateThresholds([parseThreshold('sustainable_rps>=1000')], search).map((o) => o.passed)).toEqual([true]);
    expect(errorOf(() => evaluateThresholds([parseThreshold('confirmation_p99_ms<50')], search, 'cur.json')).message)
      .toBe('cur.json has no confirmation_p99_ms: a capacity search\'s result, it holds sustainable_rps, ceiling_rps');
  });
});
