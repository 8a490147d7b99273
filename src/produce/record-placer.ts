import { partitionOfKey } from '../kafka/partitioner.js';
import type { KeyMode } from '../run-spec/run-config.js';
import type { RecordAccumulator } from './accumulator.js';
import { zipfCumulative, zipfKeyAt } from './key-distribution.js';

/** Keyed records draw from this many keys, `key-0` to `key-1023` (poolKey). */
export const KEY_POOL_SIZE = 1024;

export const poolKey = (rank: number): Buffer => Buffer.from(`key-${rank}`);

/**
 * Where each record of a worker goes: a keyed record to its key's partition (Java's hash over all partitions);
 * unkeyed records stick to one of the worker's own partitions until that partition's batch leaves, then move
 * to the next (Kafka's sticky partitioner).
 */
export class RecordPlacer {
  private readonly keys: Buffer[];
  private readonly keyPartitions: number[];
  private readonly zipf: Float64Array | undefined;
  private stickyTurn = 0;

  constructor(
    private readonly accumulator: RecordAccumulator,
    private readonly keyMode: KeyMode,
    allPartitions: number,
    private readonly ownPartitions: number[],
    zipfExponent = 1,
  ) {
    this.keys = keyMode === 'none' ? [] : Array.from({ length: KEY_POOL_SIZE }, (_, rank) => poolKey(rank));
    this.keyPartitions = this.keys.map((key) => partitionOfKey(key, allPartitions));
    this.zipf = keyMode === 'zipf' ? zipfCumulative(KEY_POOL_SIZE, zipfExponent) : undefined;
  }

  /** Appends record `index` with its value; false when no buffer is free (the record is not in). */
  append(index: number, value: Buffer, appendUs: number): boolean {
    const keyIndex = this.keyIndexOf(index);
    if (keyIndex >= 0) return this.accumulator.append(this.keyPartitions[keyIndex], this.keys[keyIndex], value, index, appendUs);
    const own = this.ownPartitions;
    if (this.accumulator.appendToOpen(own[this.stickyTurn % own.length], null, value, index, appendUs)) return true;
    // A new batch: on the next partition, which stays the sticky one only once the record is in.
    if (!this.accumulator.append(own[(this.stickyTurn + 1) % own.length], null, value, index, appendUs)) return false;
    this.stickyTurn++;
    return true;
  }

  private keyIndexOf(index: number): number {
    if (this.keys.length === 0) return -1;
    if (this.zipf) return zipfKeyAt(this.zipf, index);
    return this.keyMode === 'random' ? Math.floor(Math.random() * this.keys.length) : index % this.keys.length;
  }
}
