import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { CapacitySpec } from '../capacity/capacity-spec.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { CAPACITY_OPTIONS, toCapacitySpec, type CapacityFlags } from '../run-spec/capacity-options.js';
import { PRODUCE_OPTIONS, defaultProduceFlags, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { longFlag, type OptionSpec } from '../run-spec/option-spec.js';

/**
 * A workload file: what load to put on the cluster, in `datastorm produce`'s own flag names (record-size: 100,
 * duration: 30s), kept apart from the client settings under `producer:`, which are Kafka producer properties
 * passed through as --producer-props (the same ones Kafka's Java tool gets with --vs java). A `capacity:` block,
 * in `datastorm capacity`'s flag names (slo: p99<=50ms, budget: 10m), makes it a capacity search with those
 * settings instead of one run. Any other key is an error, so a typo never runs a different benchmark than the one
 * written down.
 */
export interface Workload {
  name: string;
  description?: string;
  file?: string;
  config: RunConfig;
  /** The search a `capacity:` block asks for: the highest rate that meets its SLO, each step with `config`'s settings. */
  capacity?: CapacitySpec;
}

/** The produce options that describe a load; client settings (batch, linger, acks, ...) go under `producer:`. */
const WORKLOAD_OPTIONS = [
  'topic', 'partitions', 'replication', 'recordSize', 'payloadFile', 'payloadDelimiter', 'schema', 'throughput',
  'numRecords', 'duration', 'workers', 'compression', 'warmupRecords', 'keys', 'zipfExponent', 'throughputProfile', 'reportingInterval', 'driver',
  'transactionDurationMs', 'abortRate', 'header', 'headers', 'headerSize', 'topics', 'topicCount', 'keyDistribution', 'messageKeyRange',
  'batchEncoding', 'verify',
] as const satisfies ReadonlyArray<keyof ProduceFlags>;
type WorkloadOption = (typeof WORKLOAD_OPTIONS)[number];

/** Keys naming a file, read relative to the workload file's folder. */
const PATH_OPTIONS: ReadonlySet<WorkloadOption> = new Set(['payloadFile', 'schema']);
/** Left to the machine by `produce` (workers = CPU cores); a benchmark must fix them to compare like with like. */
const REQUIRED: ReadonlyArray<WorkloadOption> = ['workers'];

/** The capacity options a `capacity:` block takes: the search's own, each step's produce settings being the workload's. */
const CAPACITY_WORKLOAD_OPTIONS = ['slo', 'precision', 'budget', 'confirm', 'step', 'stepWarmup', 'warm', 'probe', 'ramp', 'target', 'settle'] as const satisfies
  ReadonlyArray<keyof typeof CAPACITY_OPTIONS>;

/** `--num-records <n>` -> `num-records` */
const keyOf = (spec: OptionSpec) => longFlag(spec).replace(/^--/, '');
const WORKLOAD_KEYS = new Map(WORKLOAD_OPTIONS.map((option) => [keyOf(PRODUCE_OPTIONS[option]), option]));
const CAPACITY_KEYS = new Map(CAPACITY_WORKLOAD_OPTIONS.map((option) => [keyOf(CAPACITY_OPTIONS[option]), option]));
const OTHER_KEYS = ['name', 'description', 'producer'];
const PRODUCER_PREFIX = 'producer.';
const CAPACITY_PREFIX = 'capacity.';

export const WORKLOAD_KEY_NAMES: readonly string[] = [...OTHER_KEYS, ...WORKLOAD_KEYS.keys(), 'capacity'];
export const CAPACITY_KEY_NAMES: readonly string[] = [...CAPACITY_KEYS.keys()];

function workloadError(source: string, message: string, hint?: string): DataStormError {
  return new DataStormError('DS_BAD_WORKLOAD', `${source}: ${message}`, {
    hint: hint ?? `workload keys: ${WORKLOAD_KEY_NAMES.join(', ')}; client settings go under producer: as Kafka properties`,
  });
}

function scalar(source: string, key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw workloadError(source, `${key} must be a single value, not ${JSON.stringify(value)}`);
}

/** The single values of a mapping key (`producer:`, `capacity:`), each as text; `what` says what it maps. */
function mappingOf(source: string, key: string, value: unknown, what: string): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw workloadError(source, `${key}: is a mapping of ${what}`);
  return new Map(Object.entries(value).map(([name, item]) => [name, scalar(source, `${key}.${name}`, item)]));
}

