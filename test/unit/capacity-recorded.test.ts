import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { searchCapacity, type SearchSettings } from '../../src/capacity/capacity-search.js';
import { capacityStep, ceilingOf, type CapacityStep, type StepMeasure, type StepRequest } from '../../src/capacity/capacity-step.js';
import { parseSlo } from '../../src/capacity/slo.js';
import { FakeRunner } from './capacity-fixtures.js';

/**
 * The steps of one real search on the local cluster (see the fixture's `recorded`): the search on 1 worker found the
 * knee between 277.8K/s (met in 8 s) and 288.0K/s, and both confirmations (15 s) missed (an earlier search's steps).
 */
const recorded = JSON.parse(readFileSync(new URL('../fixtures/capacity/recorded-search.json', import.meta.url), 'utf8')) as {
  slo: string; spec: Omit<SearchSettings, 'slo'>; steps: CapacityStep[];
  outcome: { ceilingRps: number; ceilingReached: boolean; probeRps: number };
};
const slo = parseSlo(recorded.slo);
const settings: SearchSettings = { ...recorded.spec, slo };
const requestOf = ({ phase, load, durationMs, warmupMs }: CapacityStep): StepRequest => ({ phase, load, durationMs, warmupMs });
// The recording predates acknowledgedRecords: its steps are judged without it (the verdict does not read it).
const measureOf = ({ steadyMs, records, sloValuesMs, latency, windows, failedRecords, accountingMatch }: CapacityStep): StepMeasure =>
  ({ steadyMs, records, sloValuesMs, latency, windows, acknowledgedRecords: 0, failedRecords, accountingMatch });

describe('a recorded search', () => {
  it('judged again step by step gives the same rates, backlogs and verdicts', () => {
    expect(recorded.steps.map((s) => `${s.phase} ${s.verdict.outcome}`)).toEqual([
      'probe measured', 'ramp measured', 'floor meets', 'search misses', 'search meets', 'search meets', 'search meets', 'search meets',
      'search misses', 'search misses', 'confirm misses', 'confirm misses', 'above misses',
    ]);
    for (const step of recorded.steps) {
      const judged = capacityStep(slo, requestOf(step), measureOf(step));
      expect(judged, `${step.phase} ${step.offeredRps}`).toEqual({ ...step, acknowledgedRecords: 0, offeredRps: judged.offeredRps });
      expect(judged.offeredRps).toBe(step.offeredRps);
    }
  });

  it('has the ramp\'s ceiling at its top: the backlog stayed under 1 s of records', () => {
    const ceiling = ceilingOf(recorded.steps[1]);
    expect({ rateRps: Math.round(ceiling.rateRps), reached: ceiling.reached }).toEqual({ rateRps: recorded.outcome.ceilingRps, reached: recorded.outcome.ceilingReached });
    expect(recorded.steps[1].windows.every((w) => w.backlogRecords! <= w.offeredRps!)).toBe(true);
  });

  it('replayed through the search asks for the recorded steps it needs and reaches the same bracket; the confirmations\' misses leave a rate that met', async () => {
    // Steps looked up by phase and rate: the search now stops stepping at 20% (277,788/s met, 320,785/s missed) and
    // its minute-long runs (here 15 s) follow the recorded confirmations down. The 11th asks for a rate the recording
    // does not hold: the stop stands for the end of the recording.
    const recordedStep = (request: StepRequest) => recorded.steps.find((step) => step.phase === request.phase && step.offeredRps === (request.load.kind === 'rate' ? request.load.rateRps : step.offeredRps));
    const runner = new FakeRunner((request): StepMeasure => {
      const step = recordedStep(request);
      if (runner.requests.length < 11) expect(request).toEqual(requestOf(step!));
      return measureOf(step ?? recorded.steps.at(-1)!);
    }, { stopAtStep: 11 });
    const outcome = await searchCapacity(settings, runner);
    expect(runner.rates().slice(3)).toEqual([
      'search 320785', 'search 101442', 'search 180391', 'search 240555', 'search 277788', 'confirm 277788', 'confirm 264560', 'confirm 239964',
    ]);
    expect(outcome).toMatchObject({
      probeRps: recorded.outcome.probeRps, ceilingRps: 320_785, ceilingReached: false, ended: 'stopped',
      sustainableRps: 240_555, bracket: { meetRps: 240_555, missRps: 264_560 }, confidence: 'low',
      notes: [
        'the ramp\'s backlog stayed bounded up to its top, 320.8K/s: the ceiling is at least that',
        'the confirmation at 277.8K/s missed the SLO (p99 2318 ms > 100 ms, achieved 85% of the rate, backlog 631003 records at the end)',
        'the confirmation at 264.6K/s missed the SLO (p99 1606 ms > 100 ms)',
        'stopped before the minute-long runs ended',
        'no confirmation met at the rates tried: the knee is the highest rate a search step (unconfirmed) met below them',
      ],
    });
    expect(outcome.steps).toEqual([...recorded.steps.slice(0, 8), ...recorded.steps.slice(10, 12)].map((step) => capacityStep(slo, requestOf(step), measureOf(step))));
  });
});
