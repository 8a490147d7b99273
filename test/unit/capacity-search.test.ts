import { describe, expect, it } from 'vitest';
import { confidenceOf, minimumBudgetMs, overloaded, searchCapacity, stepDurationMs, type SearchOutcome } from '../../src/capacity/capacity-search.js';
import type { CapacityStep, StepVerdict } from '../../src/capacity/capacity-step.js';
import { parseSlo } from '../../src/capacity/slo.js';
import { DataStormError } from '../../src/shared/errors.js';
import { kneeCurve, measureOf, modelRunner, rateWindows, settingsOf, type ClusterModel, type FakeRunner } from './capacity-fixtures.js';

const rateOf = (step: CapacityStep) => (step.load.kind === 'rate' ? step.load.rateRps : undefined);
/** The rates a step met, and those it missed (the probe and ramp left out). */
const met = (outcome: SearchOutcome) => outcome.steps.filter((s) => s.verdict.outcome === 'meets').map(rateOf);

/** The search ended within its budget on the fake clock, and its answer is a rate a step met. */
function expectSound(outcome: SearchOutcome, runner: FakeRunner, budgetMs: number) {
  expect(runner.elapsedMs()).toBeLessThanOrEqual(budgetMs);
  if (outcome.sustainableRps > 0) expect(met(outcome)).toContain(outcome.bracket.meetRps);
  if (outcome.bracket.missRps !== undefined) expect(outcome.steps.some((s) => rateOf(s) === outcome.bracket.missRps && s.verdict.outcome === 'misses')).toBe(true);
}

/** A cluster that keeps up to 100K/s, bursts to 130K/s unlimited, and meets p99<=100ms up to 62K/s. */
const KNEE: ClusterModel = { maxRps: 100_000, probeRps: 130_000, kneeRps: 62_000 };
const kneeAt = (kneeRps: number) => kneeCurve(kneeRps);

