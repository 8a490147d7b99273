import { DataStormError } from '../shared/errors.js';
import { breakingWindows, capacityStep, ceilingOf, isSteady, STEP_WINDOW_MS, type CapacityStep, type StepLoad, type StepMeasure, type StepPhase, type StepRequest } from './capacity-step.js';
import { recordsNeeded, type Slo } from './slo.js';
import { formatLoad, formatRate } from './step-format.js';

/** How the search runs: its SLO and its time. */
export interface SearchSettings {
  slo: Slo;
  /** The knee is found when the lowest missing rate is within this share above the highest meeting one (0.05). */
  precision: number;
  /** The whole search, confirmation included, ends within this (ms). */
  budgetMs: number;
  /** The confirmation run at the knee. */
  confirmMs: number;
  /** A search step, warm-up included. */
  stepMs: number;
  /** Each step's warm-up, left out of its figures. */
  warmupMs: number;
  /** The unlimited probe and the ramp's length. */
  probeMs: number;
  rampMs: number;
}

/** What runs a step, and the time left and stopping, from outside (the real cluster, or recorded steps in tests). */
export interface SearchRunner {
  run(request: StepRequest): Promise<StepMeasure>;
  /** Milliseconds since the search started. */
  elapsedMs(): number;
  /** A step's cost beyond its duration (workers started, topic checked), as measured so far. */
  overheadMs(): number;
  stopped(): boolean;
  log(line: string): void;
}

export type Confidence = 'high' | 'medium' | 'low';

export interface SearchOutcome {
  steps: CapacityStep[];
  /** The highest offered rate that met the SLO (confirmed or not); 0 when none did (see floor). */
  sustainableRps: number;
  /** The ramp's ceiling: the highest rate whose backlog stayed bounded. */
  ceilingRps: number;
  /** False when the ramp's backlog stayed bounded to its top: the ceiling is at least that. */
  ceilingReached: boolean;
  /** The unlimited probe's rate. */
  probeRps: number;
  /** The low-rate step, when it missed the SLO: no rate meets it on this cluster and client. */
  floor?: CapacityStep;
  confirmation?: CapacityStep;
  above?: CapacityStep;
  /** The bracket the search ended with: the knee lies between them (missRps undefined: the ceiling met the SLO). */
  bracket: { meetRps: number; missRps?: number };
  confidence: Confidence;
  /** Why the confidence is not high, and what the search saw (stalls repeated, budget spent). */
  notes: string[];
  /** How the search ended: done, the budget ran out first, or stopped (Ctrl-C). */
  ended: 'done' | 'budget' | 'stopped';
}

/** A ramp starts below the probe's rate and ends above it: the ceiling lies within. */
export const RAMP_FROM_SHARE = 0.3;
export const RAMP_TO_SHARE = 1.2;
/** The low-rate steps: this share of the ceiling, and if it misses, a decade lower. */
export const FLOOR_SHARES = [0.1, 0.01];
/** The run above the knee that shows it is one. */
export const ABOVE_FACTOR = 1.25;
/** A repeated step is this much longer: a stall weighs less in it. */
const REPEAT_LENGTHEN = 1.5;
/** A step lengthens at most this much to hold recordsNeeded. */
const MAX_LENGTHEN = 4;

/** The steps before the search proper and after it, as the budget must hold them. */
export function minimumBudgetMs(settings: SearchSettings): number {
  return settings.probeMs + settings.rampMs + 3 * settings.stepMs + 2 * (settings.confirmMs + settings.warmupMs);
}

class BudgetSpent extends Error {}
class Stopped extends Error {}

/** What ended part of the search: a stop, or the budget; any other error goes on up. */
function endedBy(error: unknown): 'stopped' | 'budget' {
  if (error instanceof Stopped) return 'stopped';
  if (error instanceof BudgetSpent) return 'budget';
  throw error;
}

/**
 * Searches for the highest rate that meets the SLO: an unlimited probe, a ramp to find the ceiling (the backlog's
 * limit), a step at a low rate (the floor) and at the ceiling, then bisection on a log scale between the highest rate
 * met and the lowest missed until they are within `precision`. A miss that looks like a stall (judgeStep) is run
 * again, longer, and the repeat decides. The knee is then run for `confirmMs` (a miss lowers it by one precision step
 * and confirms again), and 1.25x the knee must miss. Time for the confirmation is kept back from the search.
 */
