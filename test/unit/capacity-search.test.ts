import { describe, expect, it } from 'vitest';
import { confidenceOf, minimumBudgetMs, searchCapacity, stepDurationMs, type SearchOutcome } from '../../src/capacity/capacity-search.js';
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
  it('runs the probe, the ramp, the floor, the ceiling, bisects to the precision, confirms and runs 1.25x', async () => {
    const runner = modelRunner(KNEE);
    const settings = settingsOf();
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates()).toEqual([
      'probe unlimited', 'ramp ramp', 'floor 12675', 'search 126750',
      'search 40082', 'search 71277', 'search 53450', 'search 61723', 'search 66328', 'search 63984',
      'confirm 61723', 'above 77154',
    ]);
    expect(runner.requests[1]).toEqual({ phase: 'ramp', load: { kind: 'ramp', fromRps: 39_000, toRps: 156_000 }, durationMs: 30_000, warmupMs: 5000 });
    expect(outcome).toMatchObject({
      probeRps: 130_000, ceilingRps: 126_750, ceilingReached: true, sustainableRps: 61_723, bracket: { meetRps: 61_723, missRps: 63_984 },
      ended: 'done', confidence: 'high', notes: [],
    });
    expect(outcome.confirmation).toMatchObject({ phase: 'confirm', durationMs: 65_000, warmupMs: 5000, verdict: { outcome: 'meets' } });
    expect(outcome.above).toMatchObject({ phase: 'above', durationMs: 65_000, verdict: { outcome: 'misses', why: ['p99 590 ms > 100 ms'] } });
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

  it('takes the ceiling itself when it meets the SLO, and goes on above it once when 1.25x meets too', async () => {
    // The cluster keeps up beyond the ramp's top (200K/s), and meets the SLO there.
    const runner = modelRunner({ maxRps: 200_000, probeRps: 100_000, kneeRps: 500_000 });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(2)).toEqual(['floor 11850', 'search 118500', 'confirm 118500', 'above 148125', 'confirm 148125', 'above 185156']);
    expect(outcome).toMatchObject({ ceilingRps: 118_500, ceilingReached: false, sustainableRps: 148_125, bracket: { meetRps: 148_125 } });
    expect(outcome.bracket.missRps).toBeUndefined();
    // 1.25x met again: the knee lies further up, and the search says it is not sure.
    expect([outcome.confirmation?.offeredRps, outcome.above?.verdict.outcome, outcome.confidence]).toEqual([148_125, 'meets', 'low']);
    expect(outcome.notes).toEqual([
      'the ramp\'s backlog stayed bounded up to its top, 118.5K/s: the ceiling is at least that',
      '1.25x the knee, 148.1K/s, met the SLO: the misses below it were stalls; the search goes on above it',
    ]);
  });

  it('goes on above a miss that 1.25x the knee contradicts (a stall longer than a step and its repeat)', async () => {
    // The knee at 62K/s; the first time 40K/s is run, and its repeat, the cluster stalls: the knee first found is under 40K/s.
    const runs = (rate: number) => runner.requests.filter((r) => r.load.kind === 'rate' && r.load.rateRps === rate).length;
    const runner: ReturnType<typeof modelRunner> = modelRunner({ ...KNEE, p99Ms: (rate) => (rate > 39_500 && rate < 40_500 && runs(rate) <= 2 ? 400 : kneeAt(62_000)(rate)) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(outcome.notes.some((note) => /^1\.25x the knee, [\d.]+K\/s, met the SLO: the misses below it were stalls/.test(note))).toBe(true);
    expect(outcome.sustainableRps).toBeGreaterThan(62_000 / 1.05 / 1.05);
    expect(outcome.sustainableRps).toBeLessThanOrEqual(62_000);
    expect([outcome.confirmation?.verdict.outcome, outcome.above?.verdict.outcome, outcome.confidence]).toEqual(['meets', 'misses', 'medium']);
  });

  it('stops bisecting at adjacent whole rates, under the precision at low rates (it ran until the budget)', async () => {
    // A ramp to 100/s; the knee at 10.5/s: 10/s meets, 11/s misses, 10% apart, and no whole rate between.
    const runner = modelRunner({ maxRps: 1000, probeRps: 84, kneeRps: 10.5 });
    const settings = settingsOf({ budgetMs: 3_600_000 });
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(2)).toEqual(['floor 10', 'search 100', 'search 32', 'search 18', 'search 13', 'search 11', 'confirm 10', 'above 13']);
    expect(outcome).toMatchObject({ ended: 'done', sustainableRps: 10, bracket: { meetRps: 10, missRps: 11 }, confidence: 'high' });
    // Low rates lengthen steps to hold the 10,000 records p99 needs, up to 4x.
    expect(runner.requests[2].durationMs).toBe(60_000);
    expectSound(outcome, runner, settings.budgetMs);
  });
});

