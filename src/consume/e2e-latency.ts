import type { FetchedRecord } from '../drivers/consumer-driver.js';
import { createHistogram, encodeHistogram, mergeHistograms, recordLatencyUs, type Histogram } from '../shared/histograms.js';

/** An e2e latency histogram of one window: its index on the shared clock (window n: read in [n·W, (n+1)·W) ms since the epoch). */
export interface LatencyWindow {
  window: number;
  /** Encoded HDR histogram, µs. */
  histogram: string;
}

/** What a consumer's latencies come to, as its outcome carries them. */
export interface LatencyOutcome {
  /** Encoded HDR histogram of every latency, µs. */
  latencyHistogram: string;
  /** Records timed from the creation-time header (µs); the others from CreateTime (ms). */
  headerTimedRecords: number;
  /** With a window length: the histogram of each window that read a record, in window order. */
  latencyWindows?: LatencyWindow[];
}

/**
 * A consumer's produce→consume latencies: from the record's creation-time header where the producer shares this
 * process's clock (µs), else from its CreateTime (whole ms, on the wall clock); with `windowMs`, also per window of
 * the shared clock in which the records were read, so that the main thread can add the consumers' windows exactly.
 */
export class LatencyRecorder {
  /** One histogram without windows (key 0), else one per window read in. */
  private readonly histograms = new Map<number, Histogram>();
  private headerTimed = 0;

  constructor(private readonly windowMs?: number) {}

  /**
   * Records records [from, to) of a batch read at once: `receivedUs` on the shared clock (src/shared/clock.ts),
   * `receivedMs` on the wall clock CreateTime is stamped on.
   */
  recordBatch(records: ReadonlyArray<Pick<FetchedRecord, 'timestamp' | 'createdUs'>>, from: number, to: number, receivedUs: number, receivedMs: number): void {
    if (from >= to) return;
    const key = this.windowMs === undefined ? 0 : Math.floor(receivedUs / (this.windowMs * 1000));
    let histogram = this.histograms.get(key);
    if (!histogram) this.histograms.set(key, histogram = createHistogram());
    for (let i = from; i < to; i += 1) {
      const { createdUs, timestamp } = records[i];
      if (createdUs === undefined) {
        recordLatencyUs(histogram, (receivedMs - timestamp) * 1000);
      } else {
        recordLatencyUs(histogram, receivedUs - createdUs);
        this.headerTimed += 1;
      }
    }
  }

  outcome(): LatencyOutcome {
    const keys = [...this.histograms.keys()].sort((a, b) => a - b);
    const histograms = keys.map((key) => this.histograms.get(key)!);
    return {
      latencyHistogram: encodeHistogram(mergeHistograms(histograms)),
      headerTimedRecords: this.headerTimed,
      ...(this.windowMs === undefined ? {} : { latencyWindows: keys.map((window, i) => ({ window, histogram: encodeHistogram(histograms[i]) })) }),
    };
  }
}

/** The resolution of `timed` latencies of which `headerTimed` came from the creation-time header: 1 µs if all did, else CreateTime's 1 ms. */
export const latencyResolutionMs = (headerTimed: number, timed: number): number => (timed > 0 && headerTimed === timed ? 0.001 : 1);