export async function searchCapacity(settings: SearchSettings, runner: SearchRunner): Promise<SearchOutcome> {
  const steps: CapacityStep[] = [];
  const notes: string[] = [];
  const { slo, precision } = settings;
  // Kept back from the search: the confirmation and the run above it, each a confirmation long.
  const reserveMs = () => 2 * (settings.confirmMs + settings.warmupMs + runner.overheadMs());

  const runStep = async (phase: StepPhase, load: StepLoad, durationMs: number, reserve = 0): Promise<CapacityStep> => {
    if (runner.stopped()) throw new Stopped();
    if (runner.elapsedMs() + durationMs + runner.overheadMs() + reserve > settings.budgetMs) throw new BudgetSpent();
    const request: StepRequest = { phase, load, durationMs, warmupMs: stepWarmupMs(durationMs, settings) };
    const measure = await runner.run(request);
    // A step cut short by a stop is not judged: its figures are of part of it.
    if (runner.stopped()) throw new Stopped();
    const step = capacityStep(slo, request, measure);
    steps.push(step);
    runner.log(describeStep(step));
    if (!step.accountingMatch) {
      const counts = step.endToEnd
        ? `records produced (${step.endToEnd.producedRecords}), consumed (${step.endToEnd.consumedRecords}) and the topic's growth (${step.endToEnd.topicGrowth}) differ`
        : `${step.acknowledgedRecords} acknowledged records are not what the topic grew by`;
      throw new DataStormError('DS_ACCOUNTING_MISMATCH', `the ${phase} step's ${counts}`, {
        hint: 'another producer wrote to the topic during the step: give the search a --topic of its own (the default is one)',
      });
    }
    return step;
  };
  /**
   * A fixed-rate step, long enough for its percentiles; a search step's stall-like miss is repeated once, and the
   * repeat decides. So is any miss of the floor: "no rate meets the SLO" is not said on one step. A confirmation's or
   * the run above's miss is not: in a minute a stall is part of what the rate costs.
   */
  const judged = async (phase: StepPhase, rateRps: number, baseMs = settings.stepMs, reserve = reserveMs()): Promise<CapacityStep> => {
    const durationMs = stepDurationMs(rateRps, baseMs, settings);
    const step = await runStep(phase, { kind: 'rate', rateRps }, durationMs, reserve);
    if (step.records < recordsNeeded(slo)) {
      notes.push(`${formatRate(rateRps)}: ${step.records} steady records, fewer than the ${recordsNeeded(slo)} the SLO's percentile needs: its verdict is rough`);
    }
    if (step.verdict.outcome !== 'misses' || !(phase === 'floor' || (phase === 'search' && step.verdict.stallLike)) || runner.stopped()) return step;
    const repeat = await runStep('repeat', { kind: 'rate', rateRps }, Math.round(durationMs * REPEAT_LENGTHEN), reserve);
    if (repeat.verdict.outcome === 'meets') notes.push(`${formatRate(rateRps)}: the SLO broke in ${stallWindows(slo, step)} (a stall?), the longer repeat met it`);
    return repeat;
  };

  const outcome: SearchOutcome = {
    steps, sustainableRps: 0, ceilingRps: 0, ceilingReached: false, probeRps: 0, bracket: { meetRps: 0 }, confidence: 'low', notes, ended: 'done',
  };
  try {
    const probe = await runStep('probe', { kind: 'unlimited' }, settings.probeMs);
    outcome.probeRps = probe.achievedRps;
    if (probe.achievedRps <= 0) throw new DataStormError('DS_PRODUCE_FAILED', 'the unlimited probe acknowledged no records in its steady windows: nothing to size the ramp from');
    const ramp = await runStep('ramp', { kind: 'ramp', fromRps: probe.achievedRps * RAMP_FROM_SHARE, toRps: probe.achievedRps * RAMP_TO_SHARE }, settings.rampMs);
    const ceiling = ceilingOf(ramp);
    outcome.ceilingRps = Math.round(ceiling.rateRps);
    outcome.ceilingReached = ceiling.reached;
    if (!ceiling.reached) notes.push(`the ramp's backlog stayed bounded up to its top, ${formatRate(ceiling.rateRps)}: the ceiling is at least that`);

    // The floor: a rate well below the ceiling, then a decade lower, before "no rate meets the SLO" is said.
    let floorMetRps: number | undefined;
    let floorMissedRps: number | undefined;
    for (const share of FLOOR_SHARES) {
      const floorRps = Math.max(1, Math.round(outcome.ceilingRps * share));
      const floor = await judged('floor', floorRps);
      if (floor.verdict.outcome === 'meets') {
        floorMetRps = floorRps;
        break;
      }
      floorMissedRps = floorRps;
      outcome.floor = floor;
    }
    if (floorMetRps === undefined) {
      notes.push(`no rate meets the SLO: ${formatRate(floorMissedRps!)} (${FLOOR_SHARES.at(-1)! * 100}% of the ceiling), the lowest rate tried, missed it`);
      return outcome;
    }
    delete outcome.floor;
    if (floorMissedRps !== undefined) {
      outcome.bracket = { meetRps: floorMetRps, missRps: floorMissedRps };
    } else {
      const top = await judged('search', outcome.ceilingRps);
      outcome.bracket = top.verdict.outcome === 'meets' ? { meetRps: outcome.ceilingRps } : { meetRps: floorMetRps, missRps: outcome.ceilingRps };
    }

  } catch (error) {
    outcome.ended = endedBy(error);
    if (outcome.ended === 'budget') notes.push('the budget ran out before the search reached its precision');
  }
  /** Bisection between the highest rate met and the lowest missed, on a log scale (rates span a decade). */
  const bisect = async () => {
    if (outcome.ended !== 'done') return;
    try {
      while (outcome.bracket.missRps !== undefined && outcome.bracket.missRps / outcome.bracket.meetRps > 1 + precision) {
        const rateRps = Math.round(Math.sqrt(outcome.bracket.meetRps * outcome.bracket.missRps));
        // Rates are whole records a second: at low rates two adjacent ones can be further apart than the precision.
        if (rateRps === outcome.bracket.meetRps || rateRps === outcome.bracket.missRps) break;
        const step = await judged('search', rateRps);
        if (step.verdict.outcome === 'meets') outcome.bracket.meetRps = rateRps;
        else outcome.bracket.missRps = rateRps;
      }
    } catch (error) {
      outcome.ended = endedBy(error);
      if (outcome.ended === 'budget') notes.push('the budget ran out before the search reached its precision');
    }
  };
  for (let round = 0; ; round++) {
    await bisect();
    outcome.sustainableRps = outcome.bracket.meetRps;
    // The budget ended the search where the confirmation's time, kept back, begins: it is spent on confirming.
    const confirmedFirstTime = outcome.ended !== 'stopped' && outcome.sustainableRps > 0 && await confirm(outcome, settings, judged);
    // 1.25x the knee met both the SLO and the rate for a confirmation's length: a miss below it was a stall lasting a
    // step and its repeat, not the knee. Once, the search goes on above it, up to the lowest rate missed beyond it.
    // Not when a confirmation missed: a minute-long miss is the cluster's, not a stall's.
    const above = outcome.above;
    if (round > 0 || outcome.ended !== 'done' || above?.verdict.outcome !== 'meets' || !confirmedFirstTime) break;
    const missRps = lowestMissedAbove(steps, above.offeredRps!, outcome.ceilingRps);
    notes.push(`1.25x the knee, ${formatRate(above.offeredRps!)}, met the SLO: the misses below it were stalls; the search goes on above it`);
    outcome.bracket = { meetRps: above.offeredRps!, ...(missRps === undefined ? {} : { missRps }) };
    delete outcome.confirmation;
    delete outcome.above;
  }
  outcome.confidence = confidenceOf(outcome);
  return outcome;
}

