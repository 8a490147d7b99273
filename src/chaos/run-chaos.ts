import { randomUUID } from 'node:crypto';
import { onCluster, type RunCluster } from '../cluster/bootstrap.js';
import { defaultClusterDir, readClusterState } from '../cluster/launcher.js';
import { runProduce, type RunHooks } from '../engine/run-produce.js';
import { describeStep, type FaultEvent } from '../faults/fault-plan.js';
import { checkFaultTarget } from '../faults/fault-target.js';
import { restoreCluster, sceneOf, type Restored } from '../faults/node-faults.js';
import { createKafka } from '../kafka/kafka-client.js';
import { whenClusterSettled } from '../kafka/topic.js';
import { failedRecords, type MachineInfo, type ProduceResult } from '../produce/result.js';
import type { ProduceRun, RunConfig } from '../produce/run-config.js';
import { machineInfo } from '../report/machine.js';
import { publicSecurity } from '../security/client-security.js';
import { DataStormError, RunFailedError } from '../shared/errors.js';
import type { Verification } from '../verify/identity-ledger.js';
import {
  cellVerdict, incompleteBecause, modeConfig, scenarioPlan, type CellRun, type CellVerdict, type ChaosMode, type ChaosScenario, type ChaosSpec,
} from './chaos-matrix.js';

export const CHAOS_SCHEMA_VERSION = 1;

/** How long, after a cell, the cluster may take to have every node up and every partition back in sync. */
export const RESTORE_TIMEOUT_MS = 180_000;

/** One cell of the matrix: a scenario's fault under a mode's producer, verified by identity. */
export interface ChaosCell {
  scenario: ChaosScenario;
  mode: ChaosMode;
  topic: string;
  /** The fault plan, as --fault would take it. */
  plan: string;
  durationMs: number;
  /** Records acknowledged, their rate over the run, and the p99 of their latency from send to ack. */
  acknowledged: number;
  recordsPerSec: number;
  p99Ms: number;
  /** Records whose sends failed (counted by the run as errors): not acknowledged, so not owed. */
  failed: number;
  verification?: Omit<Verification, 'partitions'>;
  events: FaultEvent[];
  longestStallMs?: number;
  /** From the fault to the rate back at 90% of the rate before it; absent when it did not come back before the run ended. */
  recoveryMs?: number;
  transactions?: { committed: number; aborted: number };
  /** The run's own failure, if it failed (its figures stand as far as they went). */
  error?: { code: string; message: string };
  /** The cluster brought back after the cell: nodes started, time until every partition was in sync. */
  restored?: Restored;
  verdict: CellVerdict;
  /** Why an incomplete cell could not be judged. */
  incompleteBecause?: string;
}

export interface ChaosResult {
  schemaVersion: typeof CHAOS_SCHEMA_VERSION;
  command: 'chaos';
  startedAt: string;
  spec: ChaosSpec;
  /** Every cell's producer settings but the mode's, its security without secrets. */
  config: RunConfig;
  cluster: { bootstrap: string[]; nodes: number; kafkaVersion?: string };
  machine: MachineInfo;
  cells: ChaosCell[];
  /** How many cells ended with each verdict. */
  verdicts: Record<CellVerdict, number>;
  elapsedMs: number;
  /** Stopped before every cell ran in full: by Ctrl-C (the cell running cut short), or a cluster that did not come back whole. */
  partial: boolean;
  stoppedBecause?: string;
}

export interface ChaosHooks {
  log?: (line: string) => void;
  /** Stops the matrix: the cell running ends early (its run partial), the cluster is restored, the result holds the cells run. */
  signal?: AbortSignal;
  onCellStart?: (scenario: ChaosScenario, mode: ChaosMode, index: number, total: number, elapsedMs: number) => void;
  onCell?: (cell: ChaosCell, index: number, total: number) => void;
}

/**
 * Runs the matrix on the local cluster (started if none): before the first cell and after each, every node is
 * up and every partition in sync, so each cell starts from a whole cluster. A cell's run failing is a cell result;
 * an error before any cell (bad options, no partition support) is thrown.
 */
export async function runChaos(run: ProduceRun, spec: ChaosSpec, hooks: ChaosHooks = {}): Promise<ChaosResult> {
  const log = hooks.log ?? (() => undefined);
  return onCluster(undefined, { startIfNone: true, log }, (cluster) => chaosOnCluster(run.config, spec, cluster, hooks));
}

