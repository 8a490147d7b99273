import type { Admin } from 'kafkajs';
import { onCluster, type RunCluster } from '../cluster/bootstrap.js';
import { clusterHoldings, type ClusterHoldings } from '../cluster/holdings.js';
import { prepareRun, type PreparedRun } from '../engine/run-produce.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { topicsOf } from '../kafka/topic.js';
import type { MachineInfo } from '../produce/result.js';
import type { ProduceRun, RunConfig } from '../produce/run-config.js';
import { machineInfo } from '../report/machine.js';
import { publicSecurity } from '../security/client-security.js';
import { searchCapacity, type SearchOutcome, type SearchRunner } from './capacity-search.js';
import type { CapacitySpec } from './capacity-spec.js';
import type { CapacityStep, StepMeasure, StepRequest } from './capacity-step.js';
import { closeEndToEndSteps, openEndToEndSteps, runEndToEndStep } from './e2e-steps.js';
import { runProduceStep } from './produce-steps.js';
import { formatSlo, meetsSlo } from './slo.js';

export const CAPACITY_SCHEMA_VERSION = 1;

/** A confirming step as the JSON names it: its rate, p99 and whether it met the SLO and the rate. */
export interface StepSummary {
  rateRps: number;
  achievedRps: number;
  p99Ms: number;
  sloValuesMs: number[];
  meetsSlo: boolean;
  meetsRate: boolean;
}

export interface CapacityResult extends Omit<SearchOutcome, 'confirmation' | 'above' | 'floor'> {
  schemaVersion: typeof CAPACITY_SCHEMA_VERSION;
  command: 'capacity';
  startedAt: string;
  /** The SLO as --slo reads it. */
  slo: string;
  spec: Omit<CapacitySpec, 'slo'>;
  /** Every step's produce settings (the rate and length aside); its security without secrets. */
  config: RunConfig;
  cluster: { bootstrap: string[]; embedded: boolean; before: ClusterHoldings; after?: ClusterHoldings; topicDeleted: boolean };
  machine: MachineInfo;
  confirmation?: StepSummary;
  above?: StepSummary;
  floor?: StepSummary;
  /** The search was stopped (Ctrl-C) before it ended. */
  partial: boolean;
}

export interface CapacityHooks {
  log?: (line: string) => void;
  /** Stops the search: the step running ends early, unjudged, and the result holds what was found. */
  signal?: AbortSignal;
  /** A step is about to run, and one has ended (judged). */
  onStepStart?: (request: StepRequest, elapsedMs: number) => void;
}

/** A step's cost beyond its length before one has been measured: workers start, the topic is checked. */
const FIRST_OVERHEAD_MS = 5000;

/**
 * Searches the highest rate that meets the SLO with `run`'s produce settings, on its cluster (the local one started if
 * none): steps run as produce runs, or with target e2e as passes of e2e's path (src/capacity/e2e-steps.ts).
 */
