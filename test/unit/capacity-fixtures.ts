import type { SearchRunner, SearchSettings } from '../../src/capacity/capacity-search.js';
import type { StepMeasure, StepRequest, StepWindow } from '../../src/capacity/capacity-step.js';
import { parseSlo } from '../../src/capacity/slo.js';

/** A step's figures from its windows, as the search sees them: `valuesMs` is the steady windows' merged p99. */
export function measureOf(windows: StepWindow[], warmupMs: number, valuesMs: number[], extra: Partial<StepMeasure> = {}): StepMeasure {
  const steady = windows.filter((w) => w.elapsedMs - w.durationMs >= warmupMs - 1);
  const steadyMs = steady.reduce((sum, w) => sum + w.durationMs, 0);
  const records = steady.reduce((sum, w) => sum + w.records, 0);
  const p99Ms = valuesMs[0] ?? 0;
  return {
    steadyMs, records, sloValuesMs: valuesMs, windows, acknowledgedRecords: windows.reduce((sum, w) => sum + w.records, 0), failedRecords: 0, accountingMatch: true,
    latency: { p50Ms: p99Ms / 4, p99Ms, p999Ms: p99Ms * 1.2, avgMs: p99Ms / 3, maxMs: p99Ms * 1.5 },
    ...extra,
  };
}

/** 1 s windows of a fixed-rate step: `acknowledgedRps` a second, the rate asked `offeredRps`, each window's p99 given. */
export function rateWindows(offeredRps: number, acknowledgedRps: number, p99sMs: number[]): StepWindow[] {
  let acknowledged = 0;
  return p99sMs.map((p99Ms, i) => {
    acknowledged += acknowledgedRps;
    return {
      elapsedMs: (i + 1) * 1000, durationMs: 1000, records: acknowledgedRps, offeredRps,
      backlogRecords: Math.max(0, offeredRps * (i + 1) - acknowledged), sloValuesMs: [p99Ms],
    };
  });
}

/**
 * A cluster as the search sees it: it acknowledges at most `maxRps` (beyond it records queue: p99 5 s); below, its
 * p99 rises with the rate and crosses the SLO (p99<=100ms) at `kneeRps` exactly: 80 ms at the knee, 101 ms just above
 * it, and steeply beyond.
 */
export interface ClusterModel {
  maxRps: number;
  kneeRps: number;
  /** What an unlimited run acknowledges (more than maxRps: a burst the cluster does not keep up); maxRps by default. */
  probeRps?: number;
  /** p99 at a rate in a step, ms (the knee's curve by default). */
  p99Ms?: (rateRps: number, request: StepRequest) => number;
  /** Steady windows (by index) a broker's pause breaks in the n-th step run at this rate (n from 0), at 2 s each. */
  stalls?: (rateRps: number, nth: number) => number[];
}

export const kneeCurve = (kneeRps: number) => (rateRps: number) => (rateRps <= kneeRps ? (80 * rateRps) / kneeRps : 101 + 2000 * (rateRps / kneeRps - 1));

export const SLO_100MS = parseSlo('p99<=100ms');

export const settingsOf = (overrides: Partial<SearchSettings> = {}): SearchSettings => ({
  slo: SLO_100MS, precision: 0.05, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5000, warmMs: 0, probeMs: 10_000, rampMs: 30_000,
  ...overrides,
});

/** What a model cluster measures for one step. */
export function modelMeasure(model: ClusterModel, request: StepRequest, nth: number): StepMeasure {
  const curve = model.p99Ms ?? kneeCurve(model.kneeRps);
  const p99Ms = (rateRps: number) => (rateRps > model.maxRps ? 5000 : curve(rateRps, request));
  const seconds = Math.floor(request.durationMs / 1000);
  const { load } = request;
  if (load.kind === 'unlimited') {
    const probeRps = model.probeRps ?? model.maxRps;
    const windows = Array.from({ length: seconds }, (_, i): StepWindow => ({ elapsedMs: (i + 1) * 1000, durationMs: 1000, records: probeRps, sloValuesMs: [p99Ms(model.maxRps)] }));
    return measureOf(windows, request.warmupMs, [p99Ms(model.maxRps)]);
  }
  if (load.kind === 'ramp') {
    let due = 0;
    let acknowledged = 0;
    const windows = Array.from({ length: seconds }, (_, i): StepWindow => {
      const offeredRps = load.fromRps + ((load.toRps - load.fromRps) * (i + 0.5)) / seconds;
      const records = Math.min(offeredRps, model.maxRps);
      due += offeredRps;
      acknowledged += records;
      return { elapsedMs: (i + 1) * 1000, durationMs: 1000, records, offeredRps, backlogRecords: due - acknowledged, sloValuesMs: [p99Ms(offeredRps)] };
    });
    return measureOf(windows, request.warmupMs, [p99Ms(load.toRps)]);
  }
  const rate = load.rateRps;
  const broken = new Set(model.stalls?.(rate, nth) ?? []);
  const warmupWindows = Math.ceil(request.warmupMs / 1000);
  const values = Array.from({ length: seconds }, (_, i) => (broken.has(i - warmupWindows) ? 2000 : p99Ms(rate)));
  const windows = rateWindows(rate, Math.min(rate, model.maxRps), values);
  // A broken window holds 1 s of a step's records in a few: more than 1%, so the steady p99 is the stall's.
  return measureOf(windows, request.warmupMs, [broken.size > 0 ? 2000 : p99Ms(rate)]);
}

/**
 * A SearchRunner over recorded or modelled steps: a fake clock that each step moves by its length and `overheadMs`,
 * and a stop that comes while the `stopAtStep`-th step (from 1) runs.
 */
export class FakeRunner implements SearchRunner {
  readonly requests: StepRequest[] = [];
  readonly lines: string[] = [];
  /** Each step's start on the fake clock. */
  readonly startsMs: number[] = [];
  private clockMs = 0;
  private stop = false;
  private readonly runs = new Map<number, number>();

  constructor(private readonly measure: (request: StepRequest, nth: number) => StepMeasure, private readonly options: { overheadMs?: number; stopAtStep?: number } = {}) {}

  async run(request: StepRequest): Promise<StepMeasure> {
    this.requests.push(request);
    this.startsMs.push(this.clockMs);
    const rate = request.load.kind === 'rate' ? request.load.rateRps : -1;
    const nth = this.runs.get(rate) ?? 0;
    this.runs.set(rate, nth + 1);
    this.clockMs += request.durationMs + this.overheadMs();
    if (this.requests.length === this.options.stopAtStep) this.stop = true;
    return this.measure(request, nth);
  }

  elapsedMs(): number {
    return this.clockMs;
  }

  overheadMs(): number {
    return this.options.overheadMs ?? 1000;
  }

  stopped(): boolean {
    return this.stop;
  }

  /** Each wait for the cluster to catch up, at the step count it came after; the fake cluster has caught up already. */
  readonly recoveries: number[] = [];

  async recover(): Promise<number> {
    this.recoveries.push(this.requests.length);
    return 0;
  }

  log(line: string): void {
    this.lines.push(line);
  }

  /** The rates of the fixed-rate steps asked for, in order, with their phases. */
  rates(): string[] {
    return this.requests.map((r) => `${r.phase} ${r.load.kind === 'rate' ? r.load.rateRps : r.load.kind}`);
  }
}

export const modelRunner = (model: ClusterModel, options: { overheadMs?: number; stopAtStep?: number } = {}) =>
  new FakeRunner((request, nth) => modelMeasure(model, request, nth), options);
