import type { Admin } from 'kafkajs';
import { onCluster, type RunCluster } from '../cluster/bootstrap.js';
import { clusterHoldings, type ClusterHoldings } from '../cluster/holdings.js';
import { defaultClusterDir } from '../cluster/launcher.js';
import { awaitSettled, formatUnrest, type ClusterUnrest } from '../cluster/settle.js';
import { prepareRun, type PreparedRun } from '../engine/run-produce.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { clusterRelease } from '../drivers/broker-version.js';
import type { BrokerRelease } from '../kafka/kafka-releases.js';
import { deleteRecordsToEnd, setTopicConfigs, topicsOf, whenClusterSettled } from '../kafka/topic.js';
import type { MachineInfo } from '../produce/result.js';
import type { ProduceRun, RunConfig } from '../produce/run-config.js';
import { machineInfo } from '../report/machine.js';
import { publicSecurity } from '../security/client-security.js';
import { DataStormError, RunFailedError } from '../shared/errors.js';
import { searchCapacity, stepDurationMs, stepWarmupMs, type SearchOutcome, type SearchRunner } from './capacity-search.js';
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

/** The run at the knee another client gets (--vs java): the sustainable rate for the confirmation's length, its warm-up left out. */
export interface Knee {
  rateRps: number;
  /** Warm-up included. */
  durationMs: number;
  warmupMs: number;
}

/** Another client's run at the knee with the same settings: its figures after the warm-up, beside DataStorm's step at that rate. */
export interface KneeReference extends Knee {
  /** As --vs names it (java). */
  tool: string;
  /** The tool and its version as it ran (kafka-producer-perf-test 4.4.0). */
  version: string;
  /** Its command line (secrets in a file it was given, never here). */
  args: string[];
  /** Records after the warm-up, and their rate. */
  records: number;
  achievedRps: number;
  /** How the tool measures latency, which the figures below are of (Java's: from its send call to the ack, in whole ms). */
  latencyFrom: string;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  avgMs: number;
  maxMs: number;
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
  /** `kafka`: the brokers' release, read from them (absent in results written before it was, or when they did not say). */
  cluster: {
    bootstrap: string[]; embedded: boolean; before: ClusterHoldings; kafka?: BrokerRelease; after?: ClusterHoldings; topicDeleted: boolean;
    /** The local cluster's settling: before the search, and the time spent between steps (absent elsewhere). */
    settling?: SearchSettling;
  };
  machine: MachineInfo;
  confirmation?: StepSummary;
  above?: StepSummary;
  floor?: StepSummary;
  /** Another client at the knee (--vs java), run after the search, beyond its budget. */
  vs?: KneeReference;
  /** The search was stopped (Ctrl-C) before it ended. */
  partial: boolean;
}

export interface CapacityHooks {
  log?: (line: string) => void;
  /** Stops the search: the step running ends early, unjudged, and the result holds what was found. */
  signal?: AbortSignal;
  /** A step is about to run, `elapsedMs` into the search. */
  onStepStart?: (request: StepRequest, elapsedMs: number) => void;
  /**
   * Another client run at the knee after the search, on its cluster and before its topic is deleted (--vs java).
   * A failure of it comes as a RunFailedError that carries the search's result.
   */
  atKnee?: { tool: string; run: (knee: Knee, on: { cluster: RunCluster; log: (line: string) => void; signal?: AbortSignal }) => Promise<KneeReference> };
}

/**
 * How long the local cluster took to settle before the search began (a topic deleted by the run before is removed
 * a minute later; written pages are flushed within 30 s). Steps do not wait: a sustained rate pays for its own
 * writeback, and the confirmation's minute holds it.
 */
export interface SearchSettling {
  settled: boolean;
  waitedMs: number;
  /** What it was doing when the search began. */
  found: ClusterUnrest;
  /** What was left when the wait ended (settled, or not within --settle). */
  left: ClusterUnrest;
}

/** A step's cost beyond its length before one has been measured: workers start, the topic is checked. */
const FIRST_OVERHEAD_MS = 5000;

