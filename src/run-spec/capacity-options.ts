import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from 'commander';
import type { ProduceRun } from '../produce/run-config.js';
import { CAPACITY_TARGETS, type CapacitySpec, type CapacityTarget } from '../capacity/capacity-spec.js';
import { minimumBudgetMs } from '../capacity/capacity-search.js';
import { STEP_WINDOW_MS } from '../capacity/capacity-step.js';
import { parseSlo, type Slo } from '../capacity/slo.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { longFlag, type OptionSpec } from './option-spec.js';
import { PRODUCE_OPTIONS, type ProduceOptionKey } from './produce-options.js';
import { parseChoice, parseDurationMs } from './parse.js';

/** 5% or 0.05: a share above 0 and below 1. */
function parsePrecision(value: string): number {
  const share = value.endsWith('%') ? Number(value.slice(0, -1)) / 100 : Number(value);
  if (!Number.isFinite(share) || share <= 0 || share >= 1) throw new InvalidArgumentError(`--precision takes a share such as 5% or 0.05, not "${value}"`);
  return share;
}

const duration = (flag: string, minMs = 1) => (value: string) => parseDurationMs(flag, value, minMs);

/** `capacity`'s own options; every produce option applies besides them, but those that set a step's rate and length. */
export const CAPACITY_OPTIONS = {
  slo: { flags: '--slo <objective>', description: 'the latency every accepted rate must meet, from each record\'s intended send time (--target e2e: from its creation to its read): terms like p99<=50ms, p99.9<=200ms, p50<=5ms, avg<=10ms, joined by commas (all must hold)',
    parse: (value: string) => parseSlo(value) },
  precision: { flags: '--precision <share>', description: 'stop when the lowest rate that missed is within this share above the highest that met', defaultValue: 0.05,
    defaultDescription: '5%', parse: parsePrecision },
  budget: { flags: '--budget <time>', description: 'the whole search, confirmation included, ends within this', defaultValue: 600_000, defaultDescription: '10m',
    parse: duration('--budget') },
  confirm: { flags: '--confirm <time>', description: 'the run at the knee that must meet the SLO (after a warm-up), and the run at 1.25x the knee that must miss it', defaultValue: 60_000, defaultDescription: '60s',
    parse: duration('--confirm') },
  step: { flags: '--step <time>', description: 'a search step, warm-up included (lengthened at low rates until its steady part holds 100 records beyond the SLO\'s highest percentile); the confirmations, a minute each, decide the knee below the steps\' answer',
    defaultValue: 15_000, defaultDescription: '15s', parse: duration('--step') },
  stepWarmup: { flags: '--step-warmup <time>', description: 'the start of each step left out of its figures (connections, leaders, JIT)', defaultValue: 5_000,
    defaultDescription: '5s', parse: duration('--step-warmup') },
  warm: { flags: '--warm <time>', description: 'an unlimited run before the probe, not judged, that warms the brokers and the client (a fresh cluster acknowledges at half its rate in its first seconds: JIT, connections, page cache); 0 skips it',
    defaultValue: 20_000, defaultDescription: '20s', parse: duration('--warm', 0) },
  probe: { flags: '--probe <time>', description: 'the unlimited run the ramp is sized from', defaultValue: 10_000, defaultDescription: '10s', parse: duration('--probe') },
  ramp: { flags: '--ramp <time>', description: 'the ramp from 30% to 120% of the probe\'s rate that finds the ceiling (the highest rate whose backlog stays bounded)',
    defaultValue: 30_000, defaultDescription: '30s', parse: duration('--ramp') },
  target: { flags: '--target <where>', description: 'produce: latency from intended send time to the ack; e2e: from the record\'s creation to a consumer group\'s read (--workers consumers, in µs), with e2e\'s paced producer', defaultValue: 'produce',
    parse: parseChoice('--target', CAPACITY_TARGETS) },
  settle: { flags: '--settle <time>', description: 'on the local cluster, wait up to this long (default 2m) before the search while the brokers delete earlier runs\' data and the kernel flushes written pages (either moves p99 by hundreds of ms); 0 does not wait. A cluster given by --bootstrap-server cannot be watched: --settle is refused with it',
    parse: duration('--settle', 0) },
  keepTopic: { flags: '--keep-topic', description: 'keep the topic after the search when the search created it (deleted otherwise); either way the records of a topic the search created are deleted as each step is counted (steps write gigabytes)', defaultValue: false },
} satisfies Record<string, OptionSpec>;

