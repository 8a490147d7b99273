import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  createHistogram, decodeHistogram, encodeHistogram, mergeHistograms, recordLatencyUs, summarizeLatency,
} from '../../src/shared/histograms.js';

/** A deterministic spread of latencies with a long tail (xorshift, so the test needs no fixtures). */
function latencies(seed: number, count: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    const u = (x >>> 0) / 2 ** 32;
    return Math.round(200 + 50_000 * u ** 6);
  });
}

describe('mergeHistograms', () => {
  it('gives the same counts and percentiles as one histogram of all values', () => {
    const parts = [latencies(1, 20_000), latencies(7, 5_000), latencies(99, 31_337), [1, 3_600_000_000]];
    const single = createHistogram();
    const perWorker = parts.map((values) => {
      const h = createHistogram();
      for (const v of values) {
        recordLatencyUs(h, v);
        recordLatencyUs(single, v);
      }
      return h;
    });
    // Workers ship their histograms encoded: merge what went over the wire.
    const merged = mergeHistograms(perWorker.map(encodeHistogram));
    expect(merged.totalCount).toBe(56_339);
    expect(summarizeLatency(merged)).toEqual(summarizeLatency(single));
    for (const p of [1, 10, 33.3, 50, 90, 99, 99.9, 99.99, 99.999]) {
      expect(merged.getValueAtPercentile(p)).toBe(single.getValueAtPercentile(p));
    }
  });

  it('leaves its inputs untouched and survives an encode/decode round trip', () => {
    const h = createHistogram();
    for (const v of latencies(3, 1000)) recordLatencyUs(h, v);
    const before = summarizeLatency(h);
    mergeHistograms([h, h]);
    expect(summarizeLatency(h)).toEqual(before);
    expect(summarizeLatency(decodeHistogram(encodeHistogram(h)))).toEqual(before);
    expect(summarizeLatency(mergeHistograms([h, h])).count).toBe(2000);
  });

  it('clamps values outside the trackable range instead of throwing', () => {
    const h = createHistogram();
    recordLatencyUs(h, -5);
    recordLatencyUs(h, 10 ** 12);
    expect(h.totalCount).toBe(2);
    expect(summarizeLatency(h).minUs).toBe(1);
  });

  it('summarizes an empty histogram as zeros', () => {
    expect(summarizeLatency(createHistogram())).toEqual({
      count: 0, minUs: 0, meanUs: 0, maxUs: 0, p50Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, p9999Us: 0,
    });
  });

  it('are the library\'s own histograms, encoded in its V2 compressed base64 (what saved results hold), decoded as it decodes', () => {
    const ours = createHistogram();
    const built = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 32, useWebAssembly: false });
    for (const us of [1, 250, 9_999, 123_456, 3_600_000_000]) {
      recordLatencyUs(ours, us, 3);
      built.recordValueWithCount(us, 3);
    }
    expect(ours.outputPercentileDistribution()).toBe(built.outputPercentileDistribution());
    const encoded = encodeHistogram(ours);
    expect(encoded).toBe(hdr.encodeIntoCompressedBase64(built));
    expect(decodeHistogram(encoded).outputPercentileDistribution()).toBe(hdr.decodeFromCompressedBase64(encoded, 32, false).outputPercentileDistribution());
    expect(decodeHistogram(encoded).totalCount).toBe(15);
  });
});