/**
 * Searches the highest rate that meets the SLO with `run`'s produce settings, on its cluster (the local one started if
 * none): steps run as produce runs, or with target e2e as passes of e2e's path (src/capacity/e2e-steps.ts).
 */
export async function runCapacity(run: ProduceRun, spec: CapacitySpec, hooks: CapacityHooks = {}): Promise<CapacityResult> {
  // A bad schema, payload file or buffer size is refused before a cluster is started for the search.
  const prepared = spec.target === 'produce' ? prepareRun(run.config) : undefined;
  return onCluster(run.bootstrap, { startIfNone: true, log: hooks.log ?? (() => undefined) }, (cluster) =>
    capacityOnCluster(run.config, spec, cluster, hooks, prepared));
}

/** The search with `config`'s produce settings on a cluster already chosen (bench workloads run on the job's). */
export async function capacityOnCluster(
  config: RunConfig, spec: CapacitySpec, cluster: RunCluster, hooks: CapacityHooks = {},
  prepared = spec.target === 'produce' ? prepareRun(config) : undefined,
): Promise<CapacityResult> {
  const log = hooks.log ?? (() => undefined);
  // The brokers first: an unreachable or refusing cluster ends in produce's own one-line errors.
  const kafka = await clusterRelease(await describeBrokers(cluster.bootstrap, { security: config.security }), config.security, log);
  const connect = () => createKafka(cluster.bootstrap, 'datastorm-capacity', {}, config.security).admin();
  const admin = connect();
  await admin.connect();
  try {
    const startedAt = new Date().toISOString();
    const before = await clusterHoldings(admin, cluster.embedded);
    const existing = new Set(await admin.listTopics());
    const created = topicsOf(config).filter((topic) => !existing.has(topic));
    const settling = cluster.embedded && spec.settleMs > 0 ? await settleBeforeSearch(spec.settleMs, log, hooks.signal) : undefined;
    const steps = await stepsOn(spec, config, prepared, { cluster, admin, log, signal: hooks.signal });
    const dropRecords = recordDropper(connect, created, log);
    const outcome = await searchCapacity(spec, stepRunner({
      log, signal: hooks.signal, onStepStart: hooks.onStepStart,
      // Only the search's own topics lose their records, and only once a step has counted them.
      runStep: async (request) => {
        const measure = await steps.runStep(request);
        await dropRecords();
        return measure;
      },
      recover: () => (cluster.embedded && spec.settleMs > 0 ? recoverAfterOverload(spec.settleMs, log, hooks.signal) : Promise.resolve(0)),
    })).finally(() => steps.close());
    const { vs, failure } = await runAtKnee(outcome, spec, cluster, hooks, log);
    // Said deleted only when the brokers said so.
    const topicDeleted = !spec.keepTopic && created.length > 0 && await whenClusterSettled(() => admin.deleteTopics({ topics: created, timeout: 60_000 })).then(() => true, (error: Error) => {
      log(`the search's topic ${created.join(', ')} is left on the cluster: deleting it failed (${error.message})`);
      return false;
    });
    const after = await clusterHoldings(admin, cluster.embedded).catch(() => undefined);
    const result = capacityResult(outcome, spec, config, {
      startedAt,
      cluster: { bootstrap: cluster.bootstrap, embedded: cluster.embedded, ...(kafka ? { kafka } : {}), before, ...(after ? { after } : {}), topicDeleted, ...(settling ? { settling } : {}) },
      vs, partial: Boolean(hooks.signal?.aborted),
    });
    if (failure) throw new RunFailedError(failure.code, `--vs ${hooks.atKnee?.tool} at the knee: ${failure.message}`, result);
    return result;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Waits for the local cluster to finish what earlier runs left (deletions, unflushed pages), and says so. */
async function settleBeforeSearch(maxMs: number, log: (line: string) => void, signal?: AbortSignal): Promise<SearchSettling> {
  const wait = await awaitSettled(defaultClusterDir(), {
    maxMs, signal, onWait: (unrest) => log(`waiting for the local cluster to settle (${formatUnrest(unrest)}), up to ${maxMs / 1000} s (--settle)`),
  });
  if (!wait.settled && !signal?.aborted) log(`the local cluster did not settle within ${maxMs / 1000} s (${formatUnrest(wait.last)}): the search goes on`);
  return { settled: wait.settled, waitedMs: wait.waitedMs, found: wait.first, left: wait.last };
}

/** Waits for the local cluster to flush what an overloading step wrote (up to --settle); the milliseconds waited. */
async function recoverAfterOverload(maxMs: number, log: (line: string) => void, signal?: AbortSignal): Promise<number> {
  const wait = await awaitSettled(defaultClusterDir(), {
    maxMs, signal, onWait: (unrest) => log(`waiting for the local cluster to catch up with the step before (${formatUnrest(unrest)}), up to ${maxMs / 1000} s (--settle)`),
  });
  if (!wait.settled && !signal?.aborted) log(`the local cluster did not catch up within ${maxMs / 1000} s (${formatUnrest(wait.last)}): the search goes on`);
  return wait.waitedMs;
}

/**
 * The search's own topics, made small on disk: at a local cluster's ceiling a step writes gigabytes (a ten-minute
 * search filled an 80 GB disk). Once a step is counted its records are deleted (DeleteRecords: offsets stay, so the
 * next step's accounting is unchanged), and segments of 256 MB (Kafka's default: 1 GB) deleted a second after (60 s)
 * let the brokers free them while the search goes on. A user's own topic is never touched.
 */
const SEARCH_TOPIC_CONFIGS = { 'segment.bytes': String(256 * 1024 * 1024), 'file.delete.delay.ms': '1000' };

/**
 * Frees the search's topics after each step; one that cannot be freed is said, and the search goes on (it measures
 * the same). A client of its own each time: kafkajs sends DeleteRecords to the leaders its metadata last named, and a
 * long-lived admin's named brokers that no longer led the partitions ("does not host this topic-partition").
 */
function recordDropper(connect: () => Admin, topics: string[], log: (line: string) => void): () => Promise<void> {
  let configured = false;
  return async () => {
    const admin = connect();
    try {
      await admin.connect();
      for (const topic of topics) {
        if (!configured) await setTopicConfigs(admin, topic, SEARCH_TOPIC_CONFIGS);
        await deleteRecordsToEnd(admin, topic);
      }
      configured = true;
    } catch (error) {
      log(`the step's records stay on the brokers (deleting them failed: ${(error as Error).message})`);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}

/**
 * The other client's run at the knee (hooks.atKnee), when the search found one and was not stopped: at the
 * sustainable rate for the confirmation's length. Its failure is returned, for the result to be reported first;
 * one that a stop caused is not a failure.
 */
export async function runAtKnee(
  outcome: SearchOutcome, spec: CapacitySpec, cluster: RunCluster, hooks: CapacityHooks, log: (line: string) => void,
): Promise<{ vs?: KneeReference; failure?: DataStormError }> {
  if (!hooks.atKnee || hooks.signal?.aborted) return {};
  if (outcome.sustainableRps === 0) {
    outcome.notes.push(`--vs ${hooks.atKnee.tool} did not run: no rate met the SLO`);
    return {};
  }
  const durationMs = stepDurationMs(outcome.sustainableRps, spec.confirmMs + spec.warmupMs, spec);
  const knee: Knee = { rateRps: outcome.sustainableRps, durationMs, warmupMs: stepWarmupMs(durationMs, spec) };
  try {
    return { vs: await hooks.atKnee.run(knee, { cluster, log, signal: hooks.signal }) };
  } catch (error) {
    if (!(error instanceof DataStormError)) throw error;
    return hooks.signal?.aborted ? {} : { failure: error };
  }
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
function stepRunner(settings: {
  log: (line: string) => void; signal?: AbortSignal; onStepStart?: CapacityHooks['onStepStart']; runStep: (request: StepRequest) => Promise<StepMeasure>;
  recover: () => Promise<number>;
}): SearchRunner {
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
    recover: settings.recover,
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
  run: { startedAt: string; cluster: CapacityResult['cluster']; vs?: KneeReference; partial: boolean },
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
    ...(run.vs ? { vs: run.vs } : {}),
    partial: run.partial,
  };
}
