import type { RateProfile } from './rate-profile.js';

/**
 * The one rate schedule of every command that paces records (produce --throughput or --throughput-profile,
 * e2e): record i is due i / rate seconds after the start (under a profile: when the area under its line
 * reaches i), and the latency of a paced record is also measured from then (what coordinated omission hides).
 * Without a limit every record is due at once.
 */
export class Pacer {
  /** µs between two records at a constant rate; 0 without a limit or with a profile. */
  private readonly perRecordUs: number;
  private readonly profile: RateProfile | undefined;

  /** `rate`: records per second (≤ 0: no limit) or a profile; `total`: records in the whole schedule (Infinity: until stopped). */
  constructor(rate: number | RateProfile, private readonly total: number) {
    this.profile = typeof rate === 'number' ? undefined : rate;
    this.perRecordUs = typeof rate === 'number' && rate > 0 ? 1e6 / rate : 0;
  }

  get limited(): boolean {
    return this.perRecordUs > 0 || this.profile !== undefined;
  }

  /** Records due `elapsedUs` after the start (all of them without a limit). */
  dueBy(elapsedUs: number): number {
    if (!this.limited) return this.total;
    const due = this.profile ? this.profile.dueBy(elapsedUs / 1000) : elapsedUs / this.perRecordUs;
    return Math.min(this.total, Math.max(0, Math.floor(due) + 1));
  }

  /** When record `index` is due, in µs after the start. */
  dueAtUs(index: number): number {
    return this.profile ? this.profile.dueAtMs(index) * 1000 : index * this.perRecordUs;
  }
}
