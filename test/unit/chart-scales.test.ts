import { describe, expect, it } from 'vitest';
import {
  TOP_PERCENTILE, categoryScale, formatNumber, linearScale, logScale, logTicks, niceTicks, percentileScale, tickLabels,
} from '../../src/report/chart-scales.js';

describe('niceTicks', () => {
  it('steps by 1, 2 or 5 × 10^k from at or below min to at or above max', () => {
    expect(niceTicks(0, 1_300_000)).toEqual([0, 200_000, 400_000, 600_000, 800_000, 1_000_000, 1_200_000, 1_400_000]);
    expect(niceTicks(0, 10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0, 3000)).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
    expect(niceTicks(-3, 7)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
    expect(niceTicks(10, 0)).toEqual(niceTicks(0, 10));
  });

  it('has no float noise', () => {
    expect(niceTicks(0, 0.35)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35]);
    expect(niceTicks(0.1, 0.7)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]);
  });

  it('widens a single value into a range', () => {
    expect(niceTicks(0, 0)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 3)).toEqual([2.7, 2.8, 2.9, 3, 3.1, 3.2, 3.3]);
  });

  it('keeps between 4 and 11 ticks of one nice step for any range wider than a millionth of its values', () => {
    let seed = 12345;
    const random = () => {
      seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 2000; i++) {
      const magnitude = Math.floor(random() * 12 - 4);
      const min = (random() - 0.3) * 10 ** magnitude;
      const max = min + (0.01 + random()) * 10 ** (magnitude - Math.floor(random() * 6));
      const ticks = niceTicks(min, max);
      expect(ticks[0]).toBeLessThanOrEqual(min);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeGreaterThanOrEqual(4);
      expect(ticks.length).toBeLessThanOrEqual(11);
      const step = ticks[1] - ticks[0];
      const mantissa = Number((step / 10 ** Math.floor(Math.log10(step) + 1e-9)).toPrecision(6));
      expect([1, 2, 5]).toContain(mantissa);
      // Ticks are rounded to 12 significant digits.
      const tolerance = Math.max(step * 1e-6, Math.abs(ticks[ticks.length - 1]) * 1e-11);
      for (let t = 1; t < ticks.length; t++) expect(Math.abs(ticks[t] - ticks[t - 1] - step)).toBeLessThan(tolerance);
    }
  });
});

describe('logTicks', () => {
  it('uses powers of two for a sweep of workers', () => {
    expect(logTicks(1, 16)).toEqual([1, 2, 4, 8, 16]);
    expect(logTicks(2, 64)).toEqual([2, 4, 8, 16, 32, 64]);
  });

  it('uses 1, 2, 5 × 10^k over three decades or less', () => {
    expect(logTicks(1, 20)).toEqual([1, 2, 5, 10, 20]);
    expect(logTicks(3, 150)).toEqual([2, 5, 10, 20, 50, 100, 200]);
    expect(logTicks(1, 128)).toEqual([1, 2, 5, 10, 20, 50, 100, 200]);
    expect(logTicks(0.5, 400)).toEqual([0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500]);
  });

  it('uses powers of ten over more, every second one past eight decades', () => {
    expect(logTicks(10, 50_000)).toEqual([10, 100, 1000, 10_000, 100_000]);
    expect(logTicks(1024, 16_777_216)).toEqual([1000, 10_000, 100_000, 1e6, 1e7, 1e8]);
    expect(logTicks(0.8, 980)).toEqual([0.1, 1, 10, 100, 1000]);
    expect(logTicks(0.001, 1e12)).toEqual([0.001, 0.1, 10, 1000, 1e5, 1e7, 1e9, 1e11, 1e13]);
  });

  it('covers exact powers of ten and a single value', () => {
    expect(logTicks(1000, 1e7)).toEqual([1000, 10_000, 100_000, 1e6, 1e7]);
    expect(logTicks(1000, 1e6)).toEqual([1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1e6]);
    expect(logTicks(1000, 1000)).toEqual([1000, 2000]);
  });
});

describe('formatNumber', () => {
  it('prints 3 significant digits with K/M/G/T suffixes', () => {
    const values = [0, -0, 1, 7.5, 0.25, 0.001234, 999, 1000, 1500, 12_000, 12_345, 999_999, 1_500_000, 2.5e9, 1e13, -4500];
    expect(values.map((value) => formatNumber(value))).toEqual([
      '0', '0', '1', '7.5', '0.25', '0.00123', '999', '1K', '1.5K', '12K', '12.3K', '1M', '1.5M', '2.5G', '10T', '-4.5K',
    ]);
  });

  it('prints n/a for what is not a number', () => {
    expect([NaN, Infinity, -Infinity].map((value) => formatNumber(value))).toEqual(['n/a', 'n/a', 'n/a']);
  });

  it('takes more digits when asked', () => {
    expect(formatNumber(12_345, 5)).toBe('12.345K');
  });
});

describe('tickLabels', () => {
  it('adds digits until no two ticks print alike', () => {
    expect(tickLabels([0, 500, 1000, 1500])).toEqual(['0', '500', '1K', '1.5K']);
    expect(tickLabels([10_000, 10_010, 10_020])).toEqual(['10K', '10.01K', '10.02K']);
  });
});

describe('scales', () => {
  it('place values between the first and last tick', () => {
    const linear = linearScale(0, 2900);
    expect(linear.ticks).toEqual([0, 500, 1000, 1500, 2000, 2500, 3000]);
    expect(linear.fraction(0)).toBe(0);
    expect(linear.fraction(1500)).toBe(0.5);
    expect(linear.fraction(3000)).toBe(1);
    const log = logScale(1, 16);
    expect(log.labels).toEqual(['1', '2', '4', '8', '16']);
    expect(log.fraction(4)).toBeCloseTo(0.5, 12);
  });

  it('puts categories in the middle of equal slots, labelled by name', () => {
    const runs = categoryScale(['#1', '#2', '#3', '#4']);
    expect(runs.ticks).toEqual([0, 1, 2, 3]);
    expect(runs.labels).toEqual(['#1', '#2', '#3', '#4']);
    expect(runs.ticks.map(runs.fraction)).toEqual([0.125, 0.375, 0.625, 0.875]);
    expect(categoryScale(['only']).fraction(0)).toBe(0.5);
  });

  it('spaces 90%, 99%, 99.9%... evenly on the percentile axis, the max at the right edge', () => {
    const scale = percentileScale();
    expect(scale.labels).toEqual(['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
    expect(scale.ticks.map((percentile) => Number(scale.fraction(percentile).toFixed(9)))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(scale.fraction(50)).toBeCloseTo(Math.log10(2) / 5, 12);
    expect(scale.fraction(100)).toBe(1);
    expect(scale.fraction(TOP_PERCENTILE)).toBeCloseTo(1, 9);
  });
});