/** The lowest rate a fixed-rate step missed above `rateRps`, else the ceiling when it is above (undefined: none). */
function lowestMissedAbove(steps: CapacityStep[], rateRps: number, ceilingRps: number): number | undefined {
  const missed = steps.filter((step) => step.verdict.outcome === 'misses' && step.load.kind === 'rate' && step.offeredRps! > rateRps)
    .map((step) => step.offeredRps!);
  const lowest = Math.min(...missed, ceilingRps > rateRps ? ceilingRps : Infinity);
  return Number.isFinite(lowest) ? lowest : undefined;
}

/**
 * Whether the first confirmation met the SLO. The knee is run for confirmMs. Over a minute a local cluster meets less
 * than in a step (writeback and segment deletion come at intervals longer than a step: 251.6K/s met in 30 s and
 * missed for a minute, down to 228.2K/s), so a miss is followed down in growing strides (1, 2, 4 ... precision steps)
 * until a run meets, then bisected between the long runs to the precision, as long as the budget holds it and the
 * run above. Then the run at ABOVE_FACTOR x the knee, as long. When the budget ends it before any long run met, the
 * knee is the highest rate a step met below the misses, never a rate no step ran. A stop ends it where it is.
 */
async function confirm(
  outcome: SearchOutcome, settings: SearchSettings,
  judged: (phase: StepPhase, rateRps: number, baseMs?: number, reserve?: number) => Promise<CapacityStep>,
): Promise<boolean> {
  const longMs = settings.confirmMs + settings.warmupMs;
  const long: { met?: CapacityStep; missedRps?: number } = {};
  let stride = 1;
  let attempts = 0;
  try {
    for (let rateRps = outcome.sustainableRps; ;) {
      // Until a long run meets, the time kept back for the run above may be spent on finding one; after, the
      // bisection ends where the run above would not fit.
      const confirmation = await judged('confirm', rateRps, longMs, long.met ? longMs : 0).catch((error: unknown) => {
        if (long.met && endedBy(error) === 'budget') return undefined;
        throw error;
      });
      if (!confirmation) break;
      attempts++;
      outcome.confirmation = confirmation;
      if (confirmation.verdict.outcome === 'meets') {
        long.met = confirmation;
      } else {
        long.missedRps = rateRps;
        outcome.notes.push(`the confirmation at ${formatRate(rateRps)} missed the SLO (${confirmation.verdict.outcome === 'misses' ? confirmation.verdict.why.join(', ') : ''})`);
        // A minute-long run that met below it earlier (the search's first round) bounds the search down.
        long.met ??= highestLongRunMetBelow(outcome.steps, rateRps);
      }
      settleKnee(outcome, long);
      const next = nextConfirmRate(long, stride, settings.precision);
      if (next === undefined) break;
      if (!long.met) stride *= 2;
      rateRps = next;
    }
    outcome.above = await judged('above', Math.round(outcome.sustainableRps * ABOVE_FACTOR), longMs, 0);
  } catch (error) {
    outcome.ended = endedBy(error);
    if (!long.met && long.missedRps !== undefined) fallBackBelow(outcome, long.missedRps);
    outcome.notes.push(outcome.ended === 'stopped' ? 'stopped before the confirmation ended' : 'the budget ran out before the confirmation ended');
  }
  return attempts === 1 && outcome.confirmation?.verdict.outcome === 'meets';
}

