import * as hdr from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/**
 * Latency histograms, in microseconds. Workers record into their own and ship them encoded (compressed
 * base64); the main thread decodes and adds them, which is exact: adding HDR histograms loses nothing that
 * recording every value into one histogram would have kept.
 */
const LOWEST_US = 1;
/** One hour: a latency above it is a hung run, not a figure. */
const HIGHEST_US = 3_600_000_000;
const SIGNIFICANT_DIGITS = 3;

export type { Histogram };

export function createHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: LOWEST_US,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    // Plain 32-bit counts: recording into a packed array was ~10% of a worker's CPU.
    bitBucketSize: 32,
    useWebAssembly: false,
  });
}

/** Records a latency (`count` times), clamped into the trackable range so a clock step can never throw in a hot loop. */
export function recordLatencyUs(histogram: Histogram, latencyUs: number, count = 1): void {
  histogram.recordValueWithCount(Math.min(Math.max(Math.round(latencyUs), LOWEST_US), HIGHEST_US), count);
}

export function encodeHistogram(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32, false);
}

/** One histogram holding every value of the given ones (encoded or decoded); the inputs are left as they are. */
export function mergeHistograms(histograms: Array<Histogram | string>): Histogram {
  const merged = createHistogram();
  for (const h of histograms) merged.add(typeof h === 'string' ? decodeHistogram(h) : h);
  return merged;
}

export interface LatencySummaryUs {
  count: number;
  minUs: number;
  meanUs: number;
  maxUs: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
}

export function summarizeLatency(histogram: Histogram): LatencySummaryUs {
  const count = histogram.totalCount;
  const at = (percentile: number) => (count === 0 ? 0 : histogram.getValueAtPercentile(percentile));
  return {
    count,
    minUs: count === 0 ? 0 : histogram.minNonZeroValue,
    meanUs: count === 0 ? 0 : histogram.mean,
    // The top of the max's bucket (within 0.1%): the exact max does not survive encoding or adding.
    maxUs: at(100),
    p50Us: at(50),
    p95Us: at(95),
    p99Us: at(99),
    p999Us: at(99.9),
    p9999Us: at(99.99),
  };
}

/** The percentile distribution as (percentile, value) points, for charts and the JSON result. */
export function percentileCurve(histogram: Histogram): Array<{ percentile: number; valueUs: number }> {
  const points = [0, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99, 99.999, 100];
  return histogram.totalCount === 0 ? [] : points.map((percentile) => ({
    percentile,
    valueUs: histogram.getValueAtPercentile(percentile),
  }));
}