/** A key's value read by its option's own parser (`command`'s flag), its errors as the workload's. */
function parsedValue(where: string, key: string, command: string, spec: OptionSpec, text: string): unknown {
  try {
    return spec.parse ? spec.parse(text, undefined) : text;
  } catch (error) {
    if (error instanceof DataStormError) throw workloadError(where, `${key}: ${error.message}`, error.hint);
    if (error instanceof InvalidArgumentError) throw workloadError(where, `${key}: ${error.message}`, `the same values as ${command} ${longFlag(spec)}`);
    throw error;
  }
}

/**
 * The search a `capacity:` block asks for, checked as `capacity` checks its flags (`given`: the produce keys the
 * workload gave; those that set a step's rate and length are refused). Its keys are capacity's flags' names.
 */
function capacitySpecOf(
  source: string, block: Map<string, string>, overridden: ReadonlySet<string>, given: ReadonlySet<string>, config: Pick<RunConfig, 'producerProps'>,
): CapacitySpec {
  const defaults = Object.entries(CAPACITY_OPTIONS as Record<string, OptionSpec>).map(([option, spec]) => [option, spec.defaultValue]);
  const flags = Object.fromEntries(defaults) as CapacityFlags;
  for (const [key, text] of block) {
    const where = overridden.has(`${CAPACITY_PREFIX}${key}`) ? '--set' : source;
    const option = CAPACITY_KEYS.get(key);
    if (!option) throw workloadError(where, `unknown key "capacity.${key}"`, `capacity keys: ${CAPACITY_KEY_NAMES.join(', ')}`);
    (flags as unknown as Record<string, unknown>)[option] = parsedValue(where, `capacity.${key}`, 'capacity', CAPACITY_OPTIONS[option], text);
  }
  if (!flags.slo) throw workloadError(source, 'capacity: needs an slo', 'e.g. slo: p99<=50ms (terms joined by commas must all hold: p99<=50ms,p50<=10ms)');
  try {
    return toCapacitySpec(flags, (key) => given.has(key), config);
  } catch (error) {
    if (error instanceof DataStormError) throw workloadError(source, error.message, error.hint);
    throw error;
  }
}

/**
 * The run a workload describes. `overrides` are `--set key=value` pairs (a workload key, producer.<property> or
 * capacity.<key>), checked like the file's own keys.
 */
