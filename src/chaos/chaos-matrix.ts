import type { FaultEvent, FaultStep } from '../faults/fault-plan.js';
import type { RunConfig } from '../produce/run-config.js';
import type { VerificationCounts } from '../verify/identity-ledger.js';

/**
 * `datastorm chaos`: scenarios (a fault each) x client modes (what the producer promises), each cell a bounded
 * produce run with --verify on the local cluster, judged by what its mode promises. This module is pure: what
 * each scenario and mode is, and each cell's verdict.
 */
export const CHAOS_SCENARIOS = ['kill-node', 'pause-node', 'partition-node', 'kill-controller', 'kill-leader', 'restart-all'] as const;
export type ChaosScenario = (typeof CHAOS_SCENARIOS)[number];

export const CHAOS_MODES = ['acks1', 'idempotent', 'transactions'] as const;
export type ChaosMode = (typeof CHAOS_MODES)[number];

/** How the report names each mode, and whether Kafka promises it no lost, duplicated or reordered acknowledged record. */
export const MODE_GUARANTEES: Record<ChaosMode, { label: string; promisesExact: boolean }> = {
  acks1: { label: 'acks=1, not idempotent', promisesExact: false },
  idempotent: { label: 'acks=all, idempotent', promisesExact: true },
  transactions: { label: 'transactions', promisesExact: true },
};

/** The fault's timing in every cell. */
export interface ChaosTiming {
  /** Since the run's start: after its warm-up, with a steady rate to measure the dip against. */
  faultAtMs: number;
  /** How long pause-node and partition-node last, and kill-node's node stays down. */
  faultForMs: number;
  /** Each cell's run (restart-all's lasts until its restart is done: RESTART_TAIL_MS). */
  durationMs: number;
  /** The node kill-node, pause-node and partition-node act on. */
  node: number;
  /** The partition whose leader kill-leader kills. */
  partition: number;
}

/**
 * A rolling restart's length is not known ahead: a node's clean stop, start and catch-up took 20-60 s here, more on
 * a busy machine. Its cell runs until the restart is done and RESTART_TAIL_MS more (the recovery, under load),
 * bounded by --duration and RESTART_BOUND_MS_PER_NODE a node.
 */
export const RESTART_TAIL_MS = 10_000;
export const RESTART_BOUND_MS_PER_NODE = 90_000;

/**
 * A scenario's fault plan and its run's length on a cluster of `nodes` nodes; `endAfterFaultsMs`: the run ends that
 * long after the plan is done, before its length if sooner.
 */
export function scenarioPlan(scenario: ChaosScenario, timing: ChaosTiming, nodes: number): { steps: FaultStep[]; durationMs: number; endAfterFaultsMs?: number } {
  const { faultAtMs: atMs, faultForMs: forMs, node, durationMs } = timing;
  const steps: Record<ChaosScenario, FaultStep[]> = {
    'kill-node': [{ action: 'kill-node', node, atMs }, { action: 'start-node', node, atMs: atMs + forMs }],
    'pause-node': [{ action: 'pause-node', node, atMs, forMs }],
    'partition-node': [{ action: 'partition-node', node, atMs, forMs }],
    'kill-controller': [{ action: 'kill-controller', atMs }],
    'kill-leader': [{ action: 'kill-leader', partition: timing.partition, atMs }],
    'restart-all': [{ action: 'restart-all', atMs }],
  };
  return scenario === 'restart-all'
    ? { steps: steps[scenario], durationMs: durationMs + nodes * RESTART_BOUND_MS_PER_NODE, endAfterFaultsMs: RESTART_TAIL_MS }
    : { steps: steps[scenario], durationMs };
}

/** A cell's producer settings: the user's, with the mode's acks, idempotence and transactions, on the cell's topic. */
export function modeConfig(base: RunConfig, mode: ChaosMode, transactionalId: string): Pick<RunConfig, 'acks' | 'idempotent' | 'transaction'> {
  switch (mode) {
    case 'acks1':
      return { acks: 1, idempotent: false, transaction: undefined };
    case 'idempotent':
      return { acks: -1, idempotent: true, transaction: undefined };
    case 'transactions':
      // One transaction in ten aborted: its records must stay invisible to the read_committed read-back.
      return { acks: -1, idempotent: true, transaction: { id: transactionalId, durationMs: base.transaction?.durationMs ?? TRANSACTION_MS, abortRate: TRANSACTION_ABORT_RATE } };
  }
}

/** The transactions mode commits every second and aborts one transaction in ten. */
export const TRANSACTION_MS = 1000;
export const TRANSACTION_ABORT_RATE = 0.1;

/**
 * ok: nothing lost, duplicated, reordered or aborted-and-visible. allowed: some, where the mode does not promise
 * otherwise (acks=1 without idempotence). violation: some, where it does. incomplete: the cell cannot be judged:
 * its fault was not caused (or not healed), or its records were not read back.
 */
export type CellVerdict = 'ok' | 'allowed' | 'violation' | 'incomplete';

/** What a cell's run gave, as far as it went. */
export interface CellRun {
  verification?: VerificationCounts;
  events: FaultEvent[];
  acknowledged: number;
  /** The run's own failure (a worker's fatal error, the cluster gone by the end), if any. */
  error?: string;
}

/** Records a cell's read-back found wrong: lost, duplicated, reordered, or of an aborted transaction and visible. */
export const anomaliesOf = (v: VerificationCounts) => v.lost + v.duplicated + v.reordered + v.abortedVisible;

/** Why a cell cannot be judged, or undefined when it can. */
export function incompleteBecause(run: CellRun): string | undefined {
  const faulty = run.events.find((e) => e.error !== undefined || e.healError !== undefined || e.startedAtMs === undefined);
  if (faulty) return faulty.error ?? faulty.healError ?? `${faulty.action} was not reached before the run ended`;
  if (!run.verification) return run.error ?? 'the records were not read back';
  if (run.acknowledged === 0) return 'no record was acknowledged';
  return undefined;
}

export function cellVerdict(mode: ChaosMode, run: CellRun): CellVerdict {
  // A violation found stands even if the cell is otherwise incomplete.
  if (run.verification && anomaliesOf(run.verification) > 0) return MODE_GUARANTEES[mode].promisesExact ? 'violation' : 'allowed';
  return incompleteBecause(run) === undefined ? 'ok' : 'incomplete';
}

/** The matrix asked for: every scenario with every mode, in that order (a scenario's modes one after another). */
export interface ChaosSpec {
  scenarios: ChaosScenario[];
  modes: ChaosMode[];
  timing: ChaosTiming;
  /** Keep each cell's topic (deleted once the cell is judged, otherwise). */
  keepTopics: boolean;
}