async function chaosOnCluster(config: RunConfig, spec: ChaosSpec, cluster: RunCluster, hooks: ChaosHooks): Promise<ChaosResult> {
  const log = hooks.log ?? (() => undefined);
  const startedMs = Date.now();
  const startedAt = new Date().toISOString();
  const state = readClusterState(defaultClusterDir());
  const nodes = state?.nodes.length ?? 0;
  const cells = spec.scenarios.flatMap((scenario) => spec.modes.map((mode) => ({ scenario, mode, ...scenarioPlan(scenario, spec.timing, nodes) })));
  // Every cell's node and partition support checked before the first runs.
  checkFaultTarget(cells.flatMap((cell) => cell.steps), cluster.bootstrap);
  const scene = sceneOf();
  const first = await restoreCluster(scene, { syncTimeoutMs: RESTORE_TIMEOUT_MS, signal: hooks.signal });
  if (first.startedNodes.length > 0) log(`chaos: started nodes ${first.startedNodes.join(', ')} before the first cell`);
  if (first.lagging.length > 0) {
    throw new DataStormError('DS_NOT_IN_SYNC', `${first.lagging.length} partitions are under-replicated before the first cell (${first.lagging.slice(0, 5).join(', ')})`, {
      hint: 'let the cluster catch up (datastorm cluster status), or start it afresh: cluster down, cluster up',
    });
  }
  const runId = randomUUID().slice(0, 8);
  const done: ChaosCell[] = [];
  let stoppedBecause: string | undefined;
  for (const [index, cell] of cells.entries()) {
    if (hooks.signal?.aborted) break;
    hooks.onCellStart?.(cell.scenario, cell.mode, index, cells.length, Date.now() - startedMs);
    const topic = `${config.topic}-${cell.scenario}-${cell.mode}-${runId}`;
    const cellConfig: RunConfig = {
      ...config, ...modeConfig(config, cell.mode, `datastorm-chaos-${runId}-${cell.scenario}`),
      topic, numRecords: undefined, durationMs: cell.durationMs, faults: cell.steps, verify: true,
    };
    const outcome = await runCell(cellConfig, cluster, {
      log, ...(hooks.signal ? { signal: hooks.signal } : {}), ...(cell.endAfterFaultsMs !== undefined ? { endAfterFaultsMs: cell.endAfterFaultsMs } : {}),
    });
    // Restored even after a stop: a killed node never stays down.
    const restored = await restoreCluster(scene, { syncTimeoutMs: RESTORE_TIMEOUT_MS });
    if (!spec.keepTopics) await deleteTopic(cluster, config, topic, log);
    const judged = judgeCell(cell.scenario, cell.mode, cellConfig, outcome, restored);
    done.push(judged);
    hooks.onCell?.(judged, index, cells.length);
    if (restored.lagging.length > 0) {
      stoppedBecause = `${restored.lagging.length} partitions were still under-replicated ${RESTORE_TIMEOUT_MS / 1000} s after ${cell.scenario} x ${cell.mode}`;
      break;
    }
  }
  if (hooks.signal?.aborted) stoppedBecause = 'interrupted (Ctrl-C): the cell running was cut short';
  const verdicts: Record<CellVerdict, number> = { ok: 0, allowed: 0, violation: 0, incomplete: 0 };
  for (const cell of done) verdicts[cell.verdict] += 1;
  return {
    schemaVersion: CHAOS_SCHEMA_VERSION, command: 'chaos', startedAt, spec,
    config: { ...config, security: publicSecurity(config.security) },
    cluster: { bootstrap: cluster.bootstrap, nodes, ...(state ? { kafkaVersion: state.kafkaVersion } : {}) },
    machine: machineInfo(), cells: done, verdicts, elapsedMs: Date.now() - startedMs,
    partial: stoppedBecause !== undefined, ...(stoppedBecause ? { stoppedBecause } : {}),
  };
}

/** A cell's run: its result, or the result a failed run carries with its error, or only the error (nothing measured). */
async function runCell(config: RunConfig, cluster: RunCluster, hooks: RunHooks):
  Promise<{ result?: ProduceResult; error?: { code: string; message: string } }> {
  try {
    return { result: await runProduce(config, cluster, hooks) };
  } catch (error) {
    if (error instanceof RunFailedError) return { result: error.result as ProduceResult, error: { code: error.code, message: error.message } };
    if (error instanceof DataStormError) return { error: { code: error.code, message: error.message } };
    throw error;
  }
}

/** A cell's figures and verdict from its run. */
export function judgeCell(
  scenario: ChaosScenario, mode: ChaosMode, config: RunConfig, outcome: { result?: ProduceResult; error?: { code: string; message: string } }, restored?: Restored,
): ChaosCell {
  const { result, error } = outcome;
  const events = result?.faults?.events ?? config.faults.map((step) => ({ ...step }));
  const stall = result?.faults?.longestStall;
  const verification = result?.verification && withoutPartitions(result.verification);
  const run: CellRun = { events, acknowledged: result?.accounting.acknowledgedRecords ?? 0, ...(verification ? { verification } : {}), ...(error ? { error: error.message } : {}) };
  const verdict = cellVerdict(mode, run);
  const why = verdict === 'incomplete' ? incompleteBecause(run) : undefined;
  return {
    scenario, mode, topic: config.topic, plan: config.faults.map(describeStep).join('; '), durationMs: result?.totals.durationMs ?? config.durationMs!,
    acknowledged: run.acknowledged, recordsPerSec: result?.totals.recordsPerSec ?? 0, p99Ms: (result?.latency.p99Us ?? 0) / 1000,
    failed: result ? failedRecords(result.totals.errors) : 0,
    ...(verification ? { verification } : {}),
    events,
    ...(stall ? { longestStallMs: stall.toMs - stall.fromMs } : {}),
    ...(result?.faults?.recoveryMs !== undefined ? { recoveryMs: result.faults.recoveryMs } : {}),
    ...(result?.transactions ? { transactions: { committed: result.transactions.committed, aborted: result.transactions.aborted } } : {}),
    ...(error ? { error } : {}),
    ...(restored ? { restored } : {}),
    verdict,
    ...(why ? { incompleteBecause: why } : {}),
  };
}

/** The verification's counts in all: the per-partition ones stay in the run (the matrix's JSON would hold thousands). */
const withoutPartitions = ({ partitions: _partitions, ...all }: Verification): Omit<Verification, 'partitions'> => all;

async function deleteTopic(cluster: RunCluster, config: RunConfig, topic: string, log: (line: string) => void): Promise<void> {
  const admin = createKafka(cluster.bootstrap, 'datastorm-chaos', {}, config.security).admin();
  try {
    await admin.connect();
    await whenClusterSettled(() => admin.deleteTopics({ topics: [topic], timeout: 60_000 }));
  } catch (error) {
    log(`chaos: the cell's topic ${topic} is left on the cluster: deleting it failed (${(error as Error).message})`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
