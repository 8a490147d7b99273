/**
 * What the share consumers of one run (one per worker thread) and the main thread share, in SharedArrayBuffers:
 * - the run's flags: stop, and the records claimed for settling (accept or reject), so that the group settles
 *   exactly --num-records records: a consumer claims each record before it accepts or rejects it, and releases
 *   it instead once the claims reach the limit;
 * - per consumer, its figures (written by it alone, read by the main thread for progress and the report);
 * - a ledger of the records on the topic when the run began, per offset: how often each was delivered, released,
 *   accepted and rejected (as the broker confirmed), so that the run can say every record was delivered at least
 *   once and settled once, whichever consumer got it.
 */
const STOP = 0;
const CLAIMED = 1;
const FLAG_SLOTS = 2;

/** Delivery counts the histogram tells apart: 1 .. DELIVERY_BUCKETS - 1, then that many or more. */
export const DELIVERY_BUCKETS = 6;

export const SHARE_FIGURES = ['acquired', 'acquiredBytes', 'redelivered', 'accepted', 'released', 'rejected', 'ackFailed', 'gaps'] as const;
export type ShareFigure = (typeof SHARE_FIGURES)[number];
const WORKER_SLOTS = SHARE_FIGURES.length + DELIVERY_BUCKETS;

/** The ledger's planes, one byte per record each. */
const PLANES = ['deliveries', 'released', 'accepted', 'rejected'] as const;
type Plane = (typeof PLANES)[number];

/** Most records the ledger covers (4 bytes each); a run on a larger topic goes without the per-record checks. */
export const LEDGER_MAX_RECORDS = 64 * 1024 * 1024;

export interface ShareCountersLayout {
  workers: number;
  /** Settle exactly this many records. */
  recordLimit: number;
  /** Per partition: the first offset the ledger covers, and how many offsets from it (none when the ledger is off). */
  ledgerStarts: number[];
  ledgerLengths: number[];
}

/** A worker's figures, and its delivery-count histogram (index i: delivered i + 1 times; the last: that many or more). */
export type ShareWorkerFigures = Record<ShareFigure, number> & { deliveryCounts: number[] };

/** What the ledger says at the end of a run. */
export interface LedgerSummary {
  /** Records the ledger covers: the topic's records past the group's start when the run began. */
  records: number;
  deliveredAtLeastOnce: number;
  acceptedOnce: number;
  rejectedOnce: number;
  /** Records accepted or rejected more than once (must be 0: the broker settles a record once). */
  settledTwice: number;
  /** Deliveries that ended neither settled nor released: their lock expired (a consumer gone) or their acknowledgement was refused. */
  lockTimeouts: number;
  /** Deliveries after a record's first. */
  redeliveries: number;
  releases: number;
}

export class ShareCounters {
  private readonly flags: Int32Array;
  private readonly figures: Float64Array;
  private readonly planes: Record<Plane, Uint8Array>;
  private readonly bases: number[];

  private constructor(readonly buffers: { flags: SharedArrayBuffer; figures: SharedArrayBuffer; ledger: SharedArrayBuffer }, readonly layout: ShareCountersLayout) {
    this.flags = new Int32Array(buffers.flags);
    this.figures = new Float64Array(buffers.figures);
    const size = layout.ledgerLengths.reduce((sum, length) => sum + length, 0);
    this.planes = Object.fromEntries(PLANES.map((plane, i) => [plane, new Uint8Array(buffers.ledger, i * size, size)])) as Record<Plane, Uint8Array>;
    this.bases = layout.ledgerLengths.map((_, p) => layout.ledgerLengths.slice(0, p).reduce((sum, length) => sum + length, 0));
  }

