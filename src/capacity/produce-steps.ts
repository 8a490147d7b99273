import type { RunCluster } from '../cluster/bootstrap.js';
import { runProduce, type PreparedRun } from '../engine/run-produce.js';
import { failedRecords } from '../produce/result.js';
import type { RunConfig } from '../produce/run-config.js';
import { STEP_WINDOW_MS, type StepMeasure, type StepRequest } from './capacity-step.js';
import type { Slo } from './slo.js';
import { rampPoints, StepWindows } from './step-windows.js';

/** The produce run of one step: the user's settings with the step's load and length (no warm-up records, no faults). */
export function stepConfig(config: RunConfig, request: StepRequest): RunConfig {
  const { load } = request;
  return {
    ...config,
    numRecords: undefined, durationMs: request.durationMs, warmupRecords: 0, reportingIntervalMs: STEP_WINDOW_MS, faults: [],
    throughputRps: load.kind === 'rate' ? load.rateRps : -1,
    throughputProfile: load.kind === 'ramp' ? rampPoints(load, request.durationMs) : undefined,
  };
}

/** Runs a step as a produce run on the cluster; a stop (signal) ends it early, partial. */
export async function runProduceStep(
  slo: Slo, config: RunConfig, request: StepRequest, cluster: RunCluster, prepared: PreparedRun, signal?: AbortSignal,
): Promise<StepMeasure> {
  const windows = new StepWindows(slo, request);
  const result = await runProduce(stepConfig(config, request), cluster, {
    ...(signal ? { signal } : {}),
    // Under a limit, latency is from each record's intended send time; the probe has only send-to-ack.
    onInterval: (interval, window) => windows.add({
      elapsedMs: interval.elapsedMs, durationMs: interval.durationMs, records: interval.records, latency: window.intended ?? window.histogram,
    }),
  }, prepared);
  return windows.measure({
    acknowledgedRecords: result.accounting.acknowledgedRecords, failedRecords: failedRecords(result.totals.errors), accountingMatch: result.accounting.match,
  });
}
