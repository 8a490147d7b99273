import type { SharedRecords } from '../kafka/kafkajs-patches.js';
import type { ListedRecords, OutgoingBatch } from '../drivers/producer-driver.js';
import { REQUEST_ROOM_BYTES, type BatchBufferPool } from './batch-buffers.js';
import type { BatchTemplates, PreEncodedRecords } from './batch-templates.js';
import { NO_HEADERS, RECORD_BATCH_HEADER_BYTES, recordSize, writeRecord } from '../kafka/record-batch.js';
import { IDENTITY_VALUE_BYTES, writeIdentity } from '../kafka/record-identity.js';


/**
 * Where a batch goes, as one number: with several topics (--topics) destination d is partition d % P of topic
 * d / P (P: partitions per topic); with one topic it is the partition.
 */
export const destinationOf = (topicIndex: number, partition: number, partitionsPerTopic: number) => topicIndex * partitionsPerTopic + partition;

/**
 * One partition's batch, its records written in Kafka's format as they are appended, into a pooled buffer with
 * room in front for the header and the request's framing. A listed batch keeps its keys and values instead
 * and only counts the bytes they would take, so that batches close at the same sizes whichever driver sends them.
 */
export class ProducerBatch implements OutgoingBatch {
  readonly recordsStart = REQUEST_ROOM_BYTES + RECORD_BATCH_HEADER_BYTES;
  recordsEnd = this.recordsStart;
  recordCount = 0;
  /** Bytes of values, as Kafka's perf tool counts MB. */
  payloadBytes = 0;
  firstAppendUs = 0;
  /** When the batch was handed to the driver: its round trip is measured from here. */
  sentUs = 0;
  /**
   * Records appended at one time, with consecutive indexes in the worker's sequence, as flat quadruples:
   * first index, count, append time (µs), value bytes (RUN_STRIDE numbers each). The latency of a run is recorded
   * once with its count; with --verify, the runs name the batch's records' sequence numbers.
   */
  readonly runs: number[] = [];

  readonly listed: ListedRecords | undefined;

  /** The partition within its topic, and its topic's place in the run's topics (0 with one topic). */
  readonly partition: number;
  readonly topicIndex: number;

  /**
   * `headers`: the headers block every record of the run carries (encodeHeaders). `template`: a pre-encoded batch's
   * records (appendRun), whose first value is `start`, laid into the buffer when it is sent; `reused`: their
   * compressed bytes are kept and reused by the driver (--batch-encoding pre-encoded-reused). `producer` (--verify,
   * -1 without): each record's identity header (the last of `headers`) gets this producer and the record's index.
   */
  constructor(
    readonly buffer: Buffer, readonly destination: number, listRecords = false, private readonly headers = NO_HEADERS,
    partitionsPerTopic = Number.MAX_SAFE_INTEGER, private readonly template?: PreEncodedRecords, private readonly start = 0,
    private readonly reused = false, private readonly producer = -1,
  ) {
    this.listed = listRecords ? { keys: [], values: [] } : undefined;
    this.partition = destination % partitionsPerTopic;
    this.topicIndex = Math.floor(destination / partitionsPerTopic);
  }

  /** Bytes of the batch as the broker receives it (header and records, before compression). */
  get sizeBytes(): number {
    return RECORD_BATCH_HEADER_BYTES + this.recordsEnd - this.recordsStart;
  }

  /** The record fits the buffer, and the batch's limit unless it is the batch's first record. */
  fits(bytes: number, limitBytes: number): boolean {
    return this.recordsEnd + bytes <= this.buffer.length && (this.recordCount === 0 || this.sizeBytes + bytes <= limitBytes);
  }

  append(key: Buffer | null, value: Buffer, index: number, appendUs: number, newRunAt: number): void {
    const keyLength = key === null ? -1 : key.length;
    const listed = this.listed;
    if (listed === undefined) {
      this.recordsEnd = writeRecord(this.buffer, this.recordsEnd, this.recordCount, key, keyLength, value, value.length, this.headers);
      if (this.producer >= 0) writeIdentity(this.buffer, this.recordsEnd - IDENTITY_VALUE_BYTES, this.producer, index);
    } else {
      listed.keys.push(key);
      listed.values.push(value);
      this.recordsEnd += recordSize(this.recordCount, keyLength, value.length, this.headers.length);
    }
    this.counted(index, 1, appendUs, value.length, newRunAt);
  }

