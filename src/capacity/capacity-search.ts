import { DataStormError } from '../shared/errors.js';
import { BACKLOG_LIMIT_S, breakingWindows, capacityStep, ceilingOf, isSteady, STEP_WINDOW_MS, type CapacityStep, type StepLoad, type StepMeasure, type StepPhase, type StepRequest } from './capacity-step.js';
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
  /**
   * An unlimited run before the probe, not judged (0: none): brokers started a minute before acknowledge at half
   * the rate they reach 10 s later (JIT, connections, page cache), and a probe sized on them sets every step below.
   */
  warmMs: number;
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
  /**
   * Waits, after a step that overloaded the cluster, until it has caught up (the local cluster: its unflushed pages
   * and deletions); the milliseconds waited (0 where nothing can be watched).
   */
  recover(): Promise<number>;
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
/** The steps narrow the knee to this share (or --precision, if coarser); the minute-long runs go on to --precision. */
export const STEP_PRECISION = 0.2;
/** A repeated step is this much longer: a stall weighs less in it. */
const REPEAT_LENGTHEN = 1.5;
/** A step lengthens at most this much to hold recordsNeeded. */
const MAX_LENGTHEN = 4;

/** The steps before the search proper and after it, as the budget must hold them. */
export function minimumBudgetMs(settings: SearchSettings): number {
  return settings.warmMs + settings.probeMs + settings.rampMs + 3 * settings.stepMs + 2 * (settings.confirmMs + settings.warmupMs);
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
 * Searches for the highest rate that meets the SLO: an unlimited run that warms the cluster, an unlimited probe, a ramp to find the ceiling (the backlog's
 * limit), a step at a low rate (the floor) and at the ceiling, then bisection on a log scale between the highest rate
 * met and the lowest missed until they are within STEP_PRECISION. A step's miss that looks like a stall (judgeStep)
 * is run again, longer, and the repeat decides. Runs of `confirmMs` then decide the knee to `precision` (confirm);
 * time for two of them is kept back from the steps.
 */
export async function searchCapacity(settings: SearchSettings, runner: SearchRunner): Promise<SearchOutcome> {
  const steps: CapacityStep[] = [];
  const notes: string[] = [];
  const { slo, precision } = settings;
  // Kept back from the search: the confirmation and the run above it, each a confirmation long.
  const reserveMs = () => 2 * (settings.confirmMs + settings.warmupMs + runner.overheadMs());

  let recoveredMs = 0;
  const runStep = async (phase: StepPhase, load: StepLoad, durationMs: number, reserve = 0): Promise<CapacityStep> => {
    if (runner.stopped()) throw new Stopped();
    // A fixed rate is judged on a cluster that has caught up with the step before, when that one overloaded it.
    if (load.kind === 'rate' && steps.length > 0 && overloaded(steps.at(-1)!)) recoveredMs += await runner.recover();
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
    if (settings.warmMs > 0) await runStep('warm', { kind: 'unlimited' }, settings.warmMs);
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
  /**
   * Bisection between the highest rate met and the lowest missed, on a log scale (rates span a decade), to a coarse
   * precision: the minute-long runs after it decide the knee, to `precision`.
   */
  const stepPrecision = Math.max(precision, STEP_PRECISION);
  const bisect = async () => {
    if (outcome.ended !== 'done') return;
    try {
      while (outcome.bracket.missRps !== undefined && outcome.bracket.missRps / outcome.bracket.meetRps > 1 + stepPrecision) {
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
  await bisect();
  outcome.sustainableRps = outcome.bracket.meetRps;
  // The budget ended the search where the time kept back for the minute-long runs begins: it is spent on them.
  if (outcome.ended !== 'stopped' && outcome.sustainableRps > 0) await confirm(outcome, settings, judged);
  if (recoveredMs > 0) notes.push(`${(recoveredMs / 1000).toFixed(1)} s in all waited for the local cluster to catch up after steps that overloaded it (the ramp, backlogs beyond 1 s)`);
  outcome.confidence = confidenceOf(outcome);
  return outcome;
}

/**
 * A step after which the cluster is still busy: the unlimited runs and the ramp (past the ceiling by design), and a
 * fixed rate whose backlog grew beyond its bound. What they wrote is still being flushed and replicated: on the local
 * cluster the floor step after a ramp to 314K/s missed at 30.7K/s twice (p99 214 and 235 ms), and met at 26.6K/s with
 * 16 ms less than a minute later.
 */
export function overloaded(step: CapacityStep): boolean {
  if (step.load.kind !== 'rate') return true;
  return (step.backlogMaxRecords ?? 0) > step.load.rateRps * BACKLOG_LIMIT_S;
}

/**
 * The minute-long runs that decide the knee. Over a minute a local cluster meets less than in a step (writeback and
 * segment deletion come at intervals longer than a step: 251.6K/s met in a 30 s step and missed for a minute, and so
 * did 239.6K/s and 228.2K/s), so the steps' knee is where they start, not the answer. A miss is followed down in
 * growing strides (1, 2, 4 precision steps) until a run meets; a run that met is followed by one at 1.25x it (the
 * run above: it must miss, or it raises the knee); then the two are bisected to the precision. Each is a
 * confirmation long, none repeated for a stall (over a minute a stall is part of what the rate costs), until the
 * budget ends them. The knee is the highest rate a minute-long run met, below the lowest that missed; the run above
 * is that miss when it lies within 1.25x the knee. When no run met, the knee is the highest rate a step met below
 * the misses, unconfirmed. A stop ends it where it is.
 */
async function confirm(
  outcome: SearchOutcome, settings: SearchSettings,
  judged: (phase: StepPhase, rateRps: number, baseMs?: number, reserve?: number) => Promise<CapacityStep>,
): Promise<void> {
  const longMs = settings.confirmMs + settings.warmupMs;
  const long: LongRuns = {};
  let stride = 1;
  try {
    for (let next: LongRun | undefined = { phase: 'confirm', rateRps: outcome.sustainableRps }; next;) {
      const run = await judged(next.phase, next.rateRps, longMs, 0);
      if (run.verdict.outcome === 'meets') long.met = run;
      else {
        long.missed = run;
        outcome.notes.push(`the ${next.phase === 'above' ? 'run above' : 'confirmation'} at ${formatRate(next.rateRps)} missed the SLO (${run.verdict.outcome === 'misses' ? run.verdict.why.join(', ') : ''})`);
      }
      settleKnee(outcome, long);
      next = nextLongRun(long, stride, settings.precision);
      if (!long.met) stride *= 2;
    }
  } catch (error) {
    outcome.ended = endedBy(error);
    outcome.notes.push(outcome.ended === 'stopped' ? 'stopped before the minute-long runs ended' : 'the budget ran out before the minute-long runs reached the precision');
  }
  if (!long.met && long.missed) {
    outcome.confirmation = long.missed;
    fallBackBelow(outcome, long.missed.offeredRps!);
  }
}

/** The minute-long runs so far: the one that met at the highest rate, and the one that missed at the lowest. */
interface LongRuns {
  met?: CapacityStep;
  missed?: CapacityStep;
}

interface LongRun {
  phase: 'confirm' | 'above';
  rateRps: number;
}

/**
 * The next minute-long run: `stride` precision steps below the miss while none met; 1.25x the knee while no miss
 * lies within it; else the midpoint (log scale) until the two are within the precision; undefined when done.
 */
export function nextLongRun(long: LongRuns, stride: number, precision: number): LongRun | undefined {
  const metRps = long.met?.offeredRps;
  const missedRps = long.missed?.offeredRps;
  if (metRps === undefined) return missedRps === undefined ? undefined : { phase: 'confirm', rateRps: Math.max(1, Math.round(missedRps / (1 + precision) ** stride)) };
  const aboveRps = Math.round(metRps * ABOVE_FACTOR);
  if (missedRps === undefined || missedRps > aboveRps) return { phase: 'above', rateRps: aboveRps };
  if (missedRps / metRps <= 1 + precision) return undefined;
  const rateRps = Math.round(Math.sqrt(metRps * missedRps));
  return rateRps === metRps || rateRps === missedRps ? undefined : { phase: 'confirm', rateRps };
}

/**
 * The knee as the minute-long runs have it: the highest that met (the confirmation reported), below the lowest that
 * missed (else the steps' miss); the run above is that miss when it lies within 1.25x the knee.
 */
function settleKnee(outcome: SearchOutcome, long: LongRuns): void {
  if (!long.met) return;
  outcome.sustainableRps = long.met.offeredRps!;
  outcome.confirmation = long.met;
  const missRps = long.missed?.offeredRps ?? outcome.bracket.missRps;
  outcome.bracket = { meetRps: outcome.sustainableRps, ...(missRps === undefined ? {} : { missRps }) };
  if (long.missed && long.missed.offeredRps! <= Math.round(outcome.sustainableRps * ABOVE_FACTOR)) outcome.above = long.missed;
  else delete outcome.above;
}

/** The knee when no long run met: the highest rate a search step met below the misses (unconfirmed), else none. */
function fallBackBelow(outcome: SearchOutcome, missRps: number): void {
  const meetRps = highestMetBelow(outcome.steps, missRps);
  outcome.bracket = { meetRps, missRps };
  outcome.sustainableRps = meetRps;
  outcome.notes.push(meetRps === 0 ? `no step met the SLO below ${formatRate(missRps)}`
    : 'no confirmation met at the rates tried: the knee is the highest rate a search step (unconfirmed) met below them');
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
  // A rate judged again: a stall's repeat, or the first confirmation, at the steps' knee, that missed where its step met.
  const judgedAgain = outcome.steps.some((step) => step.phase === 'repeat') || outcome.steps.find((step) => step.phase === 'confirm')?.verdict.outcome === 'misses';
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
