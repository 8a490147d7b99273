import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { tierChosenAtStart, withoutOptimizingCompiler } from '../../src/engine/compiler-tier.js';

// V8's own status bits (src/runtime/runtime.h, OptimizationStatus), read through its natives syntax.
const TURBOFANNED = 1 << 6;
setFlagsFromString('--allow-natives-syntax');
const optimizationStatus = new Function('f', 'return %GetOptimizationStatus(f)') as (f: unknown) => number;
let made = 0;
/**
 * Asks V8 to optimize a new function now (synchronously), then tells whether TurboFan compiled it. Each function's
 * source is new: V8 shares compiled code between functions of the same source.
 */
const turbofanCompiles = (): boolean => {
  const f = new Function('a', `let s = ${made++}; for (let i = 0; i < 10; i++) s += a * i; return s;`);
  new Function('f', '%PrepareFunctionForOptimization(f); f(1); f(2); %OptimizeFunctionOnNextCall(f); f(3);')(f);
  return (optimizationStatus(f) & TURBOFANNED) !== 0;
};

describe('the optimizing compiler around a run', () => {
  it('is off during a run of per-batch work, and back on after it, also when the run fails', async () => {
    expect(turbofanCompiles()).toBe(true);
    expect(await withoutOptimizingCompiler(true, async () => turbofanCompiles())).toBe(false);
    expect(turbofanCompiles()).toBe(true);
    await expect(withoutOptimizingCompiler(true, async () => { throw new Error('run failed'); })).rejects.toThrow('run failed');
    expect(turbofanCompiles()).toBe(true);
  });

  it('stays on for a per-record run, and off until the last of two overlapping per-batch runs ends', async () => {
    expect(await withoutOptimizingCompiler(false, async () => turbofanCompiles())).toBe(true);
    let endFirst!: () => void;
    const first = withoutOptimizingCompiler(true, () => new Promise<void>((resolve) => { endFirst = resolve; }));
    const second = await withoutOptimizingCompiler(true, async () => turbofanCompiles());
    expect(second).toBe(false);
    expect(turbofanCompiles()).toBe(false); // the first run still runs
    endFirst();
    await first;
    expect(turbofanCompiles()).toBe(true);
  });

  it('is left as given when Node was started with a tier flag, on its command line or in NODE_OPTIONS', () => {
    expect(tierChosenAtStart([], '')).toBe(false);
    expect(tierChosenAtStart(['--max-semi-space-size=4'], '--max-old-space-size=4096')).toBe(false);
    expect(tierChosenAtStart(['--optimize-for-size'], '')).toBe(false);
    for (const flag of ['--turbofan', '--no-turbofan', '--no_opt', '--max-opt=1', '--max_opt=2', '--maglev', '--jitless']) {
      expect(tierChosenAtStart([flag], '')).toBe(true);
    }
    expect(tierChosenAtStart([], '--max-old-space-size=4096 --jitless')).toBe(true);
  });
});