  /**
   * A pre-encoded batch takes up to `count` records (indexes from `index`) from the run's pre-encoded records, as many as keep it
   * within `limitBytes`; returns how many it took (0: it is full).
   */
  appendRun(index: number, count: number, appendUs: number, limitBytes: number, newRunAt: number): number {
    const template = this.template!;
    const held = this.recordCount;
    const total = template.fill(this.start, held, count, limitBytes);
    if (total === held) return 0;
    this.recordsEnd = this.recordsStart + template.bytes(this.start, total);
    this.counted(index, total - held, appendUs, template.valueBytes((this.start + held) % template.pool, total - held), newRunAt);
    return total - held;
  }

  /** Records appended at one time go into one run; runs never span the first steady-state record. */
  private counted(index: number, count: number, appendUs: number, valueBytes: number, newRunAt: number): void {
    if (this.recordCount === 0) this.firstAppendUs = appendUs;
    this.recordCount += count;
    this.payloadBytes += valueBytes;
    const runs = this.runs;
    const last = runs.length - 4;
    if (last >= 0 && runs[last + 2] === appendUs && runs[last] + runs[last + 1] === index && index !== newRunAt) {
      runs[last + 1] += count;
      runs[last + 3] += valueBytes;
    } else {
      runs.push(index, count, appendUs, valueBytes);
    }
  }

  /** A pre-encoded batch's records, which the driver lays into the buffer when it sends them. */
  get shared(): SharedRecords | undefined {
    const { template, start, recordCount, producer } = this;
    if (!template) return undefined;
    const identities = producer >= 0 ? { producer, runs: this.runs } : undefined;
    return {
      source: template, start, length: this.recordsEnd - this.recordsStart, reused: this.reused,
      lay: (buffer, at) => template.lay(start, recordCount, buffer, at, identities),
    };
  }
}

/** Numbers per run in ProducerBatch.runs. */
export const RUN_STRIDE = 4;

export interface AccumulatorSettings {
  batchLimitBytes: number;
  lingerUs: number;
  /** Index of the first steady-state record: runs never span it. */
  newRunAt: number;
  /** Batches keep their keys and values instead of writing them (a 'listed' driver's). */
  listRecords?: boolean;
  /** The headers block of every record (encodeHeaders); none by default. */
  headers?: Buffer;
  /** With several topics: their partitions each, to read a destination (destinationOf). */
  partitionsPerTopic?: number;
  /** Pre-encoded batches (appendRun): the run's pre-encoded records, and where each batch starts in them. */
  templates?: BatchTemplates;
  /** --verify: the producer every record's identity names (its headers end with the identity header). */
  producer?: number;
}

/**
 * Records waiting to be sent, by partition. A batch leaves when it is full (the next record would not fit),
 * when its first record has waited the linger time, or, when every buffer is taken, at once (Java's
 * RecordAccumulator does the same when its buffer.memory is exhausted). Until a batch is taken to be sent it
 * keeps taking records, so batches grow while requests are in flight.
 */
export class RecordAccumulator {
  private readonly open = new Map<number, ProducerBatch>();
  private readonly full: ProducerBatch[] = [];
  /** Where batches close now: settings.batchLimitBytes, or less while a BatchLimitControl holds it lower. */
  limitBytes: number;
  private readonly headersLength: number;

  constructor(private readonly pool: BatchBufferPool, private readonly settings: AccumulatorSettings) {
    this.limitBytes = settings.batchLimitBytes;
    this.headersLength = (settings.headers ?? NO_HEADERS).length;
  }

  /** Bytes a record takes in the open batch of its partition (its offset delta is that batch's next). */
  private sizeIn(batch: ProducerBatch | undefined, key: Buffer | null, value: Buffer): number {
    return recordSize(batch?.recordCount ?? 0, key === null ? -1 : key.length, value.length, this.headersLength);
  }

  /**
   * Appends to the destination's open batch if it takes the record without closing; false, with nothing appended,
   * when there is none or it is full (a sticky partitioner then moves on, as Java's does on a new batch).
   */
  appendToOpen(destination: number, key: Buffer | null, value: Buffer, index: number, appendUs: number): boolean {
    const batch = this.open.get(destination);
    if (!batch || !batch.fits(this.sizeIn(batch, key, value), this.limitBytes)) return false;
    batch.append(key, value, index, appendUs, this.settings.newRunAt);
    return true;
  }

