import { Option } from 'commander';

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
