import { describe, expect, it } from 'vitest';
import { BatchLimitControl, MIN_ADAPTIVE_BATCH_BYTES } from '../../src/produce/batch-limit-control.js';

const KB = 1024;
const MB = 1024 * KB;

/** A control at time 0 with a 50 ms target and a 2 MB plan. */
function control(maxBytes = 2 * MB, queueTargetUs = 50_000) {
  return new BatchLimitControl({ maxBytes, queueTargetUs }, 0);
}

describe('BatchLimitControl', () => {
  it('off (--queue-target 0): batches close at the plan\'s limit whatever the round trips', () => {
    const off = control(2 * MB, 0);
    expect(off.limitBytes).toBe(2 * MB);
    expect(off.acknowledged(2 * MB, 5_000_000, 1_000_000)).toBe(2 * MB);
  });

  it('starts small and doubles per round trip while round trips stay near the quickest, up to the plan', () => {
    const c = control();
    expect(c.limitBytes).toBe(MIN_ADAPTIVE_BATCH_BYTES);
    // Each full batch acknowledged adds its size: 128 KB, 256, 512, 1 MB, 2 MB, then the plan caps it.
    const seen = [];
    for (let i = 1; i <= 6; i++) seen.push(c.acknowledged(c.limitBytes, 10_000, i * 10_000));
    expect(seen).toEqual([256 * KB, 512 * KB, MB, 2 * MB, 2 * MB, 2 * MB]);
  });

  it('cuts by 30% when a request queued over the target beyond the quickest round trip, once per round trip', () => {
    const c = control();
    for (let i = 1; i <= 4; i++) c.acknowledged(c.limitBytes, 10_000, i * 10_000); // at 2 MB, base 10 ms
    expect(c.limitBytes).toBe(2 * MB);
    expect(c.acknowledged(2 * MB, 70_000, 100_000)).toBe(Math.floor(2 * MB * 0.7)); // 60 ms queued > 50 ms
    // The next acknowledgement within that round trip was sent before the cut: no second cut.
    expect(c.acknowledged(2 * MB, 70_000, 120_000)).toBe(Math.floor(2 * MB * 0.7));
    expect(c.acknowledged(2 * MB, 70_000, 171_000)).toBe(Math.floor(Math.floor(2 * MB * 0.7) * 0.7));
    // Within the target again it grows by a sixteenth (at least the floor), not by doubling: it has found the queue.
    const before = c.limitBytes;
    expect(c.acknowledged(before, 40_000, 250_000)).toBe(before + MIN_ADAPTIVE_BATCH_BYTES);
    const large = control(64 * MB);
    for (let i = 1; i <= 9; i++) large.acknowledged(large.limitBytes, 10_000, i * 10_000); // 64 MB
    large.acknowledged(64 * MB, 100_000, 200_000); // cut to 44.8 MB
    const cut = large.limitBytes;
    expect(large.acknowledged(cut, 10_000, 300_000)).toBe(Math.floor(cut + cut / 16));
  });

  it('never goes below the floor, or above the plan when the plan is smaller than the floor', () => {
    const c = control();
    for (let i = 1; i <= 4; i++) c.acknowledged(c.limitBytes, 10_000, i * 10_000);
    expect(c.limitBytes).toBe(2 * MB);
    // Round trips of 200 ms against a quickest of 10 ms, for 6 s: a cut each round trip, down to the floor.
    for (let i = 1; i <= 30; i++) c.acknowledged(c.limitBytes, 200_000, i * 200_000);
    expect(c.limitBytes).toBe(MIN_ADAPTIVE_BATCH_BYTES);
    const small = control(64 * KB);
    expect(small.limitBytes).toBe(64 * KB);
    expect(small.acknowledged(64 * KB, 1_000, 1_000)).toBe(64 * KB);
  });

  it('grows only on batches the limit closed: one that linger sent half-full says nothing about a larger one', () => {
    const c = control();
    expect(c.acknowledged(32 * KB, 10_000, 10_000)).toBe(MIN_ADAPTIVE_BATCH_BYTES);
    expect(c.acknowledged(64 * KB, 10_000, 20_000)).toBe(MIN_ADAPTIVE_BATCH_BYTES + 64 * KB);
  });

  it('forgets a quickest round trip after two windows of 5 s: the cluster\'s own time may have changed', () => {
    const c = control();
    c.acknowledged(MIN_ADAPTIVE_BATCH_BYTES, 5_000, 1_000);
    expect(c.baseRttUs).toBe(5_000);
    c.acknowledged(MIN_ADAPTIVE_BATCH_BYTES, 40_000, 5_001_000); // a new window: the old minimum is still the base
    expect(c.baseRttUs).toBe(5_000);
    c.acknowledged(MIN_ADAPTIVE_BATCH_BYTES, 45_000, 10_002_000); // two windows on: 5 ms is forgotten
    expect(c.baseRttUs).toBe(40_000);
  });
});
