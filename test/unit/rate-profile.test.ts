import { describe, expect, it } from 'vitest';
import { Pacer } from '../../src/produce/pacer.js';
import { RateProfile, scaledPoints } from '../../src/produce/rate-profile.js';

const RAMP_POINTS = [{ atMs: 0, recordsPerSec: 1000 }, { atMs: 10_000, recordsPerSec: 3000 }, { atMs: 20_000, recordsPerSec: 3000 }, { atMs: 30_000, recordsPerSec: 0 }];
const ramp = new RateProfile(RAMP_POINTS);

describe('RateProfile', () => {
  it('moves the rate in straight lines between points and keeps the last one after them', () => {
    expect([0, 5000, 10_000, 15_000, 25_000, 30_000, 40_000].map((t) => ramp.rateAt(t))).toEqual([1000, 2000, 3000, 3000, 1500, 0, 0]);
  });

  it('makes records due as the area under the line: 20,000 in the ramp, 30,000 flat, 15,000 down', () => {
    expect(ramp.dueBy(10_000)).toBe(20_000);
    expect(ramp.dueBy(20_000)).toBe(50_000);
    expect(ramp.dueBy(30_000)).toBe(65_000);
    expect(ramp.dueBy(99_000)).toBe(65_000);
    expect(ramp.dueBy(5_000)).toBe(7_500); // (1000 + 2000) / 2 x 5 s
  });

  it('says when each record is due, the inverse of dueBy; never after a profile that ends at 0', () => {
    for (const index of [0, 1, 7_500, 19_999, 20_000, 42_000, 60_000, 64_999]) {
      expect(ramp.dueBy(ramp.dueAtMs(index))).toBeCloseTo(index, 6);
    }
    expect(ramp.dueAtMs(65_001)).toBe(Infinity);
    const flat = new RateProfile([{ atMs: 0, recordsPerSec: 500 }]);
    expect(flat.dueAtMs(1000)).toBe(2000);
  });

  it('steps where two points share a time: the rate jumps, the records due do not', () => {
    const step = new RateProfile([{ atMs: 0, recordsPerSec: 1000 }, { atMs: 10_000, recordsPerSec: 1000 }, { atMs: 10_000, recordsPerSec: 5000 }]);
    expect([step.rateAt(9_999), step.rateAt(10_000), step.rateAt(20_000)]).toEqual([1000, 5000, 5000]);
    expect(step.dueBy(10_000)).toBe(10_000);
    expect(step.dueBy(12_000)).toBe(20_000);
    for (const index of [9_999, 10_000, 10_001, 30_000]) expect(step.dueBy(step.dueAtMs(index))).toBeCloseTo(index, 6);
  });

  it('gives each worker its part of the rates', () => {
    const quarter = new RateProfile(scaledPoints(RAMP_POINTS, 0.25));
    expect(quarter.rateAt(5000)).toBe(500);
    expect(quarter.dueBy(30_000)).toBe(16_250);
  });

  it('paces records through the one Pacer: due counts and intended times follow the profile', () => {
    const pacer = new Pacer(ramp, Infinity);
    expect(pacer.limited).toBe(true);
    expect(pacer.dueBy(10_000_000)).toBe(20_001); // records 0..20,000 are due by 10 s
    expect(pacer.dueAtUs(20_000)).toBeCloseTo(10_000_000, 3);
    expect(new Pacer(ramp, 100).dueBy(30_000_000)).toBe(100);
  });
});