describe('searchCapacity on a cluster with a knee', () => {
  it('runs the probe, the ramp, the floor, the ceiling, bisects to 20% in steps, confirms, runs 1.25x and bisects to the precision in minute-long runs', async () => {
    const runner = modelRunner(KNEE);
    const settings = settingsOf();
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates()).toEqual([
      'probe unlimited', 'ramp ramp', 'floor 12675', 'search 126750', 'search 40082', 'search 71277', 'search 53450', 'search 61723',
      'confirm 61723', 'above 77154', 'confirm 69009', 'confirm 65264', 'confirm 63469',
    ]);
    expect(runner.requests[1]).toEqual({ phase: 'ramp', load: { kind: 'ramp', fromRps: 39_000, toRps: 156_000 }, durationMs: 30_000, warmupMs: 5000 });
    expect(runner.requests.slice(8).map((request) => request.durationMs)).toEqual([65_000, 65_000, 65_000, 65_000, 65_000]);
    expect(outcome).toMatchObject({
      probeRps: 130_000, ceilingRps: 126_750, ceilingReached: true, sustainableRps: 61_723, bracket: { meetRps: 61_723, missRps: 63_469 },
      ended: 'done', confidence: 'high',
    });
    expect(outcome.notes).toEqual([
      'the run above at 77.2K/s missed the SLO (p99 590 ms > 100 ms)',
      'the confirmation at 69.0K/s missed the SLO (p99 327 ms > 100 ms)',
      'the confirmation at 65.3K/s missed the SLO (p99 206 ms > 100 ms)',
      'the confirmation at 63.5K/s missed the SLO (p99 148 ms > 100 ms)',
    ]);
    expect(outcome.confirmation).toMatchObject({ phase: 'confirm', offeredRps: 61_723, durationMs: 65_000, warmupMs: 5000, verdict: { outcome: 'meets' } });
    // The run above the knee is the lowest minute-long miss, within 1.25x of it.
    expect(outcome.above).toMatchObject({ phase: 'confirm', offeredRps: 63_469, durationMs: 65_000, verdict: { outcome: 'misses', why: ['p99 148 ms > 100 ms'] } });
    expect(runner.lines.slice(2, 4)).toEqual([
      'floor 12.7K/s: p99 16.4 ms, 12.7K/s achieved: meets',
      'search 126.8K/s: p99 5000.0 ms, 100.0K/s achieved: misses (p99 5000 ms > 100 ms, achieved 79% of the rate, backlog 401250 records at the end)',
    ]);
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('finds the model\'s knee within the precision, wherever it lies between the floor and the ceiling', async () => {
    for (const precision of [0.05, 0.02, 0.01]) {
      for (const kneeRps of [15_000, 23_456, 50_000, 87_000, 99_000, 150_000]) {
        const runner = modelRunner({ ...KNEE, kneeRps });
        const settings = settingsOf({ precision, budgetMs: 3_600_000 });
        const outcome = await searchCapacity(settings, runner);
        const { meetRps, missRps } = outcome.bracket;
        const where = `knee ${kneeRps}, precision ${precision}`;
        expect([outcome.ended, outcome.confidence], where).toEqual(['done', 'high']);
        expect(meetRps, where).toBeLessThanOrEqual(Math.min(kneeRps, KNEE.maxRps));
        expect(missRps! / meetRps, where).toBeLessThanOrEqual(1 + precision);
        expect(missRps!, where).toBeGreaterThan(Math.min(kneeRps, KNEE.maxRps));
        expect(outcome.sustainableRps).toBe(meetRps);
        expectSound(outcome, runner, settings.budgetMs);
      }
    }
  });

  it('takes the ceiling itself when it meets the SLO, and goes on above it in 1.25x strides while the minute-long runs meet', async () => {
    // The cluster keeps up to 200K/s, beyond the ramp's top, and meets the SLO wherever it keeps up.
    const runner = modelRunner({ maxRps: 200_000, probeRps: 100_000, kneeRps: 500_000 });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(2)).toEqual([
      'floor 11850', 'search 118500', 'confirm 118500', 'above 148125', 'above 185156', 'above 231445', 'confirm 207011', 'confirm 195779', 'confirm 201317',
    ]);
    expect(outcome).toMatchObject({
      ceilingRps: 118_500, ceilingReached: false, sustainableRps: 195_779, bracket: { meetRps: 195_779, missRps: 201_317 }, ended: 'done', confidence: 'high',
      confirmation: { offeredRps: 195_779, verdict: { outcome: 'meets' } }, above: { offeredRps: 201_317, verdict: { outcome: 'misses' } },
    });
    expect(outcome.notes[0]).toBe('the ramp\'s backlog stayed bounded up to its top, 118.5K/s: the ceiling is at least that');
  });

  it('goes on above a miss that the minute-long runs contradict (a stall longer than a step and its repeat)', async () => {
    // The knee at 62K/s; the first time 40K/s is run, and its repeat, the cluster stalls: the steps' knee is under 40K/s.
    const runs = (rate: number) => runner.requests.filter((r) => r.load.kind === 'rate' && r.load.rateRps === rate).length;
    const runner: ReturnType<typeof modelRunner> = modelRunner({ ...KNEE, p99Ms: (rate) => (rate > 39_500 && rate < 40_500 && runs(rate) <= 2 ? 400 : kneeAt(62_000)(rate)) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(outcome.steps.filter((step) => step.phase === 'above').map(rateOf)).toEqual([43_386, 54_233, 67_791]);
    expect(outcome.sustainableRps).toBeGreaterThan(62_000 / 1.05);
    expect(outcome.sustainableRps).toBeLessThanOrEqual(62_000);
    expect([outcome.confirmation?.verdict.outcome, outcome.above?.verdict.outcome, outcome.confidence]).toEqual(['meets', 'misses', 'medium']);
  });

  it('stops bisecting at adjacent whole rates, under the precision at low rates (it ran until the budget)', async () => {
    // A ramp to 100/s; the knee at 10.5/s: 10/s meets, 11/s misses, 10% apart, and no whole rate between.
    const runner = modelRunner({ maxRps: 1000, probeRps: 84, kneeRps: 10.5 });
    const settings = settingsOf({ budgetMs: 3_600_000 });
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(2)).toEqual(['floor 10', 'search 100', 'search 32', 'search 18', 'search 13', 'search 11', 'confirm 10', 'above 13', 'confirm 11']);
    expect(outcome).toMatchObject({ ended: 'done', sustainableRps: 10, bracket: { meetRps: 10, missRps: 11 }, confidence: 'high' });
    // Low rates lengthen steps to hold the 10,000 records p99 needs, up to 4x.
    expect(runner.requests[2].durationMs).toBe(60_000);
    expectSound(outcome, runner, settings.budgetMs);
  });
});

describe('the warm-up run', () => {
  it('comes first, unlimited and as long as asked; the probe after it sizes the ramp, and the search is the same as without it', async () => {
    const warmed = modelRunner(KNEE);
    const outcome = await searchCapacity(settingsOf({ warmMs: 20_000 }), warmed);
    expect(warmed.requests[0]).toEqual({ phase: 'warm', load: { kind: 'unlimited' }, durationMs: 20_000, warmupMs: 5000 });
    expect(outcome.steps[0]!.phase).toBe('warm');
    const cold = modelRunner(KNEE);
    const without = await searchCapacity(settingsOf(), cold);
    expect(warmed.rates().slice(1)).toEqual(cold.rates());
    expect(outcome).toMatchObject({ probeRps: without.probeRps, ceilingRps: without.ceilingRps, sustainableRps: without.sustainableRps });
  });
});

describe('after a step that overloaded the cluster', () => {
  it('the next fixed-rate step waits for it to catch up: after the ramp, and after a rate whose backlog grew past its bound', async () => {
    const runner = modelRunner(KNEE);
    const outcome = await searchCapacity(settingsOf(), runner);
    // Steps 1-2 are the probe and the ramp; the 4th, 126.8K/s, is past the model's 100K/s: its backlog grows.
    expect(runner.rates().slice(0, 4)).toEqual(['probe unlimited', 'ramp ramp', 'floor 12675', 'search 126750']);
    expect(outcome.steps[3]!.backlogMaxRecords).toBeGreaterThan(126_750);
    expect(runner.recoveries).toEqual([2, 4]);
  });

  it('is told by the unlimited runs and the ramp, and by a fixed rate whose backlog went beyond a second of its records', () => {
    const at = (load: CapacityStep['load'], backlogMaxRecords?: number) => ({ load, ...(backlogMaxRecords === undefined ? {} : { backlogMaxRecords }) }) as CapacityStep;
    expect(overloaded(at({ kind: 'unlimited' }))).toBe(true);
    expect(overloaded(at({ kind: 'ramp', fromRps: 1000, toRps: 4000 }))).toBe(true);
    expect(overloaded(at({ kind: 'rate', rateRps: 1000 }, 1000))).toBe(false);
    expect(overloaded(at({ kind: 'rate', rateRps: 1000 }, 1001))).toBe(true);
    expect(overloaded(at({ kind: 'rate', rateRps: 1000 }))).toBe(false);
  });
});

describe('a stall-like miss', () => {
  it('is run again, 1.5x longer, and the repeat that meets decides: the knee is found as without the stall', async () => {
    // A broker pauses in the first run at each rate below the knee: one steady window of ten breaks the SLO.
    const runner = modelRunner({ ...KNEE, stalls: (rateRps, nth) => (nth === 0 && rateRps > 15_000 && rateRps <= 62_000 ? [4] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(4)).toEqual([
      'search 40082', 'repeat 40082', 'search 71277', 'search 53450', 'repeat 53450', 'search 61723', 'repeat 61723',
      'confirm 61723', 'above 77154', 'confirm 69009', 'confirm 65264', 'confirm 63469',
    ]);
    const first = outcome.steps.find((s) => s.phase === 'search' && s.offeredRps === 40_082)!;
    const repeat = outcome.steps.find((s) => s.phase === 'repeat')!;
    expect(first.verdict).toEqual({ outcome: 'misses', why: ['p99 2000 ms > 100 ms'], rateMet: true, stallLike: true });
    expect([repeat.durationMs, repeat.verdict]).toEqual([22_500, { outcome: 'meets' }]);
    expect(runner.lines[4]).toBe('search 40.1K/s: p99 2000.0 ms, 40.1K/s achieved: misses (p99 2000 ms > 100 ms), looks like a stall');
    expect(outcome).toMatchObject({ sustainableRps: 61_723, bracket: { meetRps: 61_723, missRps: 63_469 }, confidence: 'medium' });
    expect(outcome.notes.slice(0, 3)).toEqual([
      '40.1K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
      '53.5K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
      '61.7K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
    ]);
  });

  it('whose repeat stalls too is a miss: the steps seek the knee below it, and the minute-long runs above it', async () => {
    const runner = modelRunner({ ...KNEE, stalls: (rateRps) => (rateRps === 53_450 ? [2] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(4, 11)).toEqual(['search 40082', 'search 71277', 'search 53450', 'repeat 53450', 'search 46286', 'confirm 46286', 'above 57858']);
    expect(outcome.steps.find((s) => s.phase === 'repeat')?.verdict).toMatchObject({ outcome: 'misses', stallLike: true });
    expect(outcome).toMatchObject({ sustainableRps: 61_177, bracket: { meetRps: 61_177, missRps: 62_908 }, ended: 'done' });
  });

  it('is not what a rate the cluster cannot take looks like', async () => {
    const outcome = await searchCapacity(settingsOf(), modelRunner(KNEE));
    expect(outcome.steps.filter((s) => s.phase === 'repeat')).toEqual([]);
    expect(outcome.steps.filter((s) => s.verdict.outcome === 'misses').map((s) => s.verdict)).toEqual([
      { outcome: 'misses', why: ['p99 5000 ms > 100 ms', 'achieved 79% of the rate', 'backlog 401250 records at the end'], rateMet: false, stallLike: false },
      { outcome: 'misses', why: ['p99 400 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 590 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 327 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 206 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 148 ms > 100 ms'], rateMet: true, stallLike: false },
    ]);
  });
});

describe('a cluster where no rate meets the SLO', () => {
  it('ends with the floor: no rate meets it, nothing confirmed, low confidence', async () => {
    const runner = modelRunner({ ...KNEE, p99Ms: () => 250 });
    const outcome = await searchCapacity(settingsOf(), runner);
    // A floor that misses is run again, then a decade lower (and again) before "no rate" is said.
    expect(runner.rates()).toEqual(['probe unlimited', 'ramp ramp', 'floor 12675', 'repeat 12675', 'floor 1268', 'repeat 1268']);
    expect(outcome).toMatchObject({
      sustainableRps: 0, bracket: { meetRps: 0 }, ended: 'done', confidence: 'low',
      floor: { phase: 'repeat', offeredRps: 1268, verdict: { outcome: 'misses', why: ['p99 250 ms > 100 ms'], rateMet: true, stallLike: false } },
      notes: ['no rate meets the SLO: 1268/s (1% of the ceiling), the lowest rate tried, missed it'],
    });
    expect([outcome.confirmation, outcome.above]).toEqual([undefined, undefined]);
  });
});

describe('a cluster whose latency is not monotonic in the rate', () => {
  it('gives a rate that met, with a miss within the precision above it: the knee bisection first brackets', async () => {
    // Meets below 35K/s, misses from 35K/s to 45K/s (a compaction, say), meets again up to 62K/s.
    const runner = modelRunner({ ...KNEE, p99Ms: (rate) => (rate >= 35_000 && rate < 45_000 ? 150 : kneeAt(62_000)(rate)) });
    const settings = settingsOf();
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(4)).toEqual([
      'search 40082', 'search 22540', 'search 30057', 'search 34709', 'confirm 34709', 'above 43386', 'confirm 38806', 'confirm 36700', 'confirm 35691',
    ]);
    expect(outcome).toMatchObject({ sustainableRps: 34_709, bracket: { meetRps: 34_709, missRps: 35_691 }, confidence: 'high' });
    expectSound(outcome, runner, settings.budgetMs);
  });
});

describe('the budget', () => {
  it('ends the steps before one would eat into the time kept for two minute-long runs, which then confirm the knee so far and go above it', async () => {
    const settings = settingsOf({ budgetMs: 250_000 });
    const runner = modelRunner(KNEE);
    const outcome = await searchCapacity(settings, runner);
    // The next step (15 s, 1 s overhead) at 106 s and the time kept back (2 x (60 s + 5 s + 1 s)) would end at 254 s.
    expect(runner.rates().slice(2)).toEqual(['floor 12675', 'search 126750', 'search 40082', 'search 71277', 'confirm 40082', 'above 50103']);
    expect(runner.startsMs.at(-2)).toBe(106_000);
    expect(outcome).toMatchObject({
      ended: 'budget', sustainableRps: 50_103, bracket: { meetRps: 50_103, missRps: 71_277 }, confidence: 'low',
      confirmation: { phase: 'above', offeredRps: 50_103, verdict: { outcome: 'meets' } },
      notes: ['the budget ran out before the search reached its precision', 'the budget ran out before the minute-long runs reached the precision'],
    });
    expect(outcome.above).toBeUndefined();
    expect(runner.elapsedMs()).toBe(238_000);
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('must hold the probe, the ramp, three steps, the confirmation and the run above it', () => {
    expect(minimumBudgetMs(settingsOf())).toBe(10_000 + 30_000 + 3 * 15_000 + 2 * (60_000 + 5000));
  });

  it('holds the warm-up run too, when there is one', () => {
    expect(minimumBudgetMs(settingsOf({ warmMs: 20_000 }))).toBe(20_000 + 10_000 + 30_000 + 3 * 15_000 + 2 * (60_000 + 5000));
  });
});

describe('a stop (Ctrl-C)', () => {
  it('ends the search: the step it cut short is not judged, the bracket so far stands, nothing is confirmed', async () => {
    const runner = modelRunner(KNEE, { stopAtStep: 7 });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-1)).toEqual(['search 53450']);
    expect(outcome.steps.map(rateOf).slice(2)).toEqual([12_675, 126_750, 40_082, 71_277]);
    expect(runner.lines).toHaveLength(6);
    expect(outcome).toMatchObject({ ended: 'stopped', sustainableRps: 40_082, bracket: { meetRps: 40_082, missRps: 71_277 }, confidence: 'low', notes: [] });
    expect(outcome.confirmation).toBeUndefined();
  });

  it('during the confirmation leaves it unjudged', async () => {
    const runner = modelRunner(KNEE, { stopAtStep: 9 });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-1)).toEqual(['confirm 61723']);
    expect(outcome).toMatchObject({ ended: 'stopped', sustainableRps: 61_723, confidence: 'low', notes: ['stopped before the minute-long runs ended'] });
    expect([outcome.confirmation, outcome.above]).toEqual([undefined, undefined]);
  });
});

describe('the confirmation', () => {
  // Over a long run (a confirmation, the run above) the cluster keeps the SLO up to `longKneeRps` only.
  const longRuns = (longKneeRps: number): ClusterModel => ({
    ...KNEE, p99Ms: (rate, request) => (request.phase === 'confirm' || request.phase === 'above' ? kneeAt(longKneeRps)(rate) : kneeAt(62_000)(rate)),
  });

  it('that misses lowers the knee one precision step; that miss, within 1.25x of the knee, is the run above: medium confidence', async () => {
    const runner = modelRunner(longRuns(59_000));
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-2)).toEqual(['confirm 61723', 'confirm 58784']);
    expect(outcome).toMatchObject({
      sustainableRps: 58_784, bracket: { meetRps: 58_784, missRps: 61_723 }, confirmation: { offeredRps: 58_784, verdict: { outcome: 'meets' } },
      above: { phase: 'confirm', offeredRps: 61_723, verdict: { outcome: 'misses' } },
      ended: 'done', confidence: 'medium', notes: ['the confirmation at 61.7K/s missed the SLO (p99 193 ms > 100 ms)'],
    });
  });

  it('that misses is followed down in growing strides (1, 2, 4 precision steps) until a minute-long run meets, then bisected between long runs', async () => {
    const runner = modelRunner(longRuns(50_000));
    const settings = settingsOf();
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(8)).toEqual(['confirm 61723', 'confirm 58784', 'confirm 53319', 'confirm 43866', 'confirm 48362', 'confirm 50780']);
    expect(outcome).toMatchObject({
      ended: 'done', sustainableRps: 48_362, bracket: { meetRps: 48_362, missRps: 50_780 }, confirmation: { offeredRps: 48_362, verdict: { outcome: 'meets' } },
      above: { offeredRps: 50_780, verdict: { outcome: 'misses' } }, confidence: 'medium',
    });
    expect(outcome.notes.at(-1)).toBe('the confirmation at 50.8K/s missed the SLO (p99 132 ms > 100 ms)');
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('that never meets leaves the highest rate a search step met below the misses (unconfirmed), not a rate never run', async () => {
    const runner = modelRunner(longRuns(30_000));
    const settings = settingsOf({ budgetMs: 400_000 });
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(8)).toEqual(['confirm 61723', 'confirm 58784', 'confirm 53319']);
    expect(outcome).toMatchObject({
      ended: 'budget', sustainableRps: 40_082, bracket: { meetRps: 40_082, missRps: 53_319 }, confirmation: { offeredRps: 53_319, verdict: { outcome: 'misses' } },
      confidence: 'low',
    });
    expect(outcome.notes.slice(-2)).toEqual([
      'the budget ran out before the minute-long runs reached the precision',
      'no confirmation met at the rates tried: the knee is the highest rate a search step (unconfirmed) met below them',
    ]);
    expect(outcome.above).toBeUndefined();
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('is not repeated when a stall breaks it: a minute\'s stall is part of what the rate costs, and the knee is lowered', async () => {
    const runner = modelRunner({ ...KNEE, stalls: (rateRps, nth) => (rateRps === 61_723 && nth === 1 ? [20] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-2)).toEqual(['confirm 61723', 'confirm 58784']);
    expect(outcome.steps.at(-2)?.verdict).toMatchObject({ outcome: 'misses', stallLike: true });
    expect(outcome.steps.some((step) => step.phase === 'repeat')).toBe(false);
    expect(outcome).toMatchObject({
      ended: 'done', sustainableRps: 58_784, confidence: 'medium', notes: ['the confirmation at 61.7K/s missed the SLO (p99 2000 ms > 100 ms)'],
    });
  });

  it('that misses at the floor leaves no rate', async () => {
    // Every search step above the floor misses; the floor meets in a step, not over a long run.
    const runner = modelRunner({ ...KNEE, p99Ms: (_rate, request) => (request.phase === 'floor' ? 50 : 500) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(8)).toEqual(['confirm 12675', 'confirm 12071', 'confirm 10949', 'confirm 9008', 'confirm 6097', 'confirm 2793', 'confirm 586']);
    expect(outcome).toMatchObject({ sustainableRps: 0, bracket: { meetRps: 0, missRps: 586 }, confidence: 'low' });
    expect(outcome.above).toBeUndefined();
    expect(outcome.notes.slice(-2)).toEqual(['the budget ran out before the minute-long runs reached the precision', 'no step met the SLO below 586/s']);
  });
});

describe('a step whose records and the topic disagree', () => {
  it('ends the search with DS_ACCOUNTING_MISMATCH, not an unexpected error', async () => {
    const runner = modelRunner(KNEE);
    const run = runner.run.bind(runner);
    runner.run = async (request) => ({ ...(await run(request)), accountingMatch: request.phase !== 'floor' });
    const error = await searchCapacity(settingsOf(), runner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataStormError);
    expect(error).toMatchObject({
      code: 'DS_ACCOUNTING_MISMATCH', message: expect.stringMatching(/^the floor step's \d+ acknowledged records are not what the topic grew by$/),
      hint: 'another producer wrote to the topic during the step: give the search a --topic of its own (the default is one)',
    });
  });
});

describe('confidenceOf', () => {
  const step = (phase: CapacityStep['phase'], offeredRps: number, verdict: StepVerdict) => ({ phase, offeredRps, verdict }) as CapacityStep;
  const meets: StepVerdict = { outcome: 'meets' };
  const misses: StepVerdict = { outcome: 'misses', why: ['p99 200 ms > 100 ms'], rateMet: true, stallLike: false };
  const stall: StepVerdict = { ...misses, stallLike: true };
  const base = {
    steps: [step('floor', 100, meets), step('search', 1000, misses), step('search', 500, meets)],
    confirmation: step('confirm', 500, meets), above: step('above', 625, misses), ended: 'done' as const, sustainableRps: 500,
  };

  it('is high when the knee was confirmed, 1.25x missed, and no verdict had to be taken again', () => {
    expect(confidenceOf(base)).toBe('high');
  });

  it('is medium when a stall was repeated away, a rate below the knee missed, or a confirmation missed (the knee lowered)', () => {
    expect(confidenceOf({ ...base, steps: [...base.steps, step('search', 400, stall), step('repeat', 400, meets)] })).toBe('medium');
    expect(confidenceOf({ ...base, steps: [...base.steps, step('search', 400, misses)] })).toBe('medium');
    expect(confidenceOf({ ...base, steps: [...base.steps, step('confirm', 525, misses), step('confirm', 500, meets)] })).toBe('medium');
    // Above the knee a miss is what the search expects.
    expect(confidenceOf({ ...base, steps: [...base.steps, step('search', 600, misses)] })).toBe('high');
  });

  it('is low when unconfirmed, when 1.25x met, when the budget or a stop ended the search, or when no rate met', () => {
    expect(confidenceOf({ ...base, confirmation: undefined })).toBe('low');
    expect(confidenceOf({ ...base, confirmation: step('confirm', 500, misses) })).toBe('low');
    expect(confidenceOf({ ...base, above: undefined })).toBe('low');
    expect(confidenceOf({ ...base, above: step('above', 625, meets) })).toBe('low');
    expect(confidenceOf({ ...base, ended: 'budget' })).toBe('low');
    expect(confidenceOf({ ...base, ended: 'stopped' })).toBe('low');
    expect(confidenceOf({ ...base, sustainableRps: 0 })).toBe('low');
  });
});

describe('stepDurationMs', () => {
  const settings = { slo: parseSlo('p99<=100ms'), warmupMs: 5000 };

  it('is the step asked for while its steady windows hold the records the SLO needs', () => {
    expect(stepDurationMs(10_000, 15_000, settings)).toBe(15_000);
    expect(stepDurationMs(2000, 15_000, settings)).toBe(15_000);
  });

  it('lengthens at low rates to hold them, up to 4x', () => {
    expect(stepDurationMs(1000, 15_000, settings)).toBe(16_000);
    expect(stepDurationMs(500, 15_000, settings)).toBe(26_000);
    expect(stepDurationMs(100, 15_000, settings)).toBe(60_000);
    expect(stepDurationMs(500, 15_000, { ...settings, slo: parseSlo('p50<=10ms,p99<=100ms') })).toBe(26_000);
  });

  it('counts the windows a run reports: the last one, cut by the step\'s end, is not (10,000 records for p99 were 9,000)', () => {
    for (const rateRps of [500, 800, 1000, 1250, 2000]) {
      const durationMs = stepDurationMs(rateRps, 15_000, settings);
      const reported = Math.ceil(durationMs / 1000) - 1;
      const measure = measureOf(rateWindows(rateRps, rateRps, Array(reported).fill(50)), settings.warmupMs, [50]);
      expect(measure.records, `${rateRps}/s for ${durationMs} ms`).toBeGreaterThanOrEqual(10_000);
    }
  });
});