export function workloadFromObject(
  document: unknown, source: string, options: { baseDir?: string; overrides?: string[]; defaultName?: string } = {},
): Workload {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw workloadError(source, 'a workload is a YAML mapping of keys to values');
  }
  const entries = Object.entries(document as Record<string, unknown>);
  const mapping = (key: string, what: string) => {
    const found = entries.find(([k]) => k === key);
    return found ? mappingOf(source, key, found[1], what) : undefined;
  };
  const producer = mapping('producer', 'Kafka producer properties, e.g. batch.size: 65536') ?? new Map<string, string>();
  let capacity = mapping('capacity', `capacity's settings, e.g. slo: p99<=50ms (keys: ${CAPACITY_KEY_NAMES.join(', ')})`);
  const settings = new Map(entries.filter(([k]) => k !== 'producer' && k !== 'capacity'));
  const overridden = new Set<string>();
  for (const pair of options.overrides ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw workloadError('--set', `"${pair}" is not key=value`);
    const [key, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    if (key.startsWith(PRODUCER_PREFIX)) producer.set(key.slice(PRODUCER_PREFIX.length), value);
    else if (key.startsWith(CAPACITY_PREFIX)) (capacity ??= new Map()).set(key.slice(CAPACITY_PREFIX.length), value);
    else settings.set(key, value);
    overridden.add(key);
  }

  const flags: ProduceFlags = { ...defaultProduceFlags(), producerProps: [...producer].map(([k, v]) => `${k}=${v}`) };
  const given = new Set<keyof ProduceFlags>();
  for (const [key, value] of settings) {
    if (OTHER_KEYS.includes(key)) continue;
    const option = WORKLOAD_KEYS.get(key);
    const where = overridden.has(key) ? '--set' : source;
    if (key === 'capacity') throw workloadError(where, 'capacity is a block of keys', `set one as capacity.<key>=value (${CAPACITY_KEY_NAMES.join(', ')})`);
    if (!option) {
      const asFlag = key.includes('.') ||
        Object.values(PRODUCE_OPTIONS).some((spec) => longFlag(spec) === `--${key}`);
      throw workloadError(where, `unknown key "${key}"`, asFlag
        ? `${key} is a client setting: put it under producer: as a Kafka property (batch.size, linger.ms, acks, ...)`
        : undefined);
    }
    if (option === 'header') { // repeatable: one 'k=v' or a list of them
      flags.header = (Array.isArray(value) ? value : [value]).map((item) => scalar(where, key, item));
      given.add(option);
      continue;
    }
    const parsed = parsedValue(where, key, 'produce', PRODUCE_OPTIONS[option], scalar(where, key, value));
    (flags as unknown as Record<string, unknown>)[option] = PATH_OPTIONS.has(option) && options.baseDir
      ? resolve(options.baseDir, String(parsed)) : parsed;
    given.add(option);
  }
  for (const option of REQUIRED) {
    if (!given.has(option)) {
      throw workloadError(source, `${keyOf(PRODUCE_OPTIONS[option])} is required`, 'a benchmark fixes it rather than take the machine\'s default');
    }
  }
  // A search sets each step's length itself.
  if (!capacity && !given.has('numRecords') && !given.has('duration')) {
    throw workloadError(source, 'give num-records or duration', 'e.g. num-records: 500000, or duration: 30s');
  }
  const name = settings.has('name') ? scalar(source, 'name', settings.get('name')) : options.defaultName ?? 'workload';
  // A search's topic is its own (it deletes the topic it made, and its records as it goes).
  if (!given.has('topic')) flags.topic = capacity ? `datastorm-bench-${name}-${randomUUID().slice(0, 8)}` : `datastorm-bench-${name}`;
  let config: RunConfig;
  try {
    config = toProduceRun(flags, (key) => given.has(key)).config;
  } catch (error) {
    if (error instanceof DataStormError) throw workloadError(source, error.message, error.hint);
    throw error;
  }
  const spec = capacity ? capacitySpecOf(source, capacity, overridden, given, config) : undefined;
  const description = settings.has('description') ? scalar(source, 'description', settings.get('description')) : undefined;
  return { name, ...(description === undefined ? {} : { description }), config, ...(spec ? { capacity: spec } : {}) };
}

export function readWorkload(file: string, overrides: string[] = []): Workload {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataStormError('DS_BAD_WORKLOAD', `cannot read workload ${file}: ${(error as NodeJS.ErrnoException).code}`, {
      hint: 'the workloads that come with DataStorm are in benchmarks/workloads/',
    });
  }
  let document: unknown;
  try {
    document = parseYaml(text, { uniqueKeys: true });
  } catch (error) {
    if (error instanceof YAMLParseError) throw workloadError(file, error.message.split('\n')[0], 'fix the YAML syntax');
    throw error;
  }
  const workload = workloadFromObject(document, file, {
    baseDir: dirname(resolve(file)), overrides, defaultName: basename(file, extname(file)),
  });
  return { ...workload, file };
}
