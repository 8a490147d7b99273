/**
 * Numbers and dates printed the way Kafka's Java tools print them, so their output and ours compare
 * character for character.
 */

/**
 * Java's `String.format("%.<digits>f", value)`: the shortest decimal form of the double, rounded HALF_UP at
 * the last kept digit (JavaScript's toFixed rounds the binary value instead, so 0.15 gives 0.1 there and 0.2
 * in Java). Java spells the non-finite values NaN, Infinity and -Infinity.
 */
export function formatJavaFixed(value: number, digits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  // toExponential() without an argument gives the shortest digits that round-trip: "d.ddde±x".
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const significand = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  // The digits of value × 10^digits, as a whole number, before rounding.
  const keep = exponent + 1 + digits;
  let kept = keep <= 0 ? '0' : significand.padEnd(keep, '0').slice(0, keep);
  const next = keep < 0 ? 0 : Number(significand[keep] ?? '0');
  if (next >= 5) kept = (BigInt(kept) + 1n).toString();
  const padded = kept.padStart(digits + 1, '0');
  const whole = padded.slice(0, padded.length - digits);
  const fraction = padded.slice(padded.length - digits);
  return `${sign}${whole}${digits > 0 ? `.${fraction}` : ''}`;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** consumer-perf-test's default --date-format. */
export const KAFKA_DATE_FORMAT = 'yyyy-MM-dd HH:mm:ss:SSS';

/** The SimpleDateFormat letters DataStorm prints: year, month, day, hour (0-23), minute, second, millisecond. */
const DATE_FIELDS: Record<string, (d: Date) => number> = {
  y: (d) => d.getFullYear(), M: (d) => d.getMonth() + 1, d: (d) => d.getDate(), H: (d) => d.getHours(),
  m: (d) => d.getMinutes(), s: (d) => d.getSeconds(), S: (d) => d.getMilliseconds(),
};

/** A SimpleDateFormat pattern as parts: [letter, width] fields and literal text ('quoted' text as Java reads it). */
export type DatePattern = Array<[string, number] | string>;

/** Reads a SimpleDateFormat pattern; a letter DataStorm does not print (E, a, z, ...) is an error naming it. */
export function parseDatePattern(pattern: string): DatePattern {
  const parts: DatePattern = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i];
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) throw new RangeError(`unclosed quote in date format "${pattern}"`);
      parts.push(end === i + 1 ? "'" : pattern.slice(i + 1, end));
      i = end + 1;
    } else if (/[A-Za-z]/.test(c)) {
      if (!DATE_FIELDS[c]) throw new RangeError(`date format "${pattern}": the letter ${c} is not one of y M d H m s S`);
      let width = 1;
      while (pattern[i + width] === c) width++;
      if (c === 'M' && width >= 3) throw new RangeError(`date format "${pattern}": month names (MMM) are not printed, use MM`);
      parts.push([c, width]);
      i += width;
    } else {
      parts.push(c);
      i++;
    }
  }
  return parts;
}

const KAFKA_DATE = parseDatePattern(KAFKA_DATE_FORMAT);

/** Java's SimpleDateFormat of the pattern (consumer-perf-test's by default), in the local time zone as the JVM uses. */
export function formatKafkaDate(epochMs: number, pattern: DatePattern = KAFKA_DATE): string {
  const d = new Date(epochMs);
  return pattern.map((part) => {
    if (typeof part === 'string') return part;
    const [letter, width] = part;
    const value = DATE_FIELDS[letter](d);
    // Java prints a 2-letter year as its last two digits.
    return letter === 'y' && width === 2 ? pad(value % 100, 2) : pad(value, width);
  }).join('');
}
