/**
 * Counters that the consumers of one group (one per worker thread) and the main thread share, in one
 * SharedArrayBuffer. They make the count exact across threads and rebalances:
 * - a record is counted only if its offset is above the highest offset counted so far in its partition,
 *   and a consumer given a partition seeks past that offset, so a partition that moves between consumers
 *   is neither counted twice nor skipped;
 * - counted records are claimed from one total, so the group stops at exactly the record limit, where
 *   Kafka's tool counts to the end of its last poll.
 */
const STOP = 0;
const CLAIMED = 1;
/** Epoch ms at which the record limit was reached; 0 until then. */
const LIMIT_REACHED_AT = 2;
/** Workers done committing after the stop, so none leaves the group (a rebalance) while another commits. */
const COMMITTED_WORKERS = 3;
const HEADER_SLOTS = 4;
/** Per worker: records, their key + value bytes, rebalance ms, and offsets passed that were not records (markers). */
const WORKER_SLOT_KINDS = 4;

export interface CountersLayout {
  workers: number;
  partitions: number;
  /** Stop once this many records are counted; Number.MAX_SAFE_INTEGER for no limit. */
  recordLimit: number;
}

/** The leading part of a batch to skip (counted before) and how many records after it to count. */
export interface Claim {
  skip: number;
  count: number;
}

export class ConsumeCounters {
  readonly slots: BigInt64Array;

  private constructor(readonly buffer: SharedArrayBuffer, readonly layout: CountersLayout) {
    this.slots = new BigInt64Array(buffer);
  }

  /** New counters; startOffsets[p] is the first offset of partition p that may be counted. */
  static create(layout: CountersLayout, startOffsets: number[]): ConsumeCounters {
    if (startOffsets.length !== layout.partitions) throw new Error('one start offset per partition');
    const slotCount = HEADER_SLOTS + WORKER_SLOT_KINDS * layout.workers + layout.partitions;
    const counters = new ConsumeCounters(new SharedArrayBuffer(slotCount * BigInt64Array.BYTES_PER_ELEMENT), layout);
    startOffsets.forEach((offset, partition) => Atomics.store(counters.slots, counters.highestSlot(partition), BigInt(offset - 1)));
    return counters;
  }

  /** The same counters seen from another thread. */
  static attach(buffer: SharedArrayBuffer, layout: CountersLayout): ConsumeCounters {
    return new ConsumeCounters(buffer, layout);
  }

  /**
   * Claims the records of one partition's batch (offsets ascending) that no consumer has counted yet, up to
   * the record limit. Sets the stop flag when the limit is reached.
   */
  claim(partition: number, offsets: readonly number[]): Claim {
    return this.claimFresh(partition, offsets.length, (i) => offsets[i], (highest) => {
      let skip = 0;
      while (skip < offsets.length && offsets[skip] <= highest) skip += 1;
      return skip;
    });
  }

  /** claim for the run of consecutive offsets firstOffset .. firstOffset + count - 1, without an array of them. */
  claimRun(partition: number, firstOffset: number, count: number): Claim {
    return this.claimFresh(partition, count, (i) => firstOffset + i, (highest) => Math.min(count, Math.max(0, highest + 1 - firstOffset)));
  }

  /** The claim of `length` ascending offsets, the i-th offsetAt(i), of which the first skipPast(highest) are counted already. */
  private claimFresh(partition: number, length: number, offsetAt: (i: number) => number, skipPast: (highest: number) => number): Claim {
    const slot = this.highestSlot(partition);
    for (;;) {
      const highest = Atomics.load(this.slots, slot);
      const skip = skipPast(Number(highest));
      const fresh = length - skip;
      if (fresh === 0) return { skip, count: 0 };
      const last = BigInt(offsetAt(length - 1));
      // Another consumer moved this partition on meanwhile (overlapping ownership during a rebalance): look again.
      if (Atomics.compareExchange(this.slots, slot, highest, last) !== highest) continue;
      const before = Number(Atomics.add(this.slots, CLAIMED, BigInt(fresh)));
      const count = Math.max(0, Math.min(fresh, this.layout.recordLimit - before));
      if (before + fresh >= this.layout.recordLimit) {
        // Give back the offsets past the limit, so the commit after the run stops at the last counted record.
        Atomics.store(this.slots, slot, count > 0 ? BigInt(offsetAt(skip + count - 1)) : highest);
        Atomics.compareExchange(this.slots, LIMIT_REACHED_AT, 0n, BigInt(Date.now()));
        this.stop();
      }
      return { skip, count };
    }
  }

