/**
 * The header DataStorm's end-to-end producer stamps each record with: when the record was created, in µs on the
 * process's clock (src/shared/clock.ts), as decimal digits. A consumer in the same process (its worker threads
 * included) subtracts it from its own reading of that clock: latency in µs, where the record's CreateTime, whole
 * milliseconds, gives 1 ms.
 */
export const CREATED_US_HEADER = 'ds-created-us';

/** The header's value for a creation time in µs. */
export const createdUsValue = (us: number): string => String(Math.round(us));

/**
 * The creation time a header's value says, in µs (the first value, if the header repeats); undefined without one, or
 * for a value that is not one (another producer's header of that name).
 */
export function createdUsOf(value: Buffer | string | ReadonlyArray<Buffer | string> | undefined): number | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  const text = typeof first === 'string' ? first : first.toString('latin1');
  if (!/^\d{1,17}$/.test(text)) return undefined;
  return Number(text);
}
