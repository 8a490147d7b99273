import { breakingWindows, capacityStep, ceilingOf, isSteady, type CapacityStep, type StepLoad, type StepMeasure, type StepPhase, type StepRequest } from './capacity-step.js';
import { recordsNeeded, type Slo } from './slo.js';

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
/** The low-rate step: this share of the ceiling. */
export const FLOOR_SHARE = 0.1;
/** The run above the knee that shows it is one. */
export const ABOVE_FACTOR = 1.25;
/** A repeated step is this much longer: a stall weighs less in it. */
const REPEAT_LENGTHEN = 1.5;
/** A step lengthens at most this much to hold recordsNeeded. */
const MAX_LENGTHEN = 4;
/** At most this many confirmations, each a precision step lower than the last one that missed. */
const MAX_CONFIRMATIONS = 2;

/** The steps before the search proper and after it, as the budget must hold them. */
export function minimumBudgetMs(settings: SearchSettings): number {
  return settings.probeMs + settings.rampMs + 3 * settings.stepMs + settings.confirmMs + settings.warmupMs;
}

class BudgetSpent extends Error {}
class Stopped extends Error {}

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
  const reserveMs = () => settings.confirmMs + settings.warmupMs + settings.stepMs + 2 * runner.overheadMs();

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
    if (!step.accountingMatch) throw new Error(`the ${phase} step's acknowledged records differ from the topic's growth`);
    return step;
  };
  /** A fixed-rate step, long enough for its percentiles; a stall-like miss is repeated once, and the repeat decides. */
  const judged = async (phase: StepPhase, rateRps: number, baseMs = settings.stepMs, reserve = reserveMs()): Promise<CapacityStep> => {
    const durationMs = stepDurationMs(rateRps, baseMs, settings);
    const step = await runStep(phase, { kind: 'rate', rateRps }, durationMs, reserve);
    if (step.verdict.outcome !== 'misses' || !step.verdict.stallLike || runner.stopped()) return step;
    const repeat = await runStep('repeat', { kind: 'rate', rateRps }, Math.round(durationMs * REPEAT_LENGTHEN), reserve);
    if (repeat.verdict.outcome === 'meets') notes.push(`${formatRate(rateRps)}: a stall broke the SLO in ${stallWindows(slo, step)}, the longer repeat met it`);
    return repeat;
  };

  const outcome: SearchOutcome = {
    steps, sustainableRps: 0, ceilingRps: 0, ceilingReached: false, probeRps: 0, bracket: { meetRps: 0 }, confidence: 'low', notes, ended: 'done',
  };
  try {
    const probe = await runStep('probe', { kind: 'unlimited' }, settings.probeMs);
    outcome.probeRps = probe.achievedRps;
    if (probe.achievedRps <= 0) throw new Error('the unlimited probe acknowledged no records');
    const ramp = await runStep('ramp', { kind: 'ramp', fromRps: probe.achievedRps * RAMP_FROM_SHARE, toRps: probe.achievedRps * RAMP_TO_SHARE }, settings.rampMs);
    const ceiling = ceilingOf(ramp);
    outcome.ceilingRps = Math.round(ceiling.rateRps);
    outcome.ceilingReached = ceiling.reached;
    if (!ceiling.reached) notes.push(`the ramp's backlog stayed bounded up to its top, ${formatRate(ceiling.rateRps)}: the ceiling is at least that`);

    const floorRps = Math.max(1, Math.round(outcome.ceilingRps * FLOOR_SHARE));
    const floor = await judged('floor', floorRps);
    if (floor.verdict.outcome !== 'meets') {
      outcome.floor = floor;
      notes.push(`no rate meets the SLO: ${formatRate(floorRps)} (${Math.round(FLOOR_SHARE * 100)}% of the ceiling) already missed it`);
      return outcome;
    }
    outcome.bracket = { meetRps: floorRps };
    const top = await judged('search', outcome.ceilingRps);
    if (top.verdict.outcome === 'meets') outcome.bracket = { meetRps: outcome.ceilingRps };
    else outcome.bracket = { meetRps: floorRps, missRps: outcome.ceilingRps };

    // Bisection between the highest rate met and the lowest missed, on a log scale (rates span a decade).
    while (outcome.bracket.missRps !== undefined && outcome.bracket.missRps / outcome.bracket.meetRps > 1 + precision) {
      const rateRps = Math.round(Math.sqrt(outcome.bracket.meetRps * outcome.bracket.missRps));
      const step = await judged('search', rateRps);
      if (step.verdict.outcome === 'meets') outcome.bracket.meetRps = rateRps;
      else outcome.bracket.missRps = rateRps;
    }
  } catch (error) {
    if (!(error instanceof BudgetSpent) && !(error instanceof Stopped)) throw error;
    outcome.ended = error instanceof Stopped ? 'stopped' : 'budget';
    if (outcome.ended === 'budget') notes.push('the budget ran out before the search reached its precision');
  }
  outcome.sustainableRps = outcome.bracket.meetRps;
  if (outcome.ended === 'done' && outcome.sustainableRps > 0) await confirm(outcome, settings, judged);
  outcome.confidence = confidenceOf(outcome);
  return outcome;
}