  /**
   * Appends a record to its destination's batch (a partition: destinationOf), closing the batch when full and
   * opening one in a new buffer. False, with nothing appended, when no buffer is free: the caller waits for a send to settle.
   */
  append(destination: number, key: Buffer | null, value: Buffer, index: number, appendUs: number): boolean {
    let batch = this.open.get(destination);
    if (batch && !batch.fits(this.sizeIn(batch, key, value), this.limitBytes)) {
      this.close(batch);
      batch = undefined;
    }
    if (!batch) {
      const buffer = this.pool.take();
      if (!buffer) return false;
      const { listRecords, headers, partitionsPerTopic, producer } = this.settings;
      batch = new ProducerBatch(buffer, destination, listRecords, headers, partitionsPerTopic, undefined, 0, false, producer);
      if (!batch.fits(this.sizeIn(batch, key, value), this.limitBytes)) {
        this.pool.give(buffer);
        throw new RangeError(`a record of ${value.length} B does not fit a batch buffer of ${buffer.length} B`);
      }
      this.open.set(destination, batch);
    }
    batch.append(key, value, index, appendUs, this.settings.newRunAt);
    return true;
  }

  /**
   * Appends up to `count` records (indexes from `index`) to the destination's pre-encoded batch: the open one, and
   * (`mayOpen`) a new one once that is full. Returns how many went in; 0 when the open batch is full and no new
   * one may be opened, or no buffer is free. A batch that took fewer than offered is full and closes.
   */
  appendRun(destination: number, index: number, count: number, appendUs: number, mayOpen: boolean): number {
    const open = this.open.get(destination);
    if (open) {
      const taken = open.appendRun(index, count, appendUs, this.limitBytes, this.settings.newRunAt);
      if (taken < count) this.close(open);
      if (taken > 0 || !mayOpen) return taken;
    } else if (!mayOpen) {
      return 0;
    }
    const buffer = this.pool.take();
    if (!buffer) return 0;
    const { headers, partitionsPerTopic, templates, producer } = this.settings;
    const batch = new ProducerBatch(buffer, destination, false, headers, partitionsPerTopic, templates!.records, templates!.startOf(index), templates!.reused, producer);
    this.open.set(destination, batch);
    const taken = batch.appendRun(index, count, appendUs, this.limitBytes, this.settings.newRunAt);
    if (taken < count) this.close(batch);
    return taken;
  }

  private close(batch: ProducerBatch): void {
    this.open.delete(batch.destination);
    this.full.push(batch);
  }

  /**
   * The next batch to send: full ones first, then the open one that has waited longest if it has waited the
   * linger time; with `drain` (no buffer left, or the run is ending) any open one. Batches of destinations that
   * `busy` names wait (one batch in flight per partition keeps an idempotent producer's sequences in order).
   */
  next(nowUs: number, drain: boolean, busy: (destination: number) => boolean = () => false): ProducerBatch | undefined {
    const fullAt = this.full.findIndex((batch) => !busy(batch.destination));
    if (fullAt >= 0) return this.full.splice(fullAt, 1)[0];
    let oldest: ProducerBatch | undefined;
    for (const batch of this.open.values()) {
      if (!busy(batch.destination) && (!oldest || batch.firstAppendUs < oldest.firstAppendUs)) oldest = batch;
    }
    if (!oldest || (!drain && nowUs - oldest.firstAppendUs < this.settings.lingerUs)) return undefined;
    this.open.delete(oldest.destination);
    return oldest;
  }

  /** When the oldest open batch has waited the linger time (Infinity with none open). */
  lingerDeadlineUs(): number {
    let deadline = Infinity;
    for (const batch of this.open.values()) deadline = Math.min(deadline, batch.firstAppendUs + this.settings.lingerUs);
    return this.full.length > 0 ? -Infinity : deadline;
  }

  /** Batches appended to and not yet taken to be sent. */
  get waiting(): number {
    return this.open.size + this.full.length;
  }

  /** A sent batch's buffer back to the pool; `reusable` false when its send failed (see BatchBufferPool.forget). */
  release(batch: ProducerBatch, reusable: boolean): void {
    if (reusable) this.pool.give(batch.buffer);
    else this.pool.forget();
  }
}
