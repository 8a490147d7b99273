import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { PRODUCE_OPTIONS, defaultProduceFlags, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { longFlag } from '../run-spec/option-spec.js';

/**
 * A workload file: what load to put on the cluster, in `datastorm produce`'s own flag names (record-size: 100,
 * duration: 30s), kept apart from the client settings under `producer:`, which are Kafka producer properties
 * passed through as --producer-props (the same ones Kafka's Java tool gets with --vs java). Any other key is an
 * error, so a typo never runs a different benchmark than the one written down.
 */
export interface Workload {
  name: string;
  description?: string;
  file?: string;
  config: RunConfig;
}

/** The produce options that describe a load; client settings (batch, linger, acks, ...) go under `producer:`. */
const WORKLOAD_OPTIONS = [
  'topic', 'partitions', 'replication', 'recordSize', 'payloadFile', 'payloadDelimiter', 'schema', 'throughput',
  'numRecords', 'duration', 'workers', 'compression', 'warmupRecords', 'keys', 'zipfExponent', 'throughputProfile', 'reportingInterval', 'driver',
  'transactionDurationMs', 'abortRate', 'header', 'headers', 'headerSize', 'topics', 'topicCount', 'keyDistribution', 'messageKeyRange',
  'batchEncoding',
] as const satisfies ReadonlyArray<keyof ProduceFlags>;
type WorkloadOption = (typeof WORKLOAD_OPTIONS)[number];

/** Keys naming a file, read relative to the workload file's folder. */
const PATH_OPTIONS: ReadonlySet<WorkloadOption> = new Set(['payloadFile', 'schema']);
/** Left to the machine by `produce` (workers = CPU cores); a benchmark must fix them to compare like with like. */
const REQUIRED: ReadonlyArray<WorkloadOption> = ['workers'];

/** `--num-records <n>` -> `num-records` */
const keyOf = (option: WorkloadOption) => longFlag(PRODUCE_OPTIONS[option]).replace(/^--/, '');
const WORKLOAD_KEYS = new Map(WORKLOAD_OPTIONS.map((option) => [keyOf(option), option]));
const OTHER_KEYS = ['name', 'description', 'producer'];
const PRODUCER_PREFIX = 'producer.';

export const WORKLOAD_KEY_NAMES: readonly string[] = [...OTHER_KEYS, ...WORKLOAD_KEYS.keys()];

function workloadError(source: string, message: string, hint?: string): DataStormError {
  return new DataStormError('DS_BAD_WORKLOAD', `${source}: ${message}`, {
    hint: hint ?? `workload keys: ${WORKLOAD_KEY_NAMES.join(', ')}; client settings go under producer: as Kafka properties`,
  });
}

function scalar(source: string, key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw workloadError(source, `${key} must be a single value, not ${JSON.stringify(value)}`);
}

/**
 * The run a workload describes. `overrides` are `--set key=value` pairs (a workload key, or producer.<property>),
 * checked like the file's own keys.
 */
export function workloadFromObject(
  document: unknown, source: string, options: { baseDir?: string; overrides?: string[]; defaultName?: string } = {},
): Workload {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw workloadError(source, 'a workload is a YAML mapping of keys to values');
  }
  const entries = Object.entries(document as Record<string, unknown>);
  const producer: Record<string, string> = {};
  for (const [key, value] of entries.filter(([k]) => k === 'producer')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw workloadError(source, 'producer: is a mapping of Kafka producer properties, e.g. batch.size: 65536');
    }
    for (const [prop, propValue] of Object.entries(value)) producer[prop] = scalar(source, `${key}.${prop}`, propValue);
  }
  const settings = new Map(entries.filter(([k]) => k !== 'producer'));
  const overridden = new Set<string>();
  for (const pair of options.overrides ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw workloadError('--set', `"${pair}" is not key=value`);
    const [key, value] = [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
    if (key.startsWith(PRODUCER_PREFIX)) producer[key.slice(PRODUCER_PREFIX.length)] = value;
    else settings.set(key, value);
    overridden.add(key);
  }

  const flags: ProduceFlags = { ...defaultProduceFlags(), producerProps: Object.entries(producer).map(([k, v]) => `${k}=${v}`) };
  const given = new Set<keyof ProduceFlags>();
  for (const [key, value] of settings) {
    if (OTHER_KEYS.includes(key)) continue;
    const option = WORKLOAD_KEYS.get(key);
    const where = overridden.has(key) ? '--set' : source;
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
    const text = scalar(where, key, value);
    const parse = PRODUCE_OPTIONS[option].parse;
    try {
      const parsed = parse ? parse(text, undefined) : text;
      (flags as unknown as Record<string, unknown>)[option] = PATH_OPTIONS.has(option) && options.baseDir
        ? resolve(options.baseDir, String(parsed)) : parsed;
    } catch (error) {
      if (error instanceof DataStormError) throw workloadError(where, `${key}: ${error.message}`, error.hint);
      if (error instanceof InvalidArgumentError) throw workloadError(where, `${key}: ${error.message}`, 'the same values as the produce flag');
      throw error;
    }
    given.add(option);
  }
  for (const option of REQUIRED) {
    if (!given.has(option)) throw workloadError(source, `${keyOf(option)} is required`, 'a benchmark fixes it rather than take the machine\'s default');
  }
  if (!given.has('numRecords') && !given.has('duration')) {
    throw workloadError(source, 'give num-records or duration', 'e.g. num-records: 500000, or duration: 30s');
  }
  const name = settings.has('name') ? scalar(source, 'name', settings.get('name')) : options.defaultName ?? 'workload';
  if (!given.has('topic')) flags.topic = `datastorm-bench-${name}`;
  let config: RunConfig;
  try {
    config = toProduceRun(flags, (key) => given.has(key)).config;
  } catch (error) {
    if (error instanceof DataStormError) throw workloadError(source, error.message, error.hint);
    throw error;
  }
  const description = settings.has('description') ? scalar(source, 'description', settings.get('description')) : undefined;
  return { name, ...(description === undefined ? {} : { description }), config };
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
