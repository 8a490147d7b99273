import { createRequire } from 'node:module';
import type { Histogram } from 'hdr-histogram-js';

/**
 * hdr-histogram-js 3.0.1's JavaScript histograms and their V2 compressed encoding, without its index: that also
 * loads the WebAssembly build, log readers and writers, which cost a process about 10 MB of resident memory and
 * 20 ms to load and are never used here.
 */
const require = createRequire(import.meta.url);
const { default: Int32Histogram } = require('hdr-histogram-js/dist/Int32Histogram') as {
  default: new (lowest: number, highest: number, digits: number) => Histogram & { autoResize: boolean };
};
const { JsHistogram } = require('hdr-histogram-js/dist/JsHistogram') as {
  JsHistogram: { decode(data: Uint8Array, bitBucketSize: number): Histogram };
};
// Installs JsHistogram.decode and JsHistogram#encodeIntoCompressedBase64; decompress undoes the latter's deflate.
const { decompress } = require('hdr-histogram-js/dist/JsHistogram.encoding') as { decompress(data: Uint8Array): Uint8Array };

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
  // Plain 32-bit counts: recording into a packed array was ~10% of a worker's CPU. autoResize as the library's builder sets it.
  const histogram = new Int32Histogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS);
  histogram.autoResize = true;
  return histogram;
}

/** Records a latency (`count` times), clamped into the trackable range so a clock step can never throw in a hot loop. */
export function recordLatencyUs(histogram: Histogram, latencyUs: number, count = 1): void {
  histogram.recordValueWithCount(Math.min(Math.max(Math.round(latencyUs), LOWEST_US), HIGHEST_US), count);
}

export function encodeHistogram(histogram: Histogram): string {
  return (histogram as Histogram & { encodeIntoCompressedBase64(): string }).encodeIntoCompressedBase64();
}

export function decodeHistogram(encoded: string): Histogram {
  return JsHistogram.decode(decompress(new Uint8Array(Buffer.from(encoded, 'base64'))), 32);
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
