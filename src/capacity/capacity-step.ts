import { meetsSlo, statisticName, type Slo } from './slo.js';
import { formatLatencyMs } from './step-format.js';

/** What a step of the search is for. */
export type StepPhase = 'warm' | 'probe' | 'ramp' | 'floor' | 'search' | 'repeat' | 'confirm' | 'above';

/** A step to run: a fixed rate, no limit (the probe), or a rate rising in a straight line (the ramp). */
export type StepLoad =
  | { kind: 'rate'; rateRps: number }
  | { kind: 'unlimited' }
  | { kind: 'ramp'; fromRps: number; toRps: number };

export interface StepRequest {
  phase: StepPhase;
  load: StepLoad;
  /** The whole step: warm-up, then steady windows. */
  durationMs: number;
  /** Windows that end before this are warm-up: left out of the step's latency and rate. */
  warmupMs: number;
}

/** One reporting window of a step. */
export interface StepWindow {
  /** End of the window, since the step started, and its length. */
  elapsedMs: number;
  durationMs: number;
  records: number;
  /** The rate asked for over the window (undefined without a limit). */
  offeredRps?: number;
  /**
   * Records due by the window's end minus records done by then: acknowledged (what the client holds back or has in
   * flight), or for e2e consumed (what the producer or the consumers have yet to get through).
   */
  backlogRecords?: number;
  /** The SLO's statistics over the window, in ms: from intended time (send-to-ack without a limit), or for e2e from creation to read. */
  sloValuesMs: number[];
}

/** What running one step measured: its steady windows (after the warm-up), and its accounting. */
export interface StepMeasure {
  /** The steady windows' length in all. */
  steadyMs: number;
  /** Records acknowledged (for e2e: consumed) in the steady windows. */
  records: number;
  /** The SLO's statistics over the steady windows' records together, in ms. */
  sloValuesMs: number[];
  /** Over the steady windows, from intended send time, or for e2e from creation to read (ms). */
  latency: { p50Ms: number; p99Ms: number; p999Ms: number; avgMs: number; maxMs: number };
  windows: StepWindow[];
  /** Records acknowledged in the whole step, warm-up included (what the topic grew by), and records failed. */
  acknowledgedRecords: number;
  failedRecords: number;
  /** Records acknowledged = the topic's offsets' growth, for the whole step; for e2e, records consumed = records acknowledged too. */
  accountingMatch: boolean;
  /** An e2e step's counts for the whole step, and the resolution its latency was measured at (0.001: µs, from the creation-time header). */
  endToEnd?: { producedRecords: number; consumedRecords: number; topicGrowth: number; latencyResolutionMs: number };
}

/** A step and what it measured, and the verdict of the search on it. */
export interface CapacityStep extends StepRequest, StepMeasure {
  /** Offered rate (the limit; for a ramp its top; for the probe undefined). */
  offeredRps?: number;
  achievedRps: number;
  /** The largest backlog of a steady window, and the last one's (records). */
  backlogMaxRecords?: number;
  backlogEndRecords?: number;
  verdict: StepVerdict;
}

export type StepVerdict =
  | { outcome: 'measured' }
  | { outcome: 'meets' }
  /** rateMet: at least RATE_MET_SHARE of the rate was acknowledged; stallLike: see judgeStep. */
  | { outcome: 'misses'; why: string[]; rateMet: boolean; stallLike: boolean };

/** Capacity steps report one window a second: enough windows in a step to tell a stall from a knee. */
export const STEP_WINDOW_MS = 1000;

/** A rate is met when the steady windows acknowledged at least this share of it. */
export const RATE_MET_SHARE = 0.95;
/** A backlog is bounded while it stays under this much of the offered rate's time (records due in 1 s). */
export const BACKLOG_LIMIT_S = 1;
/** A miss decided by at most this share of the steady windows (the rest meeting the SLO) looks like a stall, not a knee. */
export const STALL_WINDOW_SHARE = 0.25;

/** A steady window starts after the warm-up. */
export const isSteady = (window: Pick<StepWindow, 'elapsedMs' | 'durationMs'>, warmupMs: number) => window.elapsedMs - window.durationMs >= warmupMs - 1;