export interface CapacityFlags {
  slo?: Slo;
  precision: number;
  budget: number;
  confirm: number;
  step: number;
  stepWarmup: number;
  warm: number;
  probe: number;
  ramp: number;
  target: CapacityTarget;
  keepTopic: boolean;
  /** Absent: SETTLE_DEFAULT_MS on the local cluster. */
  settle?: number;
}

/** How long a search waits at most for the local cluster to settle, unless --settle says otherwise. */
export const SETTLE_DEFAULT_MS = 120_000;

/** A step's figures come from whole windows after its warm-up (the last one cut by its end): it needs two windows' time. */
const MIN_MEASURED_MS = 2 * STEP_WINDOW_MS;

/** What each kind of step has to measure in, past its warm-up: each must hold MIN_MEASURED_MS. */
function checkMeasuredParts(spec: CapacitySpec): void {
  const s = (ms: number) => `${ms / 1000}s`;
  const parts: Array<[string, number]> = [
    [`--step ${s(spec.stepMs)} less --step-warmup ${s(spec.warmupMs)}`, spec.stepMs - spec.warmupMs],
    [`--confirm ${s(spec.confirmMs)}`, spec.confirmMs],
    [`--probe ${s(spec.probeMs)} less its warm-up (--step-warmup, at most half of it)`, spec.probeMs - Math.min(spec.warmupMs, spec.probeMs / 2)],
    [`--ramp ${s(spec.rampMs)}`, spec.rampMs],
  ];
  const short = parts.find(([, ms]) => ms < MIN_MEASURED_MS);
  if (short) {
    throw new DataStormError('DS_BAD_OPTION', `${short[0]} leaves ${s(short[1])} to measure: a step needs at least ${s(MIN_MEASURED_MS)}`, {
      hint: 'lengthen it: a step is measured in whole 1 s windows after its warm-up',
    });
  }
}

/** Produce options capacity sets itself, step by step: giving one is an error, not silently replaced. */
export const STEP_SET_OPTIONS: ProduceOptionKey[] = ['numRecords', 'duration', 'throughput', 'throughputProfile', 'warmupRecords', 'reportingInterval', 'fault', 'startAt', 'sharedTopic'];

/**
 * The produce settings of every step: the user's, on a topic of the search's own unless --topic was given (the
 * search deletes the topic it created, so two searches must not share one).
 */
export function capacityRun(run: ProduceRun, typed: (key: ProduceOptionKey) => boolean): ProduceRun {
  if (typed('topic') || typed('topics') || typed('topicCount')) return run;
  return { ...run, config: { ...run.config, topic: `datastorm-capacity-${randomUUID().slice(0, 8)}` } };
}

/**
 * Produce options the e2e target's steps honour: they produce with e2e's paced producer (kafkajs, acks all, idempotent;
 * values of --record-size bytes) and read with --workers consumers of a group through --driver; and the connection's.
 */
const E2E_TARGET_SETTINGS: ProduceOptionKey[] = ['topic', 'driver', 'recordSize', 'workers', 'compression', 'partitions', 'replication'];
const CONNECTION_OPTIONS: ProduceOptionKey[] = ['bootstrapServer', 'producerProps', 'producerConfig', 'commandProperty', 'commandConfig'];
/** Producer properties the e2e target's steps honour (the security ones aside, which every client takes). */
const E2E_TARGET_PROPS = ['bootstrap.servers', 'compression.type', 'client.id'];

