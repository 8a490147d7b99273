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
