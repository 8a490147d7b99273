import type { RunCluster } from '../cluster/bootstrap.js';
import { runProduce, type PreparedRun } from '../engine/run-produce.js';
import type { Window } from '../engine/produce-pool.js';
import { failedRecords, type IntervalResult } from '../produce/result.js';
import { RateProfile } from '../produce/rate-profile.js';
import type { RunConfig } from '../produce/run-config.js';
import { mergeHistograms, type Histogram } from '../shared/histograms.js';
import { isSteady, STEP_WINDOW_MS, type StepLoad, type StepMeasure, type StepRequest, type StepWindow } from './capacity-step.js';
import { sloValuesMs, type Slo } from './slo.js';

/** The produce run of one step: the user's settings with the step's load and length (no warm-up records, no faults). */
export function stepConfig(config: RunConfig, request: StepRequest): RunConfig {
  const { load } = request;
  return {
    ...config,
    numRecords: undefined, durationMs: request.durationMs, warmupRecords: 0, reportingIntervalMs: STEP_WINDOW_MS, faults: [],
    throughputRps: load.kind === 'rate' ? load.rateRps : -1,
    throughputProfile: load.kind === 'ramp'
      ? [{ atMs: 0, recordsPerSec: load.fromRps }, { atMs: request.durationMs, recordsPerSec: load.toRps }] : undefined,
  };
}

/** Records due `elapsedMs` into a step under its load (undefined without a limit). */
function dueBy(load: StepLoad, durationMs: number): ((elapsedMs: number) => number) | undefined {
  if (load.kind === 'rate') return (elapsedMs) => (load.rateRps * elapsedMs) / 1000;
  if (load.kind === 'ramp') {
    const profile = new RateProfile([{ atMs: 0, recordsPerSec: load.fromRps }, { atMs: durationMs, recordsPerSec: load.toRps }]);
    return (elapsedMs) => profile.dueBy(elapsedMs);
  }
  return undefined;
}

/** Collects a step's windows as its run reports them: rate asked, backlog, the SLO's statistics from intended time. */
export class StepWindows {
  readonly windows: StepWindow[] = [];
  private readonly latencies: Histogram[] = [];
  private acknowledged = 0;
  private readonly due: ((elapsedMs: number) => number) | undefined;

  constructor(private readonly slo: Slo, private readonly request: StepRequest) {
    this.due = dueBy(request.load, request.durationMs);
  }

  add(interval: IntervalResult, window: Pick<Window, 'histogram' | 'intended'>): void {
    this.acknowledged += interval.records;
    // Under a limit, latency is from each record's intended send time; the probe has only send-to-ack.
    const latency = window.intended ?? window.histogram;
    this.latencies.push(latency);
    const { load } = this.request;
    this.windows.push({
      elapsedMs: interval.elapsedMs, durationMs: interval.durationMs, records: interval.records,
      ...(load.kind === 'rate' ? { offeredRps: load.rateRps } : interval.profileRecordsPerSec !== undefined ? { offeredRps: interval.profileRecordsPerSec } : {}),
      ...(this.due ? { backlogRecords: Math.max(0, this.due(Math.min(interval.elapsedMs, this.request.durationMs)) - this.acknowledged) } : {}),
      sloValuesMs: sloValuesMs(this.slo, latency),
    });
  }

  /** The step's figures over its steady windows. */
  measure(run: Pick<StepMeasure, 'acknowledgedRecords' | 'failedRecords' | 'accountingMatch'>): StepMeasure {
    const steady = this.windows.map((w, i) => ({ w, latency: this.latencies[i] })).filter(({ w }) => isSteady(w, this.request.warmupMs));
    const merged = mergeHistograms(steady.map(({ latency }) => latency));
    const ms = (us: number) => us / 1000;
    const at = (p: number) => (merged.totalCount === 0 ? 0 : ms(merged.getValueAtPercentile(p)));
    return {
      steadyMs: steady.reduce((sum, { w }) => sum + w.durationMs, 0),
      records: steady.reduce((sum, { w }) => sum + w.records, 0),
      sloValuesMs: sloValuesMs(this.slo, merged),
      latency: { p50Ms: at(50), p99Ms: at(99), p999Ms: at(99.9), avgMs: merged.totalCount === 0 ? 0 : ms(merged.mean), maxMs: at(100) },
      windows: this.windows,
      ...run,
    };
  }
}

/** Runs a step as a produce run on the cluster; a stop (signal) ends it early, partial. */
export async function runProduceStep(
  slo: Slo, config: RunConfig, request: StepRequest, cluster: RunCluster, prepared: PreparedRun, signal?: AbortSignal,
): Promise<StepMeasure> {
  const windows = new StepWindows(slo, request);
  const result = await runProduce(stepConfig(config, request), cluster, {
    ...(signal ? { signal } : {}), onInterval: (interval, window) => windows.add(interval, window),
  }, prepared);
  return windows.measure({
    acknowledgedRecords: result.accounting.acknowledgedRecords, failedRecords: failedRecords(result.totals.errors), accountingMatch: result.accounting.match,
  });
}