describe('a stall-like miss', () => {
  it('is run again, 1.5x longer, and the repeat that meets decides: the knee is found as without the stall', async () => {
    // A broker pauses in the first run at each rate below the knee: one steady window of ten breaks the SLO.
    const runner = modelRunner({ ...KNEE, stalls: (rateRps, nth) => (nth === 0 && rateRps > 15_000 && rateRps <= 62_000 ? [4] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(4)).toEqual([
      'search 40082', 'repeat 40082', 'search 71277', 'search 53450', 'repeat 53450', 'search 61723', 'repeat 61723', 'search 66328', 'search 63984',
      'confirm 61723', 'above 77154',
    ]);
    const first = outcome.steps.find((s) => s.phase === 'search' && s.offeredRps === 40_082)!;
    const repeat = outcome.steps.find((s) => s.phase === 'repeat')!;
    expect(first.verdict).toEqual({ outcome: 'misses', why: ['p99 2000 ms > 100 ms'], rateMet: true, stallLike: true });
    expect([repeat.durationMs, repeat.verdict]).toEqual([22_500, { outcome: 'meets' }]);
    expect(runner.lines[4]).toBe('search 40.1K/s: p99 2000.0 ms, 40.1K/s achieved: misses (p99 2000 ms > 100 ms), looks like a stall');
    expect(outcome).toMatchObject({ sustainableRps: 61_723, bracket: { meetRps: 61_723, missRps: 63_984 }, confidence: 'medium' });
    expect(outcome.notes).toEqual([
      '40.1K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
      '53.5K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
      '61.7K/s: the SLO broke in 1 of 10 windows (a stall?), the longer repeat met it',
    ]);
  });

  it('whose repeat stalls too is a miss: the knee is sought below it', async () => {
    const runner = modelRunner({ ...KNEE, stalls: (rateRps) => (rateRps === 53_450 ? [2] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(4, 9)).toEqual(['search 40082', 'search 71277', 'search 53450', 'repeat 53450', 'search 46286']);
    expect(outcome.steps.find((s) => s.phase === 'repeat')?.verdict).toMatchObject({ outcome: 'misses', stallLike: true });
    expect(outcome.sustainableRps).toBeLessThan(53_450);
    expect(outcome.bracket.missRps! / outcome.bracket.meetRps).toBeLessThanOrEqual(1.05);
    expect(outcome.notes).toEqual([]);
  });

  it('is not what a rate the cluster cannot take looks like', async () => {
    const outcome = await searchCapacity(settingsOf(), modelRunner(KNEE));
    expect(outcome.steps.filter((s) => s.phase === 'repeat')).toEqual([]);
    expect(outcome.steps.filter((s) => s.verdict.outcome === 'misses').map((s) => s.verdict)).toEqual([
      { outcome: 'misses', why: ['p99 5000 ms > 100 ms', 'achieved 79% of the rate', 'backlog 401250 records at the end'], rateMet: false, stallLike: false },
      { outcome: 'misses', why: ['p99 400 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 241 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 165 ms > 100 ms'], rateMet: true, stallLike: false },
      { outcome: 'misses', why: ['p99 590 ms > 100 ms'], rateMet: true, stallLike: false },
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
    expect(runner.rates().slice(4)).toEqual(['search 40082', 'search 22540', 'search 30057', 'search 34709', 'search 37299', 'search 35981', 'confirm 34709', 'above 43386']);
    expect(outcome).toMatchObject({ sustainableRps: 34_709, bracket: { meetRps: 34_709, missRps: 35_981 }, confidence: 'high' });
    expectSound(outcome, runner, settings.budgetMs);
  });
});

describe('the budget', () => {
  it('ends the search before a step that would eat into the time of the confirmation and the run above, which then confirm the knee so far', async () => {
    const settings = settingsOf({ budgetMs: 300_000 });
    const runner = modelRunner(KNEE);
    const outcome = await searchCapacity(settings, runner);
    // The next search step (15 s, 1 s overhead) and the time kept back (2 x (60 s + 5 s + 1 s)) would end at 302 s.
    expect(runner.rates().slice(2)).toEqual([
      'floor 12675', 'search 126750', 'search 40082', 'search 71277', 'search 53450', 'search 61723', 'search 66328', 'confirm 61723', 'above 77154',
    ]);
    expect(runner.startsMs.at(-2)).toBe(154_000);
    expect(outcome).toMatchObject({
      ended: 'budget', sustainableRps: 61_723, bracket: { meetRps: 61_723, missRps: 66_328 }, confidence: 'low',
      confirmation: { offeredRps: 61_723, verdict: { outcome: 'meets' } }, above: { offeredRps: 77_154, durationMs: 65_000, verdict: { outcome: 'misses' } },
      notes: ['the budget ran out before the search reached its precision'],
    });
    expect(runner.elapsedMs()).toBe(286_000);
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('must hold the probe, the ramp, three steps, the confirmation and the run above it', () => {
    expect(minimumBudgetMs(settingsOf())).toBe(10_000 + 30_000 + 3 * 15_000 + 2 * (60_000 + 5000));
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
    const runner = modelRunner(KNEE, { stopAtStep: 11 });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-1)).toEqual(['confirm 61723']);
    expect(outcome).toMatchObject({ ended: 'stopped', sustainableRps: 61_723, confidence: 'low', notes: ['stopped before the confirmation ended'] });
    expect([outcome.confirmation, outcome.above]).toEqual([undefined, undefined]);
  });
});

describe('the confirmation', () => {
  // Over a long run (a confirmation, the run above) the cluster keeps the SLO up to `longKneeRps` only.
  const longRuns = (longKneeRps: number): ClusterModel => ({
    ...KNEE, p99Ms: (rate, request) => (request.phase === 'confirm' || request.phase === 'above' ? kneeAt(longKneeRps)(rate) : kneeAt(62_000)(rate)),
  });

  it('that misses lowers the knee one precision step and confirms that: medium confidence', async () => {
    const runner = modelRunner(longRuns(59_000));
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-3)).toEqual(['confirm 61723', 'confirm 58784', 'above 73480']);
    expect(outcome).toMatchObject({
      sustainableRps: 58_784, bracket: { meetRps: 58_784, missRps: 61_723 }, confirmation: { offeredRps: 58_784, verdict: { outcome: 'meets' } },
      confidence: 'medium', notes: ['the confirmation at 61.7K/s missed the SLO (p99 193 ms > 100 ms)'],
    });
  });

  it('that misses is followed down in growing strides (1, 2, 4 precision steps) until a minute-long run meets, then bisected between long runs', async () => {
    const runner = modelRunner(longRuns(50_000));
    const settings = settingsOf();
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(10)).toEqual(['confirm 61723', 'confirm 58784', 'confirm 53319', 'confirm 43866', 'confirm 48362', 'above 60453']);
    expect(outcome).toMatchObject({
      ended: 'done', sustainableRps: 48_362, bracket: { meetRps: 48_362, missRps: 53_319 }, confirmation: { offeredRps: 48_362, verdict: { outcome: 'meets' } },
      above: { offeredRps: 60_453, verdict: { outcome: 'misses' } }, confidence: 'medium',
    });
    expect(outcome.notes).toEqual([
      'the confirmation at 61.7K/s missed the SLO (p99 570 ms > 100 ms)',
      'the confirmation at 58.8K/s missed the SLO (p99 452 ms > 100 ms)',
      'the confirmation at 53.3K/s missed the SLO (p99 234 ms > 100 ms)',
    ]);
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('that never meets leaves the highest rate a search step met below the misses (unconfirmed), not a rate never run', async () => {
    const runner = modelRunner(longRuns(30_000));
    const settings = settingsOf({ budgetMs: 400_000 });
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(10)).toEqual(['confirm 61723', 'confirm 58784', 'confirm 53319']);
    expect(outcome).toMatchObject({
      ended: 'budget', sustainableRps: 40_082, bracket: { meetRps: 40_082, missRps: 53_319 }, confirmation: { offeredRps: 53_319, verdict: { outcome: 'misses' } },
      confidence: 'low',
    });
    expect(outcome.notes.slice(-2)).toEqual([
      'no confirmation met at the rates tried: the knee is the highest rate a search step (unconfirmed) met below them',
      'the budget ran out before the confirmation ended',
    ]);
    expect(outcome.above).toBeUndefined();
    expectSound(outcome, runner, settings.budgetMs);
  });

  it('that misses in the second round is bounded below by the first round\'s minute-long run that met, which stays the confirmation', async () => {
    // The run above the first knee meets for a minute (the search goes on above it), but every confirmation above 50K/s misses.
    const runner = modelRunner({
      ...KNEE, p99Ms: (rate, request) => (request.phase === 'above' ? kneeAt(70_000)(rate) : request.phase === 'confirm' ? (rate <= 50_000 ? 60 : 300) : kneeAt(50_000)(rate)),
    });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(9)).toEqual([
      'search 51561', 'confirm 49739', 'above 62174', 'search 66570', 'search 64334', 'confirm 62174', 'confirm 55610', 'confirm 52593', 'above 62174',
    ]);
    expect(outcome).toMatchObject({
      ended: 'done', sustainableRps: 49_739, bracket: { meetRps: 49_739, missRps: 52_593 }, confidence: 'low',
      confirmation: { phase: 'confirm', offeredRps: 49_739, verdict: { outcome: 'meets' } },
    });
    expect(outcome.steps.indexOf(outcome.confirmation!)).toBe(10);
  });
  it('is not repeated when a stall breaks it: a minute\'s stall is part of what the rate costs, and the knee is lowered', async () => {
    const runner = modelRunner({ ...KNEE, stalls: (rateRps, nth) => (rateRps === 61_723 && nth === 1 ? [20] : []) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-3)).toEqual(['confirm 61723', 'confirm 58784', 'above 73480']);
    expect(outcome.steps.at(-3)?.verdict).toMatchObject({ outcome: 'misses', stallLike: true });
    expect(outcome.steps.some((step) => step.phase === 'repeat')).toBe(false);
    expect(outcome).toMatchObject({
      ended: 'done', sustainableRps: 58_784, confidence: 'medium', notes: ['the confirmation at 61.7K/s missed the SLO (p99 2000 ms > 100 ms)'],
    });
  });

  it('that missed keeps the search below, even when the run at 1.25x then meets (a minute-long miss is no stall)', async () => {
    const runner = modelRunner({
      ...KNEE, p99Ms: (rate, request) => (request.phase === 'above' ? 20 : request.phase === 'confirm' ? kneeAt(59_000)(rate) : kneeAt(62_000)(rate)),
    });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(-3)).toEqual(['confirm 61723', 'confirm 58784', 'above 73480']);
    expect(outcome).toMatchObject({ sustainableRps: 58_784, above: { verdict: { outcome: 'meets' } }, confidence: 'low' });
    expect(outcome.notes.some((note) => note.startsWith('1.25x the knee'))).toBe(false);
  });

  it('that misses at the floor leaves no rate', async () => {
    // Every search step above the floor misses; the floor meets in a step, not over a long run.
    const runner = modelRunner({ ...KNEE, p99Ms: (_rate, request) => (request.phase === 'floor' ? 50 : 500) });
    const outcome = await searchCapacity(settingsOf(), runner);
    expect(runner.rates().slice(10)).toEqual(['confirm 12675', 'confirm 12071', 'confirm 10949', 'confirm 9008', 'confirm 6097', 'confirm 2793']);
    expect(outcome).toMatchObject({ sustainableRps: 0, bracket: { meetRps: 0, missRps: 2793 }, confidence: 'low' });
    expect(outcome.above).toBeUndefined();
    expect(outcome.notes.slice(-2)).toEqual(['no step met the SLO below 2793/s', 'the budget ran out before the confirmation ended']);
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

