import { RateProfile, type RatePoint } from '../produce/rate-profile.js';
import { mergeHistograms, summarizeLatency, type Histogram } from '../shared/histograms.js';
import { isSteady, type StepLoad, type StepMeasure, type StepRequest, type StepWindow } from './capacity-step.js';
import { sloValuesMs, type Slo } from './slo.js';

/** A ramp's rate line over a step: from its first rate at the start to its top at the end. */
export function rampPoints(load: Extract<StepLoad, { kind: 'ramp' }>, durationMs: number): RatePoint[] {
  return [{ atMs: 0, recordsPerSec: load.fromRps }, { atMs: durationMs, recordsPerSec: load.toRps }];
}

/** Records due `elapsedMs` into a step under its load (undefined without a limit). */
function dueBy(load: StepLoad, durationMs: number): ((elapsedMs: number) => number) | undefined {
  if (load.kind === 'rate') return (elapsedMs) => (load.rateRps * elapsedMs) / 1000;
  if (load.kind === 'ramp') {
    const profile = new RateProfile(rampPoints(load, durationMs));
    return (elapsedMs) => profile.dueBy(elapsedMs);
  }
  return undefined;
}

/** One window of a step as its run counts it. */
export interface WindowSample {
  /** End of the window, since the step started, and its length. */
  elapsedMs: number;
  durationMs: number;
  /** Records done in the window: acknowledged (a produce step) or consumed (an e2e step). */
  records: number;
  /**
   * Their latencies (µs): from intended send time (send-to-ack without a limit), or from creation to the consumer's
   * read. An e2e step's last window holds the latencies of the records read after the step's end too.
   */
  latency: Histogram;
}

/**
 * Collects a step's windows as its run reports them: the rate asked, the backlog (records due minus records done,
 * acknowledged or consumed), the SLO's statistics; and merges the steady windows' latencies exactly.
 */
export class StepWindows {
  readonly windows: StepWindow[] = [];
  private readonly latencies: Histogram[] = [];
  private done = 0;
  private readonly due: ((elapsedMs: number) => number) | undefined;

  constructor(private readonly slo: Slo, private readonly request: StepRequest) {
    this.due = dueBy(request.load, request.durationMs);
  }

  /**
   * A step's windows are its schedule's: one that ends after the step's end is left out (the workers stopped sending
   * in it; what it holds is their drain, which the run's totals count).
   */
  add(sample: WindowSample): void {
    if (sample.elapsedMs > this.request.durationMs) return;
    this.done += sample.records;
    this.latencies.push(sample.latency);
    const { load, durationMs } = this.request;
    const { due } = this;
    const startMs = sample.elapsedMs - sample.durationMs;
    // A ramp's rate over the window: the records due in it over its length.
    const offeredRps = load.kind === 'rate' ? load.rateRps : due ? ((due(sample.elapsedMs) - due(startMs)) * 1000) / sample.durationMs : undefined;
    this.windows.push({
      elapsedMs: sample.elapsedMs, durationMs: sample.durationMs, records: sample.records,
      ...(offeredRps === undefined ? {} : { offeredRps }),
      ...(due ? { backlogRecords: Math.max(0, due(Math.min(sample.elapsedMs, durationMs)) - this.done) } : {}),
      sloValuesMs: sloValuesMs(this.slo, sample.latency),
    });
  }

  /** The step's figures over its steady windows. */
  measure(run: Pick<StepMeasure, 'acknowledgedRecords' | 'failedRecords' | 'accountingMatch'>): StepMeasure {
    const steady = this.windows.map((w, i) => ({ w, latency: this.latencies[i] })).filter(({ w }) => isSteady(w, this.request.warmupMs));
    const merged = mergeHistograms(steady.map(({ latency }) => latency));
    const summary = summarizeLatency(merged);
    return {
      steadyMs: steady.reduce((sum, { w }) => sum + w.durationMs, 0),
      records: steady.reduce((sum, { w }) => sum + w.records, 0),
      sloValuesMs: sloValuesMs(this.slo, merged),
      latency: {
        p50Ms: summary.p50Us / 1000, p99Ms: summary.p99Us / 1000, p999Ms: summary.p999Us / 1000, avgMs: summary.meanUs / 1000, maxMs: summary.maxUs / 1000,
      },
      windows: this.windows,
      ...run,
    };
  }
}