export async function runCapacity(run: ProduceRun, spec: CapacitySpec, hooks: CapacityHooks = {}): Promise<CapacityResult> {
  const log = hooks.log ?? (() => undefined);
  // A bad schema fails before any cluster is touched.
  const prepared = spec.target === 'produce' ? prepareRun(run.config) : undefined;
  return onCluster(run.bootstrap, { startIfNone: true, log }, async (cluster) => {
    // The brokers first: an unreachable or refusing cluster ends in produce's own one-line errors.
    await describeBrokers(cluster.bootstrap, { security: run.config.security });
    const admin = createKafka(cluster.bootstrap, 'datastorm-capacity', {}, run.config.security).admin();
    await admin.connect();
    try {
      const startedAt = new Date().toISOString();
      const before = await clusterHoldings(admin, cluster.embedded);
      const existing = new Set(await admin.listTopics());
      const created = topicsOf(run.config).filter((topic) => !existing.has(topic));
      const steps = await stepsOn(spec, run.config, prepared, { cluster, admin, log, signal: hooks.signal });
      const outcome = await searchCapacity(spec, stepRunner({ log, signal: hooks.signal, onStepStart: hooks.onStepStart, runStep: steps.runStep }))
        .finally(() => steps.close());
      const topicDeleted = !spec.keepTopic && created.length > 0;
      if (topicDeleted) await admin.deleteTopics({ topics: created, timeout: 30_000 }).catch(() => undefined);
      const after = await clusterHoldings(admin, cluster.embedded).catch(() => undefined);
      return capacityResult(outcome, spec, run.config, {
        startedAt, cluster: { bootstrap: cluster.bootstrap, embedded: cluster.embedded, before, ...(after ? { after } : {}), topicDeleted },
        partial: Boolean(hooks.signal?.aborted),
      });
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  });
}

/** How the search's steps run on the cluster, and what ends what they hold. */
interface Steps {
  runStep(request: StepRequest): Promise<StepMeasure>;
  close(): Promise<void>;
}

/** Steps as produce runs (`prepared`: the run's values), or without it (target e2e) as passes of e2e's path. */
async function stepsOn(
  spec: CapacitySpec, config: RunConfig, prepared: PreparedRun | undefined,
  on: { cluster: RunCluster; admin: Admin; log: (line: string) => void; signal?: AbortSignal },
): Promise<Steps> {
  const { cluster, signal } = on;
  if (prepared) return { runStep: (request) => runProduceStep(spec.slo, config, request, cluster, prepared, signal), close: async () => undefined };
  const steps = await openEndToEndSteps(config, cluster, on.admin, on.log);
  return { runStep: (request) => runEndToEndStep(spec.slo, steps, request, signal), close: () => closeEndToEndSteps(steps) };
}

/** The search's runner on a cluster: steps timed from now, their overhead learnt as they run. */
function stepRunner(settings: { log: (line: string) => void; signal?: AbortSignal; onStepStart?: CapacityHooks['onStepStart']; runStep: (request: StepRequest) => Promise<StepMeasure> },
): SearchRunner {
  const startMs = performance.now();
  let overheadMs = FIRST_OVERHEAD_MS;
  return {
    async run(request) {
      settings.onStepStart?.(request, performance.now() - startMs);
      const stepStart = performance.now();
      const measure = await settings.runStep(request);
      overheadMs = Math.max(1000, performance.now() - stepStart - request.durationMs);
      return measure;
    },
    elapsedMs: () => performance.now() - startMs,
    overheadMs: () => overheadMs,
    stopped: () => Boolean(settings.signal?.aborted),
    log: settings.log,
  };
}

function stepSummary(spec: CapacitySpec, step: CapacityStep | undefined): StepSummary | undefined {
  if (!step || step.offeredRps === undefined) return undefined;
  return {
    rateRps: step.offeredRps, achievedRps: step.achievedRps, p99Ms: step.latency.p99Ms, sloValuesMs: step.sloValuesMs,
    meetsSlo: meetsSlo(spec.slo, step.sloValuesMs), meetsRate: step.verdict.outcome !== 'misses' || step.verdict.rateMet,
  };
}

function capacityResult(
  outcome: SearchOutcome, spec: CapacitySpec, config: RunConfig,
  run: { startedAt: string; cluster: CapacityResult['cluster']; partial: boolean },
): CapacityResult {
  const { slo, ...settings } = spec;
  const { confirmation, above, floor, ...found } = outcome;
  return {
    schemaVersion: CAPACITY_SCHEMA_VERSION, command: 'capacity', startedAt: run.startedAt, slo: formatSlo(slo), spec: settings,
    config: { ...config, security: publicSecurity(config.security) }, cluster: run.cluster, machine: machineInfo(),
    ...found,
    ...(confirmation ? { confirmation: stepSummary(spec, confirmation) } : {}),
    ...(above ? { above: stepSummary(spec, above) } : {}),
    ...(floor ? { floor: stepSummary(spec, floor) } : {}),
    partial: run.partial,
  };
}
