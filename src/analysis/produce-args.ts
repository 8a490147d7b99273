import { InvalidArgumentError, Option } from 'commander';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { PRODUCE_OPTIONS, defaultProduceFlags, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { isVariadic as specIsVariadic, longFlag, takesValue as specTakesValue } from '../run-spec/option-spec.js';

/**
 * Produce options as the user wrote them (text, not parsed values), from the command line or a stage file: each
 * measured point runs the RunConfig built from them (runConfigOf), and the report prints them as the
 * `datastorm produce` command that repeats the point (produceArgv). Values are checked with the produce option
 * table's own parsers before anything runs.
 */
export type ProduceOptionKey = keyof typeof PRODUCE_OPTIONS;

/** `true` for a flag without a value (--serialize-on-send); otherwise its values as written. */
export type ProduceOptionValue = true | string[];

/** Insertion-ordered: a command line lists its options in the order they were given. */
export type ProduceArgs = Partial<Record<ProduceOptionKey, ProduceOptionValue>>;

/** Options an analysis command sets itself on every point it runs. */
export const ANALYSIS_OWNED_OPTIONS = ['topic', 'bootstrapServer'] as const satisfies readonly ProduceOptionKey[];

/** Options whose values may hold commas, so a comma never separates several values of them. */
const NO_LISTS: ReadonlySet<ProduceOptionKey> = new Set(['topic', 'bootstrapServer', 'producerProps', 'commandProperty', 'payloadDelimiter']);

const specOf = (key: ProduceOptionKey) => PRODUCE_OPTIONS[key];

/** `--num-records` */
export function flagOf(key: ProduceOptionKey): string {
  return longFlag(specOf(key));
}

export function takesValue(key: ProduceOptionKey): boolean {
  return specTakesValue(specOf(key));
}

export function isVariadic(key: ProduceOptionKey): boolean {
  return specIsVariadic(specOf(key));
}

export function allowsList(key: ProduceOptionKey): boolean {
  return takesValue(key) && !isVariadic(key) && !NO_LISTS.has(key);
}

/** The option key of a flag name as stage files write it: `num-records` -> `numRecords`. */
export function keyOfFlagName(name: string): ProduceOptionKey | undefined {
  return (Object.keys(PRODUCE_OPTIONS) as ProduceOptionKey[]).find((key) => flagOf(key) === `--${name}`);
}

/** One value checked with the produce option's parser; the parser's message names the flag. */
export function parseProduceValue(key: ProduceOptionKey, text: string): unknown {
  const parse = specOf(key).parse;
  return parse ? parse(text, undefined) : text;
}

/** `1,2,4` -> ['1', '2', '4'], each checked; an option that takes no list keeps its text whole. */
export function splitValues(key: ProduceOptionKey, text: string): string[] {
  const values = allowsList(key) ? text.split(',').map((value) => value.trim()) : [text];
  if (values.some((value) => value === '')) throw new InvalidArgumentError(`${flagOf(key)} has an empty value in "${text}"`);
  for (const value of values) parseProduceValue(key, value);
  return values;
}

/** The option's property name in ProduceFlags, as commander names it (`--producer.config` -> `producer.config`). */
function flagsPropertyOf(key: ProduceOptionKey): keyof ProduceFlags {
  return new Option(specOf(key).flags).attributeName() as keyof ProduceFlags;
}

/** The options given, in order. */
export function entriesOf(args: ProduceArgs): Array<[ProduceOptionKey, ProduceOptionValue]> {
  return (Object.entries(args) as Array<[ProduceOptionKey, ProduceOptionValue | undefined]>)
    .filter((entry): entry is [ProduceOptionKey, ProduceOptionValue] => entry[1] !== undefined);
}

/** The argv of `datastorm produce` for these options (without the program and command names): how a report shows a point. */
export function produceArgv(args: ProduceArgs): string[] {
  return entriesOf(args).flatMap(([key, value]) => {
    const flag = flagOf(key);
    return value === true ? [flag] : [flag, ...value];
  });
}

/** Options with one value each; throws naming the first that has several. */
export function checkSingleValued(args: ProduceArgs, why: string): void {
  for (const [key, value] of entriesOf(args)) {
    if (value !== true && value.length > 1 && !isVariadic(key)) {
      throw new DataStormError('DS_BAD_OPTION', `${flagOf(key)} has several values (${value.join(',')}): ${why}`, {
        hint: 'datastorm sweep varies one option over several values',
      });
    }
  }
}

/**
 * The RunConfig `datastorm produce` would build from these options: produce's defaults under them, and its
 * cross-option rules, so a point that produce would refuse fails here, before the first point runs.
 */
export function runConfigOf(args: ProduceArgs): RunConfig {
  const flags = defaultProduceFlags() as unknown as Record<string, unknown>;
  const given = new Set<string>();
  for (const [key, value] of entriesOf(args)) {
    const property = flagsPropertyOf(key);
    given.add(property);
    if (value === true) flags[property] = true;
    else if (isVariadic(key)) flags[property] = value;
    else flags[property] = parseProduceValue(key, value[0]);
  }
  const { config } = toProduceRun(flags as unknown as ProduceFlags, (property) => given.has(property));
  // A point's process runs the engine with values made without a registry: refused here, before the first point.
  if (config.schemaRegistry) {
    throw new DataStormError('DS_BAD_OPTION', '--schema-registry is taken by produce (and consume); compare, sweep and evolution run without it', {
      hint: 'leave out --schema-registry',
    });
  }
  return config;
}
