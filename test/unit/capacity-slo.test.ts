import { describe, expect, it } from 'vitest';
import { formatSlo, meetsSlo, parseSlo, recordsNeeded, sloValuesMs } from '../../src/capacity/slo.js';
import { createHistogram, recordLatencyUs } from '../../src/shared/histograms.js';
import { errorOf } from '../helpers.js';

describe('parseSlo', () => {
  it('reads each term in its order, in ms', () => {
    expect(parseSlo('p99<=100ms')).toEqual([{ statistic: { percentile: 99 }, limitMs: 100 }]);
    expect(parseSlo(' p99.9 <= 1.5s , avg<=250us,p50<=800µs')).toEqual([
      { statistic: { percentile: 99.9 }, limitMs: 1500 },
      { statistic: 'avg', limitMs: 0.25 },
      { statistic: { percentile: 50 }, limitMs: 0.8 },
    ]);
    expect(parseSlo('p5<=2s,p99.999<=10ms')).toEqual([
      { statistic: { percentile: 5 }, limitMs: 2000 },
      { statistic: { percentile: 99.999 }, limitMs: 10 },
    ]);
  });

  it('refuses a bad term with one line naming it, DS_BAD_OPTION', () => {
    const cases: Array<[string, string]> = [
      ['', '--slo "": an empty term'],
      ['p99<=10ms,', '--slo "p99<=10ms,": an empty term'],
      ['p99', '--slo "p99": "p99" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['p99<=10', '--slo "p99<=10": "p99<=10" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['p99<10ms', '--slo "p99<10ms": "p99<10ms" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['p100<=10ms', '--slo "p100<=10ms": "p100<=10ms" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['max<=10ms', '--slo "max<=10ms": "max<=10ms" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['p99<=-1ms', '--slo "p99<=-1ms": "p99<=-1ms" is not <statistic><=<latency> (a unit: us, ms or s)'],
      ['p99<=0ms', '--slo "p99<=0ms": "p99<=0ms" allows no latency at all'],
      ['p0<=5ms', '--slo "p0<=5ms": p0 is not a percentile between 0 and 100'],
      ['p99<=10ms,p99.0<=20ms', '--slo "p99<=10ms,p99.0<=20ms": p99 is given twice'],
      ['avg<=1ms,avg<=2ms', '--slo "avg<=1ms,avg<=2ms": avg is given twice'],
    ];
    for (const [text, message] of cases) {
      const error = errorOf(() => parseSlo(text));
      expect([error.code, error.message], text).toEqual(['DS_BAD_OPTION', message]);
      expect(error.message).not.toContain('\n');
      expect(error.hint).toBe('terms like p99<=50ms, p99.9<=200ms, p50<=5ms or avg<=10ms, joined by commas: --slo \'p99<=50ms,p50<=10ms\'');
    }
  });
});

describe('formatSlo', () => {
  it('writes what parseSlo reads back to the same terms', () => {
    for (const [text, formatted] of [
      ['p99<=100ms', 'p99<=100ms'],
      ['p99.9 <= 2s, avg<=500us', 'p99.9<=2s,avg<=0.5ms'],
      ['p50<=1500ms', 'p50<=1500ms'],
      ['p99<=0.001s', 'p99<=1ms'],
      ['p99.95<=1us', 'p99.95<=0.001ms'],
    ]) {
      expect(formatSlo(parseSlo(text)), text).toBe(formatted);
      expect(parseSlo(formatSlo(parseSlo(text)))).toEqual(parseSlo(text));
    }
  });
});

describe('sloValuesMs and meetsSlo', () => {
  const slo = parseSlo('p99<=10ms,avg<=2ms,p50<=1ms');
  const histogram = createHistogram();
  // 980 records at 1 ms, 20 at 50 ms: p50 1 ms, p99 50 ms, mean 1.98 ms.
  recordLatencyUs(histogram, 1000, 980);
  recordLatencyUs(histogram, 50_000, 20);

  it('reads each term from a histogram of µs, in the SLO\'s order', () => {
    const [p99, avg, p50] = sloValuesMs(slo, histogram);
    expect(p99).toBeCloseTo(50, 1);
    expect(avg).toBeCloseTo(1.98, 2);
    expect(p50).toBeCloseTo(1, 2);
  });

  it('gives 0 for every term of an empty histogram', () => {
    expect(sloValuesMs(slo, createHistogram())).toEqual([0, 0, 0]);
  });

  it('meets when every term is at or under its limit', () => {
    expect(meetsSlo(slo, [10, 2, 1])).toBe(true);
    expect(meetsSlo(slo, [10.001, 2, 1])).toBe(false);
    expect(meetsSlo(slo, [5, 2.5, 0.5])).toBe(false);
    expect(meetsSlo(slo, sloValuesMs(slo, histogram))).toBe(false);
    expect(meetsSlo(parseSlo('p99<=60ms,avg<=2ms'), sloValuesMs(parseSlo('p99<=60ms,avg<=2ms'), histogram))).toBe(true);
  });
});

describe('recordsNeeded', () => {
  it('is 100 records beyond the highest percentile asked for, at least 1,000', () => {
    expect(recordsNeeded(parseSlo('p99<=1ms'))).toBe(10_000);
    expect(recordsNeeded(parseSlo('p99.9<=1ms'))).toBe(100_000);
    expect(recordsNeeded(parseSlo('p99.99<=1ms'))).toBe(1_000_000);
    expect(recordsNeeded(parseSlo('p95<=1ms'))).toBe(2000);
    expect(recordsNeeded(parseSlo('p90<=1ms'))).toBe(1000);
    expect(recordsNeeded(parseSlo('avg<=1ms'))).toBe(1000);
    expect(recordsNeeded(parseSlo('p50<=1ms'))).toBe(1000);
  });

  it('follows the highest percentile of several terms, whatever their order (the lowest one decided)', () => {
    expect(recordsNeeded(parseSlo('p99<=50ms,p50<=10ms'))).toBe(10_000);
    expect(recordsNeeded(parseSlo('p50<=1ms,p99.5<=1ms'))).toBe(20_000);
    expect(recordsNeeded(parseSlo('avg<=1ms,p99.9<=1ms'))).toBe(100_000);
  });
});
