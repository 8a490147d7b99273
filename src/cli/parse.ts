import { InvalidArgumentError } from 'commander';

/** A commander argParser for a whole number within [min, max]. */
export function parseIntegerOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`${flag} takes a whole number from ${min} to ${max}, not "${value}"`);
    }
    return parsed;
  };
}
