/**
 * Zipf's law over a pool of keys, for skewed keyed loads: the key of rank k (0-based) carries the weight
 * 1 / (k + 1)^exponent. Record i takes the key at the law's inverse at the i-th point of the golden-ratio
 * sequence, which spreads points evenly over (0, 1): any stretch of records follows the law closely, not only
 * on average, so a run's partition spread can be checked against the formula (keyShares).
 */

/** 1/φ: successive multiples, modulo 1, never cluster (the golden-ratio, or Weyl, sequence). */
const GOLDEN_STEP = (Math.sqrt(5) - 1) / 2;

/** Each key's share of the records under the law, in rank order; they add up to 1. */
export function zipfShares(count: number, exponent: number): number[] {
  const weights = Array.from({ length: count }, (_, rank) => 1 / (rank + 1) ** exponent);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  return weights.map((weight) => weight / total);
}

/** The law's cumulative shares, for drawing keys from (zipfKeyAt). */
export function zipfCumulative(count: number, exponent: number): Float64Array {
  const shares = zipfShares(count, exponent);
  const cumulative = new Float64Array(count);
  let sum = 0;
  for (let rank = 0; rank < count; rank++) cumulative[rank] = sum += shares[rank];
  cumulative[count - 1] = 1;
  return cumulative;
}

/** The key rank of record `index`: the first rank whose cumulative share passes the sequence's point. */
export function zipfKeyAt(cumulative: Float64Array, index: number): number {
  const point = (index * GOLDEN_STEP) % 1;
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (cumulative[middle] > point) high = middle;
    else low = middle + 1;
  }
  return low;
}
