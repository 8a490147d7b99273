import { AcknowledgeType, type AcknowledgeTypeValue, type AcknowledgementBatch } from '../drivers/share-group-protocol.js';
import type { AcquiredFetch } from '../drivers/share-consumer.js';
import { DELIVERY_BUCKETS } from './share-counters.js';

/**
 * How a share consumer acknowledges what it acquired: each record accepted, or (--release-rate, --reject-rate) on
 * its first delivery released (redelivered to some consumer of the group) or rejected (archived, never delivered
 * again). A redelivered record is accepted, so that every record is settled once. Which records is decided by a
 * hash of partition and offset, not by chance: the same records whichever consumer gets them, run after run.
 */
export interface AckPolicy {
  releaseRate: number;
  rejectRate: number;
}

/** A record's place in [0, 1), from its partition and offset (murmur3's 32-bit finalizer over both). */
export function recordFraction(partition: number, offset: number): number {
  let h = (Math.imul(offset >>> 0, 0x9e3779b1) ^ Math.floor(offset / 0x100000000) ^ Math.imul(partition + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 0x100000000;
}

export function ackTypeOf(policy: AckPolicy, partition: number, offset: number, deliveryCount: number): AcknowledgeTypeValue {
  if (deliveryCount > 1 || (policy.releaseRate === 0 && policy.rejectRate === 0)) return AcknowledgeType.ACCEPT;
  const fraction = recordFraction(partition, offset);
  if (fraction < policy.releaseRate) return AcknowledgeType.RELEASE;
  return fraction < policy.releaseRate + policy.rejectRate ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT;
}

/** A fetch's acknowledgements and what they hold. */
export interface AckDecision {
  /** Runs of consecutive offsets acknowledged alike, ascending; gaps (offsets without a record) as GAP. */
  batches: AcknowledgementBatch[];
  records: number;
  /** Key + value bytes of the acquired records. */
  bytes: number;
  gaps: number;
  /** Records by delivery count: index i delivered i + 1 times, the last that many or more. */
  deliveryCounts: number[];
}

/**
 * The acknowledgements of one partition's acquired records. `settle(n)`: how many of the n records about to be
 * accepted or rejected may be (the run's limit); the others are released. After stop, `settle` grants none:
 * everything acquired goes back to the group.
 */
export function decideAcknowledgements(fetch: AcquiredFetch, policy: AckPolicy, settle: (records: number) => number): AckDecision {
  const decision: AckDecision = { batches: [], records: 0, bytes: 0, gaps: 0, deliveryCounts: new Array<number>(DELIVERY_BUCKETS).fill(0) };
  const types: AcknowledgeTypeValue[][] = [];
  let settling = 0;
  for (const range of fetch.acquired) {
    const length = range.lastOffset - range.firstOffset + 1;
    const rangeTypes = new Array<AcknowledgeTypeValue>(length).fill(AcknowledgeType.GAP);
    for (const batch of fetch.batches) {
      if (batch.marker || batch.firstOffset > range.lastOffset) continue;
      const lastOfBatch = batch.offsets ? batch.offsets[batch.offsets.length - 1] : batch.firstOffset + batch.count - 1;
      if (lastOfBatch < range.firstOffset) continue;
      // Indexes of the batch's records inside the range (a compacted batch's offsets are listed, ascending).
      const offsetAt = (i: number) => (batch.offsets ? batch.offsets[i] : batch.firstOffset + i);
      let from = batch.offsets ? 0 : Math.max(0, range.firstOffset - batch.firstOffset);
      while (from < batch.count && offsetAt(from) < range.firstOffset) from++;
      let to = from;
      while (to < batch.count && offsetAt(to) <= range.lastOffset) to++;
      for (let i = from; i < to; i++) {
        const type = ackTypeOf(policy, fetch.partition, offsetAt(i), range.deliveryCount);
        rangeTypes[offsetAt(i) - range.firstOffset] = type;
        if (type !== AcknowledgeType.RELEASE) settling++;
      }
      decision.records += to - from;
      decision.bytes += to > from ? batch.payloadBytes(from, to) : 0;
      decision.deliveryCounts[Math.min(range.deliveryCount, DELIVERY_BUCKETS) - 1] += to - from;
    }
    types.push(rangeTypes);
  }
  // Past the run's limit, the last records to settle are released instead.
  let over = settling - (settling > 0 ? settle(settling) : 0);
  for (let r = types.length - 1; r >= 0 && over > 0; r--) {
    for (let i = types[r].length - 1; i >= 0 && over > 0; i--) {
      if (types[r][i] === AcknowledgeType.ACCEPT || types[r][i] === AcknowledgeType.REJECT) {
        types[r][i] = AcknowledgeType.RELEASE;
        over--;
      }
    }
  }
  fetch.acquired.forEach((range, r) => {
    let start = 0;
    for (let i = 1; i <= types[r].length; i++) {
      if (i < types[r].length && types[r][i] === types[r][start]) continue;
      const type = types[r][start];
      if (type === AcknowledgeType.GAP) decision.gaps += i - start;
      decision.batches.push({ firstOffset: range.firstOffset + start, lastOffset: range.firstOffset + i - 1, acknowledgeTypes: [type] });
      start = i;
    }
  });
  return decision;
}