  static create(layout: ShareCountersLayout): ShareCounters {
    const size = layout.ledgerLengths.reduce((sum, length) => sum + length, 0);
    return new ShareCounters({
      flags: new SharedArrayBuffer(FLAG_SLOTS * Int32Array.BYTES_PER_ELEMENT),
      figures: new SharedArrayBuffer(WORKER_SLOTS * layout.workers * Float64Array.BYTES_PER_ELEMENT),
      ledger: new SharedArrayBuffer(PLANES.length * size),
    }, layout);
  }

  /** The same counters seen from another thread. */
  static attach(buffers: ShareCounters['buffers'], layout: ShareCountersLayout): ShareCounters {
    return new ShareCounters(buffers, layout);
  }

  stop(): void {
    Atomics.store(this.flags, STOP, 1);
  }

  stopped(): boolean {
    return Atomics.load(this.flags, STOP) === 1;
  }

  /** Claims `count` records for settling; returns how many of them are within the limit (the rest are to be released). Stops at the limit. */
  claim(count: number): number {
    const before = Atomics.add(this.flags, CLAIMED, count);
    const granted = Math.max(0, Math.min(count, this.layout.recordLimit - before));
    if (before + count >= this.layout.recordLimit) this.stop();
    return granted;
  }

  /** Gives back claims whose settling the broker refused (their records come back to be settled again). */
  unclaim(count: number): void {
    Atomics.sub(this.flags, CLAIMED, count);
  }

  add(workerId: number, figure: ShareFigure, amount: number): void {
    this.figures[workerId * WORKER_SLOTS + SHARE_FIGURES.indexOf(figure)] += amount;
  }

  /** A delivery of delivery count `count` in the worker's histogram. */
  addDelivery(workerId: number, count: number, records: number): void {
    this.figures[workerId * WORKER_SLOTS + SHARE_FIGURES.length + Math.min(count, DELIVERY_BUCKETS) - 1] += records;
  }

  worker(workerId: number): ShareWorkerFigures {
    const at = workerId * WORKER_SLOTS;
    const figures = Object.fromEntries(SHARE_FIGURES.map((figure, i) => [figure, this.figures[at + i]])) as Record<ShareFigure, number>;
    return { ...figures, deliveryCounts: Array.from(this.figures.subarray(at + SHARE_FIGURES.length, at + WORKER_SLOTS)) };
  }

  total(figure: ShareFigure): number {
    let sum = 0;
    for (let w = 0; w < this.layout.workers; w++) sum += this.figures[w * WORKER_SLOTS + SHARE_FIGURES.indexOf(figure)];
    return sum;
  }

  /** Marks offsets first..last of a partition in a ledger plane (offsets outside the ledger are not checked). */
  mark(plane: Plane, partition: number, first: number, last: number): void {
    const start = this.layout.ledgerStarts[partition];
    const from = Math.max(first, start);
    const to = Math.min(last, start + this.layout.ledgerLengths[partition] - 1);
    const bytes = this.planes[plane];
    for (let offset = from, i = this.bases[partition] + from - start; offset <= to; offset++, i++) Atomics.add(bytes, i, 1);
  }

  ledgerSummary(): LedgerSummary {
    const { deliveries, released, accepted, rejected } = this.planes;
    const summary: LedgerSummary = {
      records: deliveries.length, deliveredAtLeastOnce: 0, acceptedOnce: 0, rejectedOnce: 0, settledTwice: 0, lockTimeouts: 0, redeliveries: 0, releases: 0,
    };
    for (let i = 0; i < deliveries.length; i++) {
      const delivered = deliveries[i];
      const settled = accepted[i] + rejected[i];
      if (delivered > 0) summary.deliveredAtLeastOnce++;
      if (settled > 1) summary.settledTwice++;
      else if (accepted[i] === 1) summary.acceptedOnce++;
      else if (rejected[i] === 1) summary.rejectedOnce++;
      summary.redeliveries += Math.max(0, delivered - 1);
      summary.releases += released[i];
      summary.lockTimeouts += Math.max(0, delivered - released[i] - settled);
    }
    return summary;
  }
}
