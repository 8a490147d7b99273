import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { shardConfig } from '../bench/shard.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import {
  ANALYSIS_OWNED_OPTIONS, flagOf, isVariadic, keyOfFlagName, parseProduceValue, runConfigOf, takesValue,
  type ProduceArgs, type ProduceOptionKey,
} from './produce-args.js';
import type { PointSpec } from './run-analysis.js';

/**
 * An evolution stage (benchmarks/evolution/v0.yaml ...): `datastorm produce` options under their flag names
 * (num-records: 2000, serialize-on-send: true), a description, and `processes` for a load split over
 * several processes. Any other key is an error: a typo must never run a different stage than the one written.
 */
export interface Stage {
  name: string;
  description: string;
  file: string;
  /** Processes that share the stage's records and workers (src/bench/shard.ts), run at the same time. */
  processes: number;
  /** num-records is the count at --scale 1. */
  args: ProduceArgs;
}

const STAGE_KEYS = ['name', 'description', 'processes'];
/** Set by the evolution command itself, or not a count-based stage. */
const NOT_IN_STAGES: ReadonlySet<ProduceOptionKey> = new Set([...ANALYSIS_OWNED_OPTIONS, 'duration']);
const REQUIRED: ProduceOptionKey[] = ['numRecords', 'workers'];

function stageError(source: string, message: string, hint?: string): DataStormError {
  return new DataStormError('DS_BAD_STAGE', `${source}: ${message}`, {
    hint: hint ?? `stage keys: ${STAGE_KEYS.join(', ')} and datastorm produce's flag names (num-records, workers, batch, ...)`,
  });
}

function scalarText(source: string, key: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw stageError(source, `${key} takes one value, not ${JSON.stringify(value)}`);
}

/** The option's value as a command line has it; checked with produce's own parser. */
function optionValue(source: string, name: string, key: ProduceOptionKey, value: unknown): true | string[] | undefined {
  if (!takesValue(key)) {
    if (typeof value !== 'boolean') throw stageError(source, `${name} is a flag: true or false, not ${JSON.stringify(value)}`);
    return value ? true : undefined;
  }
  const texts = isVariadic(key) && Array.isArray(value)
    ? value.map((item) => scalarText(source, name, item)) : [scalarText(source, name, value)];
  try {
    if (!isVariadic(key)) parseProduceValue(key, texts[0]);
  } catch (error) {
    if (error instanceof InvalidArgumentError || error instanceof DataStormError) throw stageError(source, error.message);
    throw error;
  }
  return texts;
}

/** The run the stage describes, by produce's own rules. */
function runConfigOfStage(source: string, args: ProduceArgs): RunConfig {
  try {
    return runConfigOf(args);
  } catch (error) {
    if (error instanceof DataStormError) throw stageError(source, error.message, error.hint);
    throw error;
  }
}

export function stageFromObject(document: unknown, source: string, defaultName: string): Stage {
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw stageError(source, 'a stage is a mapping of keys to values');
  }
  const entries = Object.entries(document as Record<string, unknown>);
  const args: ProduceArgs = {};
  for (const [name, value] of entries) {
    if (STAGE_KEYS.includes(name)) continue;
    const key = keyOfFlagName(name);
    if (!key) throw stageError(source, `unknown key "${name}"`);
    if (NOT_IN_STAGES.has(key)) {
      throw stageError(source, `${name} cannot be set in a stage`, 'the evolution command gives every stage its own topic and cluster; stages run counts, not durations');
    }
    const text = optionValue(source, name, key, value);
    if (text !== undefined) args[key] = text;
  }
  for (const key of REQUIRED) {
    if (!args[key]) throw stageError(source, `${flagOf(key).slice(2)} is required`, 'a stage fixes its count and workers rather than take the machine\'s defaults');
  }
  const settings = new Map(entries);
  const description = settings.get('description');
  if (typeof description !== 'string' || description.trim() === '') throw stageError(source, 'description is required: say what the stage is');
  const processes = settings.has('processes') ? Number(settings.get('processes')) : 1;
  const workers = runConfigOfStage(source, args).workers;
  if (!Number.isInteger(processes) || processes < 1 || processes > workers) {
    throw stageError(source, `processes takes a whole number from 1 to the stage's workers (${workers}), not ${JSON.stringify(settings.get('processes'))}`,
      'workers are the total over all processes');
  }
  const name = settings.has('name') ? scalarText(source, 'name', settings.get('name')) : defaultName;
  return { name, description: description.trim(), file: source, processes, args };
}