/**
 * The confirmation at the knee for confirmMs (a miss lowers the knee one precision step and tries again), then the
 * step at ABOVE_FACTOR x the knee. Stopping or the budget ends it where it is.
 */
async function confirm(
  outcome: SearchOutcome, settings: SearchSettings,
  judged: (phase: StepPhase, rateRps: number, baseMs?: number, reserve?: number) => Promise<CapacityStep>,
): Promise<void> {
  try {
    for (let attempt = 0; attempt < MAX_CONFIRMATIONS; attempt++) {
      const confirmation = await judged('confirm', outcome.sustainableRps, settings.confirmMs + settings.warmupMs, settings.stepMs);
      outcome.confirmation = confirmation;
      if (confirmation.verdict.outcome === 'meets') break;
      outcome.notes.push(`the confirmation at ${formatRate(outcome.sustainableRps)} missed the SLO (${confirmation.verdict.outcome === 'misses' ? confirmation.verdict.why.join(', ') : ''})`);
      outcome.bracket = { meetRps: Math.round(outcome.sustainableRps / (1 + settings.precision)), missRps: outcome.sustainableRps };
      outcome.sustainableRps = outcome.bracket.meetRps;
    }
    outcome.above = await judged('above', Math.round(outcome.sustainableRps * ABOVE_FACTOR), settings.stepMs, 0);
  } catch (error) {
    if (!(error instanceof BudgetSpent) && !(error instanceof Stopped)) throw error;
    outcome.ended = error instanceof Stopped ? 'stopped' : 'budget';
    outcome.notes.push(error instanceof Stopped ? 'stopped before the confirmation ended' : 'the budget ran out before the confirmation ended');
  }
}

/**
 * High: the knee's confirmation met the SLO, 1.25x missed it, and every step's verdict was the first one; medium: the
 * same, but a stall had to be repeated away or a rate below the knee missed; low: anything else (unconfirmed, 1.25x met,
 * the budget or a stop ended the search early, no rate met).
 */
export function confidenceOf(outcome: Pick<SearchOutcome, 'steps' | 'confirmation' | 'above' | 'ended' | 'sustainableRps'>): Confidence {
  const confirmed = outcome.confirmation?.verdict.outcome === 'meets';
  const bracketed = outcome.above !== undefined && outcome.above.verdict.outcome === 'misses';
  if (!confirmed || !bracketed || outcome.ended !== 'done' || outcome.sustainableRps === 0) return 'low';
  const repeated = outcome.steps.some((step) => step.phase === 'repeat');
  const missedBelow = outcome.steps.some((step) => step.verdict.outcome === 'misses' && step.phase !== 'repeat' && step.phase !== 'above'
    && (step.offeredRps ?? Infinity) < outcome.sustainableRps);
  return repeated || missedBelow ? 'medium' : 'high';
}

/**
 * A step's length: long enough that its steady part holds the records its percentiles need (recordsNeeded), up to
 * MAX_LENGTHEN times the asked length.
 */
export function stepDurationMs(rateRps: number, baseMs: number, settings: Pick<SearchSettings, 'slo' | 'warmupMs'>): number {
  const warmupMs = stepWarmupMs(baseMs, settings);
  const steadyNeededMs = (recordsNeeded(settings.slo) / rateRps) * 1000;
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

/** 12.3K/s */
export function formatRate(rps: number): string {
  if (rps >= 1e6) return `${(rps / 1e6).toFixed(2)}M/s`;
  if (rps >= 1e4) return `${(rps / 1e3).toFixed(1)}K/s`;
  return `${Math.round(rps)}/s`;
}

/** One progress line per step: `search 45.0K/s: p99 38 ms, 44.9K/s achieved: meets`. */
export function describeStep(step: CapacityStep): string {
  const load = step.load.kind === 'rate' ? formatRate(step.load.rateRps) : step.load.kind === 'ramp'
    ? `${formatRate(step.load.fromRps)} → ${formatRate(step.load.toRps)}` : 'no limit';
  const verdict = step.verdict.outcome === 'misses' ? `misses (${step.verdict.why.join(', ')})${step.verdict.stallLike ? ', looks like a stall' : ''}`
    : step.verdict.outcome;
  return `${step.phase} ${load}: p99 ${step.latency.p99Ms.toFixed(1)} ms, ${formatRate(step.achievedRps)} achieved: ${verdict}`;
}
