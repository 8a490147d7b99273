/**
 * The size at which a worker closes its batches, fitted to how long its requests queue at the brokers.
 *
 * An unthrottled producer is a closed loop: it fills whatever memory it is given, and every record then waits
 * behind all of it, so latency measures the client's buffer, not the cluster (16 workers holding Kafka's 32 MB
 * default in 1 MB batches: p99 800 ms at the same throughput that 8 MB gives at 250 ms). So each worker, as TCP
 * Vegas does, takes the quickest round trip it has seen lately as the cluster's own time, reads anything beyond it
 * as queueing, and closes smaller batches while that queueing exceeds the target, larger ones while it does not.
 * The brokers' queue never runs dry (the target keeps some of it), so throughput stays at what they can take.
 */

/** Round trips older than this no longer set the quickest: the cluster's own time may have changed. */
const BASE_WINDOW_US = 5_000_000;
/**
 * The smallest batch limit: below it a request costs the brokers more than its records (16 workers at 64 KB
 * batches: 120-270K records/s, at 128 KB: 190-460K, same machine and load).
 */
export const MIN_ADAPTIVE_BATCH_BYTES = 128 * 1024;
/** A cut keeps this share of the limit. */
const CUT_FACTOR = 0.7;

export interface BatchLimitSettings {
  /** The plan's limit (batch.size or the worker's share of buffer.memory): the control never goes above it. */
  maxBytes: number;
  /** Queueing allowed beyond the quickest round trip, in µs; 0 turns the control off (batches close at maxBytes). */
  queueTargetUs: number;
}

export class BatchLimitControl {
  limitBytes: number;
  private readonly minBytes: number;
  /** Quickest round trip in the current and the previous window: the base is the smaller of the two. */
  private windowMinUs = Infinity;
  private previousMinUs = Infinity;
  private windowStartUs: number;
  private lastCutUs = -Infinity;
  /** Doubling until the first cut (a batch per acknowledgement), then growing by a sixteenth. */
  private startingUp = true;

  constructor(private readonly settings: BatchLimitSettings, nowUs: number) {
    this.minBytes = Math.min(MIN_ADAPTIVE_BATCH_BYTES, settings.maxBytes);
    this.limitBytes = settings.queueTargetUs > 0 ? this.minBytes : settings.maxBytes;
    this.windowStartUs = nowUs;
  }

  /** The quickest round trip of the last one to two windows. */
  get baseRttUs(): number {
    return Math.min(this.windowMinUs, this.previousMinUs);
  }

  /** A batch of sizeBytes was acknowledged rttUs after it was sent; returns the limit for the next batches. */
  acknowledged(sizeBytes: number, rttUs: number, nowUs: number): number {
    const { queueTargetUs, maxBytes } = this.settings;
    if (queueTargetUs <= 0) return this.limitBytes;
    if (nowUs - this.windowStartUs >= BASE_WINDOW_US) {
      this.previousMinUs = this.windowMinUs;
      this.windowMinUs = Infinity;
      this.windowStartUs = nowUs;
    }
    this.windowMinUs = Math.min(this.windowMinUs, rttUs);
    const queuedUs = rttUs - this.baseRttUs;
    if (queuedUs > queueTargetUs) {
      // Once per round trip: the batches already in flight were sized before this cut and will report the same queue.
      if (nowUs - this.lastCutUs >= rttUs) {
        this.limitBytes = Math.max(this.minBytes, Math.floor(this.limitBytes * CUT_FACTOR));
        this.lastCutUs = nowUs;
        this.startingUp = false;
      }
    } else if (2 * sizeBytes >= this.limitBytes) {
      // Only a batch that the limit closed says a larger one is wanted (one closed by linger says nothing).
      const growth = this.startingUp ? sizeBytes : Math.max(this.minBytes, this.limitBytes / 16);
      this.limitBytes = Math.min(maxBytes, Math.floor(this.limitBytes + growth));
    }
    return this.limitBytes;
  }
}
