import { partitionOfKey } from '../kafka/partitioner.js';
import type { KeyMode } from './run-config.js';
import { destinationOf, type RecordAccumulator } from './accumulator.js';
import { zipfCumulative, zipfKeyAt } from './key-distribution.js';

/** Keyed records draw from this many keys unless --message-key-range says otherwise: `key-0` to `key-1023` (poolKey). */
export const DEFAULT_KEY_RANGE = 1024;

/** Key number `rank` as text; poolKey is its bytes. */
export const keyText = (rank: number): string => `key-${rank}`;
export const poolKey = (rank: number): Buffer => Buffer.from(keyText(rank));

export interface PlacerSettings {
  keyMode: KeyMode;
  /** Keys of round-robin, random and zipf: key-0 .. key-(keyRange - 1). */
  keyRange: number;
  zipfExponent: number;
  /** Partitions of each topic, and those of them this worker sticks to (unkeyed records). */
  partitions: number;
  ownPartitions: number[];
  topicCount: number;
  /** For sequential keys: record i's key is key-(runRecordNumber(i, sequence)). */
  sequence: RecordSequence;
}

/**
 * How a worker's records are numbered across the run: its record i is the run's record first + i * stride (worker w
 * of W: w, w + W, ...), so sequential keys and monotonic values name every record of the run once.
 */
export interface RecordSequence {
  first: number;
  stride: number;
}

/** The run's number of a worker's record `index`. */
export const runRecordNumber = (index: number, sequence: RecordSequence): number => sequence.first + index * sequence.stride;

/**
 * The key of each record of a worker: none; round-robin, random or zipf over the key range, whose keys (and their
 * partitions, Java's hash over all partitions) are made once; or sequential, a key of its own per record
 * (runRecordNumber). Produce's placer and http-produce's requests draw keys the same way.
 */
export class KeyPicker {
  readonly keys: Buffer[];
  readonly keyPartitions: number[];
  private readonly zipf: Float64Array | undefined;

  constructor(private readonly settings: Pick<PlacerSettings, 'keyMode' | 'keyRange' | 'zipfExponent' | 'partitions'>) {
    const { keyMode, keyRange, partitions } = settings;
    this.keys = keyMode === 'none' || keyMode === 'sequential' ? [] : Array.from({ length: keyRange }, (_, rank) => poolKey(rank));
    this.keyPartitions = this.keys.map((key) => partitionOfKey(key, partitions));
    this.zipf = keyMode === 'zipf' ? zipfCumulative(keyRange, settings.zipfExponent) : undefined;
  }

  /** The rank in the key range of record `index`'s key; -1 when it has none from the range (none, sequential). */
  keyIndexOf(index: number): number {
    if (this.keys.length === 0) return -1;
    if (this.zipf) return zipfKeyAt(this.zipf, index);
    return this.settings.keyMode === 'random' ? Math.floor(Math.random() * this.keys.length) : index % this.keys.length;
  }
}

/**
 * Where each record of a worker goes: with several topics, record i to topic i % topics (spread evenly); a keyed
 * record to its key's partition (Java's hash over all partitions); unkeyed records stick to one of the worker's
 * own partitions of their topic until that partition's batch leaves, then move to the next (Kafka's sticky partitioner).
 */
export class RecordPlacer {
  private readonly picker: KeyPicker;
  /** Each topic's sticky partition, as a turn through ownPartitions. */
  private readonly stickyTurns: number[];

  constructor(private readonly accumulator: RecordAccumulator, private readonly settings: PlacerSettings) {
    this.picker = new KeyPicker(settings);
    this.stickyTurns = new Array<number>(settings.topicCount).fill(0);
  }

  /** Appends record `index` with its value; false when no buffer is free (the record is not in). */
  append(index: number, value: Buffer, appendUs: number): boolean {
    const { topicCount, keyMode, ownPartitions: own } = this.settings;
    const topic = topicCount === 1 ? 0 : index % topicCount;
    if (keyMode === 'sequential') {
      const key = poolKey(runRecordNumber(index, this.settings.sequence));
      return this.accumulator.append(this.destination(topic, partitionOfKey(key, this.settings.partitions)), key, value, index, appendUs);
    }
    const keyIndex = this.picker.keyIndexOf(index);
    if (keyIndex >= 0) return this.accumulator.append(this.destination(topic, this.picker.keyPartitions[keyIndex]), this.picker.keys[keyIndex], value, index, appendUs);
    const turn = this.stickyTurns[topic];
    if (this.accumulator.appendToOpen(this.destination(topic, own[turn % own.length]), null, value, index, appendUs)) return true;
    // A new batch: on the next partition, which stays the sticky one only once the record is in.
    if (!this.accumulator.append(this.destination(topic, own[(turn + 1) % own.length]), null, value, index, appendUs)) return false;
    this.stickyTurns[topic] = turn + 1;
    return true;
  }

  /**
   * Pre-encoded batches (one topic, no keys): up to `count` records from `index` into the sticky partition's batch,
   * moving on as append does when it is full. Returns how many went in; 0 when no buffer is free.
   */
  appendRun(index: number, count: number, appendUs: number): number {
    const own = this.settings.ownPartitions;
    const turn = this.stickyTurns[0];
    const taken = this.accumulator.appendRun(this.destination(0, own[turn % own.length]), index, count, appendUs, false);
    if (taken > 0) return taken;
    const opened = this.accumulator.appendRun(this.destination(0, own[(turn + 1) % own.length]), index, count, appendUs, true);
    if (opened > 0) this.stickyTurns[0] = turn + 1;
    return opened;
  }

  private destination(topic: number, partition: number): number {
    return destinationOf(topic, partition, this.settings.partitions);
  }
}
