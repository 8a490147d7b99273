/**
 * Axis arithmetic for the charts: nice ticks (1/2/5 steps), short number labels (12K, 1.5M) and the mapping
 * of a value to its place along an axis. Pure functions of numbers: no SVG here.
 */

/** An axis: its ticks, their labels, and where a value falls between the first tick (0) and the last (1). */
export interface Scale {
  ticks: number[];
  labels: string[];
  fraction(value: number): number;
}

const SUFFIXES: Array<[number, string]> = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'K']];

/** Drops the float noise of step arithmetic (3 * 0.1 = 0.30000000000000004). */
function clean(value: number): number {
  return Number(value.toPrecision(12));
}

function trimZeros(digits: string): string {
  return digits.includes('.') && !digits.includes('e') ? digits.replace(/\.?0+$/, '') : digits;
}

/** A short label: 3 significant digits by default and a K/M/G/T suffix from a thousand up (1500 → "1.5K"). */
export function formatNumber(value: number, significantDigits = 3): string {
  if (!Number.isFinite(value)) return 'n/a';
  if (value === 0) return '0';
  // Round first, so 999_999 becomes "1M" and not "1000K".
  const rounded = Number(value.toPrecision(significantDigits));
  const magnitude = Math.abs(rounded);
  for (const [size, suffix] of SUFFIXES) {
    if (magnitude >= size) return trimZeros((rounded / size).toPrecision(significantDigits)) + suffix;
  }
  return trimZeros(rounded.toPrecision(significantDigits));
}

/** Labels for a row of ticks: 3 significant digits, more when fewer would print two ticks alike. */
export function tickLabels(ticks: number[]): string[] {
  for (let digits = 3; digits < 15; digits++) {
    const labels = ticks.map((tick) => formatNumber(tick, digits));
    if (new Set(labels).size === labels.length) return labels;
  }
  return ticks.map((tick) => formatNumber(tick, 15));
}

/**
 * Ticks at a 1, 2 or 5 × 10^k step, about `count` intervals, from a multiple of the step at or below `min`
 * to one at or above `max` (the step nearest span/count, the way d3 picks it).
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  let low = Math.min(min, max);
  let high = Math.max(min, max);
  if (low === high) {
    const pad = low === 0 ? 1 : Math.abs(low) / 10;
    low -= low === 0 ? 0 : pad;
    high += pad;
  }
  const rough = (high - low) / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const error = rough / power;
  const step = power * (error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1);
  let first = Math.floor(clean(low / step));
  let last = Math.ceil(clean(high / step));
  // Rounding can land an end tick just inside the values when the step is tiny next to them.
  if (clean(first * step) > low) first -= 1;
  if (clean(last * step) < high) last += 1;
  return Array.from({ length: last - first + 1 }, (_, i) => clean((first + i) * step));
}

/** Up to three decades apart, 1-2-5 ticks (ten or eleven) fill the axis better than powers of ten. */
const MAX_FINE_LOG_SPAN = 1000;

/** Up to 1, 2, 4 ... 64: a sweep of workers or partitions reads best with its own values as ticks. */
const MAX_BINARY_SPAN = 64;

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && Number.isInteger(Math.log2(value));
}

/**
 * Ticks for a log axis over positive values: powers of two when both ends are powers of two at most 64×
 * apart (1, 2, 4, 8, 16 workers); otherwise 1, 2 and 5 × 10^k when the values span three decades or less,
 * powers of ten beyond (every second or third one past eight decades). The first tick is at or below
 * `min`, the last at or above `max`.
 */
export function logTicks(min: number, max: number): number[] {
  const low = Math.min(min, max);
  const high = Math.max(min, max);
  if (isPowerOfTwo(low) && isPowerOfTwo(high) && high > low && high / low <= MAX_BINARY_SPAN) {
    return Array.from({ length: Math.log2(high / low) + 1 }, (_, i) => low * 2 ** i);
  }
  let lowDecade = Math.floor(Math.log10(low));
  let highDecade = Math.ceil(Math.log10(high));
  // log10 is off by an ulp for some powers of ten; the bounds must hold for the values themselves.
  if (10 ** lowDecade > low) lowDecade -= 1;
  if (10 ** highDecade < high) highDecade += 1;
  if (highDecade === lowDecade) highDecade += 1;
  if (high / low <= MAX_FINE_LOG_SPAN) {
    const candidates: number[] = [];
    for (let decade = lowDecade; decade <= highDecade; decade++) {
      for (const multiple of [1, 2, 5]) candidates.push(clean(multiple * 10 ** decade));
    }
    const first = candidates.filter((tick) => tick <= low).length - 1;
    // At least two ticks, so that a single value still has an axis around it.
    const last = Math.max(candidates.findIndex((tick) => tick >= high), first + 1);
    return candidates.slice(first, last + 1);
  }
  const decades = highDecade - lowDecade;
  const step = Math.ceil(decades / 8);
  const ticks: number[] = [];
  for (let decade = lowDecade; decade < highDecade + step; decade += step) ticks.push(clean(10 ** decade));
  return ticks;
}

export function linearScale(min: number, max: number): Scale {
  const ticks = niceTicks(min, max);
  const low = ticks[0];
  const high = ticks[ticks.length - 1];
  return { ticks, labels: tickLabels(ticks), fraction: (value) => (value - low) / (high - low) };
}

/** A log10 axis; every value given to it must be positive. */
export function logScale(min: number, max: number): Scale {
  const ticks = logTicks(min, max);
  const low = Math.log10(ticks[0]);
  const high = Math.log10(ticks[ticks.length - 1]);
  return { ticks, labels: tickLabels(ticks), fraction: (value) => (Math.log10(value) - low) / (high - low) };
}

/** The highest percentile the percentile axis shows: the max (100%) is drawn at this edge. */
export const TOP_PERCENTILE = 99.999;

/**
 * HdrHistogram's percentile axis: log10 of 1/(1-p), so 90%, 99%, 99.9%... are evenly spaced, from 0% to
 * 99.999%. Percentiles above that, the max included, sit at the right edge.
 */
export function percentileScale(): Scale {
  const ticks = [0, 90, 99, 99.9, 99.99, TOP_PERCENTILE];
  const span = Math.log10(1 / (1 - TOP_PERCENTILE / 100));
  return {
    ticks,
    labels: ticks.map((percentile) => `${percentile}%`),
    fraction: (percentile) => {
      const p = Math.min(Math.max(percentile, 0), TOP_PERCENTILE) / 100;
      return Math.min(Math.log10(1 / (1 - p)) / span, 1);
    },
  };
}

/**
 * An axis of categories in order (runs of a history): a tick at each, labelled with it, each in the middle of an
 * equal slot, so the first and last points keep half a slot from the axis's ends.
 */
export function categoryScale(labels: string[]): Scale {
  const ticks = labels.map((_, index) => index);
  return { ticks, labels, fraction: (index) => (index + 0.5) / labels.length };
}
