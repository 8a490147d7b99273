/**
 * The one rate schedule of every command that paces records (produce --throughput, e2e): record i is due
 * i / rate seconds after the start, and the latency of a paced record is also measured from then (what
 * coordinated omission hides). Without a limit every record is due at once.
 */
export class Pacer {
  /** µs between two records; 0 without a limit. */
  readonly perRecordUs: number;

  /** `total`: records in the whole schedule (Infinity: until stopped). */
  constructor(ratePerSec: number, private readonly total: number) {
    this.perRecordUs = ratePerSec > 0 ? 1e6 / ratePerSec : 0;
  }

  get limited(): boolean {
    return this.perRecordUs > 0;
  }

  /** Records due `elapsedUs` after the start (all of them without a limit). */
  dueBy(elapsedUs: number): number {
    if (!this.limited) return this.total;
    return Math.min(this.total, Math.max(0, Math.floor(elapsedUs / this.perRecordUs) + 1));
  }

  /** When record `index` is due, in µs after the start. */
  dueAtUs(index: number): number {
    return index * this.perRecordUs;
  }
}