/** What --target e2e cannot honour, refused: a setting its producer does not have is not silently dropped. */
function checkEndToEndTarget(typed: (key: ProduceOptionKey) => boolean, config: Pick<RunConfig, 'producerProps'>): void {
  const honoured = [...E2E_TARGET_SETTINGS, ...CONNECTION_OPTIONS];
  const unused = (Object.keys(PRODUCE_OPTIONS) as ProduceOptionKey[]).filter((key) => typed(key) && !honoured.includes(key));
  const props = Object.keys(config.producerProps).filter((key) => !E2E_TARGET_PROPS.includes(key));
  if (unused.length > 0 || props.length > 0) {
    const named = [...unused.map((key) => longFlag(PRODUCE_OPTIONS[key])), ...props];
    throw new DataStormError('DS_BAD_OPTION', `--target e2e produces with e2e's paced producer (kafkajs, acks all, idempotent): ${named.join(', ')} cannot be given`, {
      hint: `its steps take ${E2E_TARGET_SETTINGS.map((key) => longFlag(PRODUCE_OPTIONS[key])).join(', ')}, and the connection's options`,
    });
  }
}

/**
 * The search asked for; `typed`: whether the user gave a produce option (those capacity sets are refused, and with
 * --target e2e those its steps do not honour); `config`: the produce run those options made.
 */
export function toCapacitySpec(flags: CapacityFlags, typed: (key: ProduceOptionKey) => boolean, config: Pick<RunConfig, 'producerProps'>): CapacitySpec {
  if (!flags.slo) throw new DataStormError('DS_BAD_OPTION', 'capacity needs --slo', { hint: 'e.g. --slo \'p99<=50ms\'' });
  const set = STEP_SET_OPTIONS.filter((key) => typed(key));
  if (set.length > 0) {
    throw new DataStormError('DS_BAD_OPTION', `capacity sets each step's rate and length itself: ${set.map((key) => longFlag(PRODUCE_OPTIONS[key])).join(', ')} cannot be given`, {
      hint: 'bound the search with --budget, --step, --confirm',
    });
  }
  if (flags.target === 'e2e') checkEndToEndTarget(typed, config);
  // Only the local cluster's log folders and page cache can be watched: a wait on another cluster would be a silent no-op.
  if (flags.settle !== undefined && typed('bootstrapServer')) {
    throw new DataStormError('DS_BAD_OPTION', '--settle waits for the local cluster\'s disks, which --bootstrap-server\'s cluster does not share with this machine', {
      hint: 'leave --settle out with --bootstrap-server',
    });
  }
  if (flags.stepWarmup * 2 > flags.step) {
    throw new DataStormError('DS_BAD_OPTION', `--step-warmup ${flags.stepWarmup / 1000}s leaves less than half of --step ${flags.step / 1000}s to measure`);
  }
  const spec: CapacitySpec = {
    slo: flags.slo, precision: flags.precision, budgetMs: flags.budget, confirmMs: flags.confirm, stepMs: flags.step, warmupMs: flags.stepWarmup,
    warmMs: flags.warm, probeMs: flags.probe, rampMs: flags.ramp, target: flags.target, keepTopic: flags.keepTopic, settleMs: flags.settle ?? SETTLE_DEFAULT_MS,
  };
  checkMeasuredParts(spec);
  const needed = minimumBudgetMs(spec);
  if (spec.budgetMs < needed) {
    throw new DataStormError('DS_BAD_OPTION', `--budget ${spec.budgetMs / 1000}s is shorter than the warm-up run, probe, ramp, three steps, the confirmation and the run above it take (${Math.ceil(needed / 1000)}s)`, {
      hint: 'raise --budget or shorten --step, --confirm, --warm, --probe, --ramp',
    });
  }
  return spec;
}
