/**
 * What the test sink checks of the records it acknowledges. Per key, offsets must rise (drain's lanes promise
 * per-key order); a record acknowledged before is a duplicate (a retry whose answer was lost, or a restart
 * re-delivering past the committed prefix), counted and not checked for order. Per partition, the offsets
 * acknowledged between the lowest and highest must have no hole (gaps); `reorders` counts records that came
 * after a higher offset of their partition, which fan-out over keys allows and the serial baseline never does.
 */
export interface PartitionStats {
  topic: string;
  partition: number;
  /** Distinct offsets acknowledged. */
  records: number;
  minOffset: number;
  maxOffset: number;
  /** Offsets between minOffset and maxOffset never acknowledged. */
  gaps: number;
  duplicates: number;
  /** The lowest offset acknowledged twice; null when none was. */
  minDuplicateOffset: number | null;
  orderViolations: number;
  reorders: number;
}

export interface SinkCounts {
  /** Distinct records acknowledged (2xx). */
  records: number;
  /** Every acknowledgement of a record, duplicates included. */
  deliveries: number;
  duplicates: number;
  orderViolations: number;
  gaps: number;
  reorders: number;
  /** Records without a key (their order is not checked). */
  nullKeyRecords: number;
}

interface PartitionLedger {
  topic: string;
  partition: number;
  acknowledged: Set<number>;
  minOffset: number;
  maxOffset: number;
  duplicates: number;
  minDuplicateOffset: number | null;
  orderViolations: number;
  reorders: number;
}

export class SinkLedger {
  private readonly partitions = new Map<string, PartitionLedger>();
  /** Highest offset acknowledged per topic, partition and key. */
  private readonly lastOffsetOfKey = new Map<string, number>();
  private nullKeys = 0;
  private deliveries = 0;

  acknowledge(topic: string, partition: number, key: string | null, offset: number): void {
    const id = `${topic}\u0000${partition}`;
    let p = this.partitions.get(id);
    if (!p) {
      p = { topic, partition, acknowledged: new Set(), minOffset: offset, maxOffset: offset, duplicates: 0, minDuplicateOffset: null, orderViolations: 0, reorders: 0 };
      this.partitions.set(id, p);
    }
    this.deliveries += 1;
    if (p.acknowledged.has(offset)) {
      p.duplicates += 1;
      p.minDuplicateOffset = Math.min(p.minDuplicateOffset ?? offset, offset);
      return;
    }
    if (offset < p.maxOffset) p.reorders += 1;
    p.acknowledged.add(offset);
    p.minOffset = Math.min(p.minOffset, offset);
    p.maxOffset = Math.max(p.maxOffset, offset);
    if (key === null) {
      this.nullKeys += 1;
      return;
    }
    const keyId = `${id}\u0000${key}`;
    const last = this.lastOffsetOfKey.get(keyId);
    if (last !== undefined && offset < last) p.orderViolations += 1;
    else this.lastOffsetOfKey.set(keyId, offset);
  }

  partitionStats(topic?: string): PartitionStats[] {
    return [...this.partitions.values()]
      .filter((p) => topic === undefined || p.topic === topic)
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map((p) => ({
        topic: p.topic, partition: p.partition, records: p.acknowledged.size, minOffset: p.minOffset, maxOffset: p.maxOffset,
        gaps: p.maxOffset - p.minOffset + 1 - p.acknowledged.size, duplicates: p.duplicates, minDuplicateOffset: p.minDuplicateOffset,
        orderViolations: p.orderViolations, reorders: p.reorders,
      }));
  }

  counts(topic?: string): SinkCounts {
    const partitions = this.partitionStats(topic);
    const sum = (pick: (p: PartitionStats) => number) => partitions.reduce((total, p) => total + pick(p), 0);
    return {
      records: sum((p) => p.records),
      deliveries: topic === undefined ? this.deliveries : sum((p) => p.records + p.duplicates),
      duplicates: sum((p) => p.duplicates),
      orderViolations: sum((p) => p.orderViolations),
      gaps: sum((p) => p.gaps),
      reorders: sum((p) => p.reorders),
      nullKeyRecords: this.nullKeys,
    };
  }
}
