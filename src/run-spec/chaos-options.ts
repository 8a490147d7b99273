import { CHAOS_MODES, CHAOS_SCENARIOS, type ChaosSpec } from '../chaos/chaos-matrix.js';
import type { ProduceRun } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { longFlag, type OptionSpec } from './option-spec.js';
import { parseChoiceList, parseDurationMs, parseIntegerOption } from './parse.js';
import { PRODUCE_OPTIONS, type ProduceOptionKey } from './produce-options.js';

const duration = (flag: string) => (value: string) => parseDurationMs(flag, value);

/** `chaos`'s own options; the produce options apply to every cell besides them, but those a cell sets itself. */
export const CHAOS_OPTIONS = {
  scenarios: { flags: '--scenarios <list>', description: `the faults, one a row: ${CHAOS_SCENARIOS.join(', ')} (joined by commas)`,
    defaultValue: [...CHAOS_SCENARIOS], defaultDescription: 'all six', parse: parseChoiceList('--scenarios', CHAOS_SCENARIOS) },
  modes: { flags: '--modes <list>', description: 'the producers, each scenario run with each: acks1 (acks=1, idempotence off), idempotent (acks=all, idempotent: ' +
    'Kafka\'s default), transactions (a transaction a second, one in ten aborted; read back read_committed)',
  defaultValue: [...CHAOS_MODES], defaultDescription: 'all three', parse: parseChoiceList('--modes', CHAOS_MODES) },
  faultAt: { flags: '--fault-at <time>', description: 'when each cell\'s fault happens, since its run\'s start', defaultValue: 5_000, defaultDescription: '5s',
    parse: duration('--fault-at') },
  faultFor: { flags: '--fault-for <time>', description: 'how long pause-node and partition-node last, and kill-node\'s node stays down before it is started again',
    defaultValue: 10_000, defaultDescription: '10s', parse: duration('--fault-for') },
  node: { flags: '--node <id>', description: 'the node kill-node, pause-node and partition-node act on', defaultValue: 2, parse: parseIntegerOption('--node', 1) },
  keepTopics: { flags: '--keep-topics', description: 'keep each cell\'s topic (deleted once the cell is read back and judged, otherwise)', defaultValue: false },
} satisfies Record<string, OptionSpec>;

export interface ChaosFlags {
  scenarios: ChaosSpec['scenarios'];
  modes: ChaosSpec['modes'];
  faultAt: number;
  faultFor: number;
  node: number;
  keepTopics: boolean;
}

/** A cell's run when --duration and --throughput are not given. */
export const CHAOS_CELL_MS = 30_000;
export const CHAOS_RATE_RPS = 20_000;

/**
 * Produce options a cell sets itself (its mode's acks, idempotence and transactions; its fault; --verify; its
 * length), or that cannot hold in every cell: giving one is an error, not silently replaced.
 */
const CELL_SET_OPTIONS: ProduceOptionKey[] = [
  'acks', 'idempotent', 'noIdempotent', 'transactionalId', 'abortRate', 'fault', 'verify', 'numRecords', 'throughputProfile', 'startAt',
  'sharedTopic', 'topics', 'topicCount', 'bootstrapServer', 'schemaRegistry', 'subjectStrategy', 'noAutoRegister', 'schemaChange',
];
const CELL_SET_PROPS = ['acks', 'enable.idempotence', 'transactional.id', 'bootstrap.servers'];

/**
 * The matrix asked for, and every cell's produce settings: the user's, on topics named after --topic (default
 * datastorm-chaos), 30 s at 20,000 records/s unless --duration and --throughput say otherwise.
 */
export function toChaosRun(flags: ChaosFlags, run: ProduceRun, typed: (key: string) => boolean): { run: ProduceRun; spec: ChaosSpec } {
  const set = CELL_SET_OPTIONS.filter((key) => typed(key));
  const props = Object.keys(run.config.producerProps).filter((key) => CELL_SET_PROPS.includes(key));
  if (set.length > 0 || props.length > 0) {
    throw new DataStormError('DS_BAD_OPTION', `chaos sets each cell's producer, fault, length and cluster itself: ${[...set.map((key) => longFlag(PRODUCE_OPTIONS[key])), ...props].join(', ')} cannot be given`, {
      hint: 'choose the producers with --modes, the faults with --scenarios, --fault-at and --fault-for, each cell\'s length with --duration; chaos runs on the local cluster only',
    });
  }
  const config = {
    ...run.config,
    topic: typed('topic') ? run.config.topic : 'datastorm-chaos',
    durationMs: run.config.durationMs ?? CHAOS_CELL_MS,
    throughputRps: typed('throughput') ? run.config.throughputRps : CHAOS_RATE_RPS,
  };
  const timing = { faultAtMs: flags.faultAt, faultForMs: flags.faultFor, durationMs: config.durationMs, node: flags.node, partition: 0 };
  // The fault is healed, and the rate can come back, before the run ends: 5 s of it at least.
  const healedBy = timing.faultAtMs + timing.faultForMs;
  if (healedBy + RECOVERY_ROOM_MS > timing.durationMs) {
    throw new DataStormError('DS_BAD_OPTION', `--fault-at ${timing.faultAtMs / 1000}s and --fault-for ${timing.faultForMs / 1000}s leave ` +
      `${Math.max(0, (timing.durationMs - healedBy) / 1000)} s of a ${timing.durationMs / 1000} s cell to recover in: it needs ${RECOVERY_ROOM_MS / 1000} s at least`, {
      hint: 'lengthen each cell with --duration, or shorten --fault-for',
    });
  }
  return { run: { ...run, config }, spec: { scenarios: flags.scenarios, modes: flags.modes, timing, keepTopics: flags.keepTopics } };
}

/** What a cell keeps after its fault is healed, for the rate to come back and be seen to. */
const RECOVERY_ROOM_MS = 5_000;
