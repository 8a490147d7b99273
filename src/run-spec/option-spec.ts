import { Option, type Command } from 'commander';
import { DataStormError } from '../shared/errors.js';

/** One option of a command, defined once: flag, help, default and parser. */
export interface OptionSpec {
  flags: string;
  description: string;
  defaultValue?: unknown;
  /** How the default reads in --help when it is computed. */
  defaultDescription?: string;
  parse?: (value: string, previous: unknown) => unknown;
}

/**
 * The commander option of a spec. A command may give it a default of its own ([value, how --help shows it])
 * or make it mandatory.
 */
export function commanderOption(spec: OptionSpec, settings: { defaults?: [unknown, string?]; required?: boolean } = {}): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.parse) option.argParser(spec.parse);
  const [value, description] = settings.defaults ?? [spec.defaultValue, spec.defaultDescription];
  if (value !== undefined || description !== undefined) option.default(value, description);
  if (settings.required) option.makeOptionMandatory();
  return option;
}

/** The long flag of a spec: `--num-records` of '--num-records <n>'. */
export function longFlag(spec: OptionSpec): string {
  return spec.flags.split(/[ ,]/)[0];
}

/** A spec whose flag takes a value (`<n>`), not a switch. */
export function takesValue(spec: OptionSpec): boolean {
  return spec.flags.includes('<');
}

/** A spec whose flag takes several values (`<prop=value...>`). */
export function isVariadic(spec: OptionSpec): boolean {
  return spec.flags.includes('...>');
}

/** A flag the user typed and a property (of --producer-props or a config file) that set one thing differently. */
export function conflictingOptions(flag: string, flagValue: string, key: string, value: string): DataStormError {
  return new DataStormError('DS_BAD_OPTION', `${flag} ${flagValue} and ${key}=${value} disagree`, {
    hint: 'give the setting once, as a flag or as a property',
  });
}

/** Adds a table's options to a command, those named in `required` mandatory. */
export function addOptionTable(command: Command, table: Record<string, OptionSpec>, required: string[] = []): Command {
  for (const [key, spec] of Object.entries(table)) command.addOption(commanderOption(spec, { required: required.includes(key) }));
  return command;
}

/** A value of an option as code gives it (the library's way in): text as typed on a command line, a number or a switch. */
export type OptionValue = string | number | boolean | Array<string | number>;

/**
 * A command's flags from an object of option values, keyed by the table's names (the camelCase of the flags):
 * each value parsed by its option's parser and the rest defaulted, as commander does for a command line, so code
 * and command line get the same checks, errors and defaults. A name the table lacks is an error, not ignored. The
 * flags are keyed as commander keys them (`producer.config` for --producer.config); `typed` takes those keys.
 */
export function flagsOfValues(command: string, table: Record<string, OptionSpec>, values: Record<string, OptionValue | undefined>):
{ flags: Record<string, unknown>; typed: (key: string) => boolean } {
  const unknown = Object.keys(values).filter((key) => !(key in table));
  if (unknown.length > 0) {
    throw new DataStormError('DS_BAD_OPTION', `${command} has no option ${unknown.join(', ')}`, { hint: `its options: ${Object.keys(table).join(', ')}` });
  }
  const flags: Record<string, unknown> = {};
  const given = new Set<string>();
  for (const [key, spec] of Object.entries(table)) {
    const option = new Option(spec.flags);
    const attribute = option.attributeName();
    const value = values[key];
    // A switch and its negation (--idempotent, --no-idempotent) share an attribute: one left out keeps the other's value.
    if (value === undefined && attribute in flags) continue;
    if (value !== undefined) given.add(attribute);
    flags[attribute] = value === undefined ? spec.defaultValue : option.negate ? !parsedValue(spec, value) : parsedValue(spec, value);
  }
  return { flags, typed: (key) => given.has(key) };
}

function parsedValue(spec: OptionSpec, given: OptionValue): unknown {
  if (!takesValue(spec)) {
    if (typeof given !== 'boolean') throw new DataStormError('DS_BAD_OPTION', `${longFlag(spec)} is a switch: give true or false, not ${JSON.stringify(given)}`);
    return given;
  }
  if (typeof given === 'boolean' || (Array.isArray(given) && !isVariadic(spec))) {
    throw new DataStormError('DS_BAD_OPTION', `${longFlag(spec)} takes a value (${spec.flags}), not ${JSON.stringify(given)}`);
  }
  const texts = (Array.isArray(given) ? given : [given]).map(String);
  let value: unknown = isVariadic(spec) ? undefined : spec.defaultValue;
  for (const text of texts) {
    try {
      value = spec.parse ? spec.parse(text, value) : isVariadic(spec) ? [...((value as string[] | undefined) ?? []), text] : text;
    } catch (error) {
      if (error instanceof DataStormError) throw error;
      // Commander's words for a value its parser refused, so that code and command line read alike.
      throw new DataStormError('DS_BAD_OPTION', `option '${spec.flags}' argument '${text}' is invalid. ${(error as Error).message}`);
    }
  }
  return value;
}
