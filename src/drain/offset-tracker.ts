/**
 * What may be committed, per partition: only the contiguous prefix of completed records. A record completed
 * out of order waits for those before it, so a crash re-delivers what was past the commit and never skips
 * one (go-dmux's offset tracker). Offsets are tracked in fetch order, which is offset order per partition.
 */
interface PartitionTrack {
  /** Offsets fetched and not yet in the committed prefix, ascending; `head` indexes the oldest. */
  offsets: number[];
  done: Set<number>;
  head: number;
  /** The next offset to commit: past the contiguous completed prefix. */
  committable: number;
  /** Past the last fetched batch, control records included: where the prefix goes once nothing is pending. */
  fetchedTo: number;
}

export class OffsetTracker {
  private readonly partitions = new Map<number, PartitionTrack>();
  private pendingRecords = 0;

  /** Starts a partition at the offset the group resumes from. */
  start(partition: number, offset: number): void {
    this.partitions.set(partition, { offsets: [], done: new Set(), head: 0, committable: offset, fetchedTo: offset });
  }

  track(partition: number, offset: number): void {
    const p = this.partition(partition);
    p.offsets.push(offset);
    p.fetchedTo = Math.max(p.fetchedTo, offset + 1);
    this.pendingRecords += 1;
  }

  /** A fetched batch ended here: offsets below it that were never tracked (transaction markers) need no completion. */
  fetchedTo(partition: number, nextOffset: number): void {
    const p = this.partition(partition);
    p.fetchedTo = Math.max(p.fetchedTo, nextOffset);
    this.advance(p);
  }

  complete(partition: number, offset: number): void {
    const p = this.partition(partition);
    p.done.add(offset);
    this.advance(p);
  }

  /** The next offset to commit for the partition (the group's committed offset once committed). */
  committable(partition: number): number {
    return this.partition(partition).committable;
  }

  /** Records fetched and not yet in a committed prefix: what --pending-acks bounds. */
  pending(): number {
    return this.pendingRecords;
  }

  partitionIds(): number[] {
    return [...this.partitions.keys()].sort((a, b) => a - b);
  }

  private partition(partition: number): PartitionTrack {
    const p = this.partitions.get(partition);
    if (!p) throw new Error(`partition ${partition} was not started`);
    return p;
  }

  private advance(p: PartitionTrack): void {
    while (p.head < p.offsets.length && p.done.has(p.offsets[p.head])) {
      p.done.delete(p.offsets[p.head]);
      p.committable = p.offsets[p.head] + 1;
      p.head += 1;
      this.pendingRecords -= 1;
    }
    // Drop the consumed front now and then, not on every record.
    if (p.head > 1024 && p.head * 2 > p.offsets.length) {
      p.offsets = p.offsets.slice(p.head);
      p.head = 0;
    }
    if (p.head === p.offsets.length) p.committable = Math.max(p.committable, p.fetchedTo);
  }
}