/** Windows whose own records broke the SLO. */
export const breakingWindows = (slo: Slo, windows: StepWindow[]) => windows.filter((w) => !meetsSlo(slo, w.sloValuesMs)).length;

/**
 * The verdict on a fixed-rate step: it meets when its steady records meet the SLO, the rate was achieved and nothing
 * failed. A miss "looks like a stall" when the rate was achieved, the backlog at the end was bounded, and only a few
 * windows (STALL_WINDOW_SHARE, at least one meeting) broke the SLO: one broker's pause, not a rate the cluster cannot take.
 */
export function judgeStep(
  slo: Slo, request: Pick<StepRequest, 'warmupMs'>, offeredRps: number, measure: StepMeasure, achievedRps: number, backlogEndRecords: number,
): StepVerdict {
  const why: string[] = [];
  slo.forEach((term, i) => {
    if (measure.sloValuesMs[i] > term.limitMs) why.push(`${statisticName(term)} ${formatLatencyMs(measure.sloValuesMs[i])} ms > ${formatLatencyMs(term.limitMs)} ms`);
  });
  const rateMet = achievedRps >= offeredRps * RATE_MET_SHARE;
  if (!rateMet) why.push(`achieved ${Math.round((achievedRps / offeredRps) * 100)}% of the rate`);
  const bounded = backlogEndRecords <= offeredRps * BACKLOG_LIMIT_S;
  if (!bounded) why.push(`backlog ${Math.round(backlogEndRecords)} records at the end`);
  if (measure.failedRecords > 0) why.push(`${measure.failedRecords} records failed`);
  if (why.length === 0) return { outcome: 'meets' };
  const steady = measure.windows.filter((w) => isSteady(w, request.warmupMs));
  const breaking = breakingWindows(slo, steady);
  const stallLike = rateMet && bounded && measure.failedRecords === 0 && breaking < steady.length
    && breaking <= Math.max(1, Math.floor(steady.length * STALL_WINDOW_SHARE));
  return { outcome: 'misses', why, rateMet, stallLike };
}

/** A step with its rate, backlog and verdict worked out (fixed-rate steps are judged; the probe and ramp only measured). */
export function capacityStep(slo: Slo, request: StepRequest, measure: StepMeasure): CapacityStep {
  const achievedRps = measure.steadyMs > 0 ? (measure.records * 1000) / measure.steadyMs : 0;
  const backlogs = measure.windows.map((w) => w.backlogRecords).filter((b): b is number => b !== undefined);
  const backlogEndRecords = backlogs.at(-1);
  const offeredRps = request.load.kind === 'rate' ? request.load.rateRps : request.load.kind === 'ramp' ? request.load.toRps : undefined;
  const verdict = request.load.kind === 'rate'
    ? judgeStep(slo, request, request.load.rateRps, measure, achievedRps, backlogEndRecords ?? 0)
    : { outcome: 'measured' as const };
  return {
    ...request, ...measure, offeredRps, achievedRps,
    ...(backlogs.length ? { backlogMaxRecords: Math.max(...backlogs), backlogEndRecords } : {}),
    verdict,
  };
}

/**
 * The ramp's ceiling: the offered rate of the last window before the backlog first exceeded BACKLOG_LIMIT_S of the
 * offered rate (OpenMessaging Benchmark's criterion: a backlog that keeps growing is a rate the cluster cannot
 * sustain). `reached` is false when the backlog stayed bounded up to the ramp's top.
 */
export function ceilingOf(ramp: Pick<StepMeasure, 'windows'>): { rateRps: number; reached: boolean } {
  let last: number | undefined;
  for (const window of ramp.windows) {
    if (window.offeredRps === undefined || window.backlogRecords === undefined) continue;
    if (window.backlogRecords > window.offeredRps * BACKLOG_LIMIT_S) return { rateRps: last ?? window.offeredRps, reached: true };
    last = window.offeredRps;
  }
  return { rateRps: last ?? 0, reached: false };
}