  /**
   * Moves a partition past the offset of a transaction marker that follows what was counted there, as Kafka's
   * consumers move past markers: the commit after it is past it. Counts it for the worker (the commits grow by
   * records + markers). Not past a marker that is not next (the stop left records before it uncounted).
   */
  passMarker(workerId: number, partition: number, offset: number): void {
    if (Atomics.compareExchange(this.slots, this.highestSlot(partition), BigInt(offset - 1), BigInt(offset)) === BigInt(offset - 1)) {
      Atomics.add(this.slots, this.workerSlot(3, workerId), 1n);
    }
  }

  /** Markers the workers passed (passMarker). */
  totalMarkers(): number {
    let total = 0;
    for (let w = 0; w < this.layout.workers; w += 1) total += Number(Atomics.load(this.slots, this.workerSlot(3, w)));
    return total;
  }

  /** Adds what one worker counted. Only that worker writes its slots. */
  addCounted(workerId: number, records: number, payloadBytes: number): void {
    Atomics.add(this.slots, this.workerSlot(0, workerId), BigInt(records));
    Atomics.add(this.slots, this.workerSlot(1, workerId), BigInt(payloadBytes));
  }

  addRebalanceMs(workerId: number, ms: number): void {
    Atomics.add(this.slots, this.workerSlot(2, workerId), BigInt(ms));
  }

  records(workerId: number): number {
    return Number(Atomics.load(this.slots, this.workerSlot(0, workerId)));
  }

  payloadBytes(workerId: number): number {
    return Number(Atomics.load(this.slots, this.workerSlot(1, workerId)));
  }

  rebalanceMs(workerId: number): number {
    return Number(Atomics.load(this.slots, this.workerSlot(2, workerId)));
  }

  totalRecords(): number {
    let total = 0;
    for (let w = 0; w < this.layout.workers; w += 1) total += this.records(w);
    return total;
  }

  /** Where reading a partition resumes: past the highest offset counted there (a consumer seeks there on assignment). */
  nextOffset(partition: number): number {
    return Number(Atomics.load(this.slots, this.highestSlot(partition))) + 1;
  }

  markCommitted(): void {
    Atomics.add(this.slots, COMMITTED_WORKERS, 1n);
  }

  committedWorkers(): number {
    return Number(Atomics.load(this.slots, COMMITTED_WORKERS));
  }

  /** The highest offset counted in each partition (start offset − 1 where none was). */
  highestOffsets(): number[] {
    return Array.from({ length: this.layout.partitions }, (_, p) => Number(Atomics.load(this.slots, this.highestSlot(p))));
  }

  limitReachedAtMs(): number | undefined {
    const at = Number(Atomics.load(this.slots, LIMIT_REACHED_AT));
    return at === 0 ? undefined : at;
  }

  stop(): void {
    Atomics.store(this.slots, STOP, 1n);
  }

  stopped(): boolean {
    return Atomics.load(this.slots, STOP) === 1n;
  }

  private workerSlot(kind: 0 | 1 | 2 | 3, workerId: number): number {
    return HEADER_SLOTS + kind * this.layout.workers + workerId;
  }

  private highestSlot(partition: number): number {
    return HEADER_SLOTS + WORKER_SLOT_KINDS * this.layout.workers + partition;
  }
}