/**
 * The knee as the long runs have it: the highest that met, below the lowest that missed (else the steps' miss); the
 * confirmation reported is the one at it.
 */
function settleKnee(outcome: SearchOutcome, long: { met?: CapacityStep; missedRps?: number }): void {
  if (!long.met) return;
  outcome.sustainableRps = long.met.offeredRps!;
  outcome.confirmation = long.met;
  const missRps = long.missedRps ?? outcome.bracket.missRps;
  outcome.bracket = { meetRps: outcome.sustainableRps, ...(missRps === undefined ? {} : { missRps }) };
}

/**
 * The next confirmation's rate: `stride` precision steps below the lowest miss while no long run has met, then the
 * midpoint (log scale) between the long runs until they are within the precision; undefined when done.
 */
function nextConfirmRate(long: { met?: CapacityStep; missedRps?: number }, stride: number, precision: number): number | undefined {
  if (long.missedRps === undefined) return undefined;
  if (!long.met) return Math.max(1, Math.round(long.missedRps / (1 + precision) ** stride));
  const metRps = long.met.offeredRps!;
  if (long.missedRps / metRps <= 1 + precision) return undefined;
  const rateRps = Math.round(Math.sqrt(metRps * long.missedRps));
  return rateRps === metRps || rateRps === long.missedRps ? undefined : rateRps;
}

