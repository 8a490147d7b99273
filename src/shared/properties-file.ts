import { readFileSync } from 'node:fs';
import { DataStormError } from './errors.js';

/**
 * Lines of a Java properties file (--producer.config, --consumer.config, --command-config) as `key=value`:
 * comments and blank lines dropped, `key: value` and `key value` read as Java reads them, and a line ending
 * in a backslash continued on the next.
 */
export function readPropertiesFile(file: string, flag: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new DataStormError('DS_BAD_CLIENT_CONFIG', `cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code}`);
  }
  return propertyLines(text);
}

export function propertyLines(text: string): string[] {
  const joined = text.replace(/\r\n/g, '\n').replace(/\\\n[ \t]*/g, '');
  return joined.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => {
      const separator = /\s*[=:]\s*|\s+/.exec(line);
      return separator && separator.index > 0 ? `${line.slice(0, separator.index)}=${line.slice(separator.index + separator[0].length)}` : line;
    });
}

/** `key=value` split at its first `=`; the message names only the key, never the value (it may be a secret). */
export function splitProperty(line: string, what: string): [string, string] {
  const eq = line.indexOf('=');
  if (eq <= 0) throw new DataStormError('DS_BAD_CLIENT_CONFIG', `${what} "${line.split(/[\s:]/)[0]}" is not key=value`);
  return [line.slice(0, eq).trim(), line.slice(eq + 1).trim()];
}
