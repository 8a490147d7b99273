/**
 * Which lane a record goes to. A lane makes one call at a time, so records that share a lane arrive in the
 * order they were fetched: go-dmux's Hash distributor (FNV-1a 32-bit of the key bytes, mod the lanes) keeps
 * each key's records in order; RoundRobin spreads evenly and keeps no order; `partition` is the serial
 * baseline's one lane per partition (what a plain eachMessage consumer calling an API does).
 */
export const DISTRIBUTORS = ['hash', 'round-robin'] as const;
export type Distributor = (typeof DISTRIBUTORS)[number] | 'partition';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a 32-bit, as Go's hash/fnv New32a: unsigned. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, FNV_PRIME);
  return hash >>> 0;
}

export class LaneAssigner {
  private nextRoundRobin = 0;
  /** Records without a key: go-dmux hashes them all to one lane; here they go round-robin, with no order kept. */
  nullKeyRecords = 0;

  constructor(readonly distributor: Distributor, readonly lanes: number) {}

  laneOf(partition: number, key: Uint8Array | null): number {
    if (this.distributor === 'partition') return partition % this.lanes;
    if (this.distributor === 'hash' && key !== null) return fnv1a32(key) % this.lanes;
    if (key === null) this.nullKeyRecords += 1;
    const lane = this.nextRoundRobin;
    this.nextRoundRobin = (lane + 1) % this.lanes;
    return lane;
  }
}