/** Every stage file of a folder (.yaml, .yml, .json), in the order of their names (v0, v1, ... v10). */
export function readStages(dir: string): Stage[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => /\.(ya?ml|json)$/.test(file));
  } catch (error) {
    throw new DataStormError('DS_BAD_STAGE', `cannot read the stage folder ${dir}: ${(error as NodeJS.ErrnoException).code}`, {
      hint: 'the stages that come with DataStorm are in benchmarks/evolution/',
    });
  }
  if (files.length === 0) throw new DataStormError('DS_BAD_STAGE', `${dir} holds no stage files (.yaml, .yml, .json)`);
  files.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const stages = files.map((file) => {
    const path = join(dir, file);
    let document: unknown;
    try {
      document = parseYaml(readFileSync(path, 'utf8'), { uniqueKeys: true });
    } catch (error) {
      if (error instanceof YAMLParseError) throw stageError(path, error.message.split('\n')[0], 'fix the YAML syntax');
      throw error;
    }
    return stageFromObject(document, path, basename(file, extname(file)));
  });
  const names = stages.map((stage) => stage.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw new DataStormError('DS_BAD_STAGE', `two stage files in ${dir} are named ${repeated}`);
  return stages;
}

/** Fewer records than this make a stage's figure mostly start-up and connection time, not throughput. */
export const MIN_STAGE_RECORDS = 100;

/** A --scale that leaves some stage under MIN_STAGE_RECORDS is refused before any stage runs, naming the least scale. */
export function checkScale(stages: Stage[], scale: number): void {
  const counts = stages.map((stage) => ({ name: stage.name, records: runConfigOf(stage.args).numRecords! }));
  const short = counts.filter(({ records }) => records >= MIN_STAGE_RECORDS && Math.round(records * scale) < MIN_STAGE_RECORDS);
  if (short.length === 0) return;
  const least = Math.max(...short.map(({ records }) => MIN_STAGE_RECORDS / records));
  throw new DataStormError('DS_BAD_OPTION',
    `--scale ${scale} leaves stage ${short[0].name} ${Math.round(short[0].records * scale)} of its ${short[0].records} records, under the ${MIN_STAGE_RECORDS} a stage needs to measure anything`,
    { hint: `use --scale ${Number(least.toPrecision(2))} or more` });
}

/** A stage's count at a scale: never fewer records than workers, so every worker sends. */
export function scaledRecords(records: number, scale: number, workers: number): number {
  return Math.max(Math.round(records * scale), workers);
}

/** How often a stage's run reports its rate, unless its file says: often enough to see where its start-up ends. */
export const STAGE_REPORTING_INTERVAL_MS = 500;

/** The stage as a point to run: its options at the scale, split into its processes' exact shares. */
export function stagePointSpec(stage: Stage, scale: number): PointSpec {
  const base = runConfigOf(stage.args);
  const args: ProduceArgs = {
    ...stage.args, numRecords: [String(scaledRecords(base.numRecords!, scale, base.workers))],
    reportingInterval: stage.args.reportingInterval ?? [String(STAGE_REPORTING_INTERVAL_MS)],
  };
  const config = runConfigOf(args);
  const processes = Array.from({ length: stage.processes }, (_, i): ProduceArgs => {
    if (stage.processes === 1) return args;
    const shard = shardConfig(config, { index: i + 1, count: stage.processes });
    return {
      ...args,
      numRecords: [String(shard.numRecords)],
      workers: [String(shard.workers)],
      ...(config.throughputRps > 0 ? { throughput: [String(shard.throughputRps)] } : {}),
      ...(config.warmupRecords > 0 ? { warmupRecords: [String(shard.warmupRecords)] } : {}),
      sharedTopic: true,
    };
  });
  return { label: stage.name, processes, config };
}