/** The knee when no long run met: the highest rate a search step met below the misses (unconfirmed), else none. */
function fallBackBelow(outcome: SearchOutcome, missRps: number): void {
  const meetRps = highestMetBelow(outcome.steps, missRps);
  outcome.bracket = { meetRps, missRps };
  outcome.sustainableRps = meetRps;
  outcome.notes.push(meetRps === 0 ? `no step met the SLO below ${formatRate(missRps)}`
    : 'no confirmation met at the rates tried: the knee is the highest rate a search step (unconfirmed) met below them');
}

/** The confirmation or run above, a confirmation long, that met at the highest rate below `rateRps`. */
function highestLongRunMetBelow(steps: CapacityStep[], rateRps: number): CapacityStep | undefined {
  const met = steps.filter((step) => (step.phase === 'confirm' || step.phase === 'above') && step.verdict.outcome === 'meets' && step.offeredRps! < rateRps);
  return met.sort((a, b) => a.offeredRps! - b.offeredRps!).at(-1);
}

/** The highest rate a fixed-rate step met below `rateRps` (0 if none did). */
function highestMetBelow(steps: CapacityStep[], rateRps: number): number {
  const met = steps.filter((step) => step.verdict.outcome === 'meets').map((step) => step.offeredRps);
  return Math.max(0, ...met.filter((offeredRps): offeredRps is number => offeredRps !== undefined && offeredRps < rateRps));
}

/**
 * High: the knee's confirmation met the SLO, 1.25x missed it, and every step's verdict was the first one; medium: the
 * same, but a stall had to be repeated away, a rate below the knee missed, or a confirmation missed (the knee was
 * lowered); low: anything else (unconfirmed, 1.25x met, the budget or a stop ended the search early, no rate met).
 */
export function confidenceOf(outcome: Pick<SearchOutcome, 'steps' | 'confirmation' | 'above' | 'ended' | 'sustainableRps'>): Confidence {
  const confirmed = outcome.confirmation?.verdict.outcome === 'meets';
  const bracketed = outcome.above !== undefined && outcome.above.verdict.outcome === 'misses';
  if (!confirmed || !bracketed || outcome.ended !== 'done' || outcome.sustainableRps === 0) return 'low';
  // A rate judged again: a stall's repeat, or the knee's confirmation that missed where its search step met.
  const judgedAgain = outcome.steps.some((step) => step.phase === 'repeat' || (step.phase === 'confirm' && step.verdict.outcome === 'misses'));
  const missedBelow = outcome.steps.some((step) => step.verdict.outcome === 'misses' && step.phase !== 'repeat' && step.phase !== 'above'
    && (step.offeredRps ?? Infinity) < outcome.sustainableRps);
  return judgedAgain || missedBelow ? 'medium' : 'high';
}

/**
 * A step's length: long enough that its steady part holds the records its percentiles need (recordsNeeded), up to
 * MAX_LENGTHEN times the asked length. Its last window is cut by its end, not measured: one window more.
 */
export function stepDurationMs(rateRps: number, baseMs: number, settings: Pick<SearchSettings, 'slo' | 'warmupMs'>): number {
  const warmupMs = stepWarmupMs(baseMs, settings);
  const steadyNeededMs = (recordsNeeded(settings.slo) / rateRps) * 1000 + STEP_WINDOW_MS;
  return Math.round(Math.min(baseMs * MAX_LENGTHEN, Math.max(baseMs, warmupMs + steadyNeededMs)));
}

/** A step's warm-up: the asked one, but at most half the step. */
export function stepWarmupMs(durationMs: number, settings: Pick<SearchSettings, 'warmupMs'>): number {
  return Math.min(settings.warmupMs, durationMs / 2);
}

/** `2 of 10 windows` */
function stallWindows(slo: Slo, step: CapacityStep): string {
  const steady = step.windows.filter((w) => isSteady(w, step.warmupMs));
  return `${breakingWindows(slo, steady)} of ${steady.length} windows`;
}

/** One progress line per step: `search 45.0K/s: p99 38 ms, 44.9K/s achieved: meets`. */
export function describeStep(step: CapacityStep): string {
  const verdict = step.verdict.outcome === 'misses' ? `misses (${step.verdict.why.join(', ')})${step.verdict.stallLike ? ', looks like a stall' : ''}`
    : step.verdict.outcome;
  return `${step.phase} ${formatLoad(step.load)}: p99 ${step.latency.p99Ms.toFixed(1)} ms, ${formatRate(step.achievedRps)} achieved: ${verdict}`;
}
