import { partitionOfKey } from '../kafka/partitioner.js';
import type { KeyMode } from '../run-spec/run-config.js';
import { destinationOf, type RecordAccumulator } from './accumulator.js';
import { zipfCumulative, zipfKeyAt } from './key-distribution.js';

/** Keyed records draw from this many keys, `key-0` to `key-1023` (poolKey). */
export const KEY_POOL_SIZE = 1024;

export const poolKey = (rank: number): Buffer => Buffer.from(`key-${rank}`);

/**
 * Where each record of a worker goes: with several topics, record i to topic i % topics (spread evenly); a keyed
 * record to its key's partition (Java's hash over all partitions); unkeyed records stick to one of the worker's
 * own partitions of their topic until that partition's batch leaves, then move to the next (Kafka's sticky partitioner).
 */
export class RecordPlacer {
  private readonly keys: Buffer[];
  private readonly keyPartitions: number[];
  private readonly zipf: Float64Array | undefined;
  /** Each topic's sticky partition, as a turn through ownPartitions. */
  private readonly stickyTurns: number[];

  constructor(
    private readonly accumulator: RecordAccumulator,
    private readonly keyMode: KeyMode,
    private readonly allPartitions: number,
    private readonly ownPartitions: number[],
    zipfExponent = 1,
    private readonly topicCount = 1,
  ) {
    this.keys = keyMode === 'none' ? [] : Array.from({ length: KEY_POOL_SIZE }, (_, rank) => poolKey(rank));
    this.keyPartitions = this.keys.map((key) => partitionOfKey(key, allPartitions));
    this.zipf = keyMode === 'zipf' ? zipfCumulative(KEY_POOL_SIZE, zipfExponent) : undefined;
    this.stickyTurns = new Array<number>(topicCount).fill(0);
  }

  /** Appends record `index` with its value; false when no buffer is free (the record is not in). */
  append(index: number, value: Buffer, appendUs: number): boolean {
    const topic = this.topicCount === 1 ? 0 : index % this.topicCount;
    const keyIndex = this.keyIndexOf(index);
    if (keyIndex >= 0) return this.accumulator.append(this.destination(topic, this.keyPartitions[keyIndex]), this.keys[keyIndex], value, index, appendUs);
    const own = this.ownPartitions;
    const turn = this.stickyTurns[topic];
    if (this.accumulator.appendToOpen(this.destination(topic, own[turn % own.length]), null, value, index, appendUs)) return true;
    // A new batch: on the next partition, which stays the sticky one only once the record is in.
    if (!this.accumulator.append(this.destination(topic, own[(turn + 1) % own.length]), null, value, index, appendUs)) return false;
    this.stickyTurns[topic] = turn + 1;
    return true;
  }

  private destination(topic: number, partition: number): number {
    return destinationOf(topic, partition, this.allPartitions);
  }

  private keyIndexOf(index: number): number {
    if (this.keys.length === 0) return -1;
    if (this.zipf) return zipfKeyAt(this.zipf, index);
    return this.keyMode === 'random' ? Math.floor(Math.random() * this.keys.length) : index % this.keys.length;
  }
}
