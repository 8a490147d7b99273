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

/** Java's SimpleDateFormat("yyyy-MM-dd HH:mm:ss:SSS"), in the local time zone as the JVM uses. */
export function formatKafkaDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1, 2)}-${pad(d.getDate(), 2)} ` +
    `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}:${pad(d.getMilliseconds(), 3)}`;
}
