import { randomUUID } from 'node:crypto';
import { RECORD_BATCH_HEADER_BYTES, recordBodySize, recordSize, varintSize, writeRecord } from '../kafka/record-batch.js';
import { IDENTITY_VALUE_BYTES, writeIdentity } from '../kafka/record-identity.js';
import { RUN_STRIDE } from './accumulator.js';

/**
 * Pre-encoded batches (--batch-encoding pre-encoded, stage v5). Unkeyed records from a pool of P values differ only
 * in their value and their offset delta, and a delta's varint takes 1 byte below 64, 2 below 8,192, 3 below 2^20
 * and 4 below 2^27. So the records are encoded once, before the run, into one segment per delta width: values in
 * pool order, each record with a delta of that width. A batch of n records whose first value is v copies, for each
 * width its positions reach, the segment's records from value v on (one copy), then writes their deltas (0, 1, 2
 * ...): record k carries value (v + k) % P, byte for byte what a writer record by record writes. A batch starts at
 * its first record's place in the worker's sequence, so every value of the pool is sent equally often.
 */
const DELTA_WIDTH_STARTS = [0, 64, 8192, 1 << 20, 1 << 27];
/** Batch positions the widths cover: a batch never holds more records (a 16 MB batch holds at most a few million). */
const MAX_BATCH_RECORDS = DELTA_WIDTH_STARTS[DELTA_WIDTH_STARTS.length - 1] - 1;

/** The records of the batch positions [from, to), whose deltas take `width` bytes. */
export interface DeltaSegment {
  readonly from: number;
  readonly to: number;
  readonly width: number;
  /** Records of values 0, 1, ... P-1, 0, ... (as many as a batch starting at value P-1 needs), each with a `width`-byte delta. */
  readonly records: Buffer;
  /** `ends[t]`: bytes of the segment's first t records. */
  readonly ends: Int32Array;
  /** `deltaAt[t]`: where record t's offset delta starts in `records`. */
  readonly deltaAt: Int32Array;
}

/** Writes the offset deltas firstDelta, firstDelta + 1 ... of `count` records copied from a segment, `width` bytes each. */
function writeDeltas(dst: Buffer, shift: number, deltaAt: Int32Array, first: number, count: number, firstDelta: number, width: number): void {
  for (let k = 0; k < count; k++) {
    let at = shift + deltaAt[first + k];
    let zigzag = (firstDelta + k) * 2;
    for (let w = 1; w < width; w++) {
      dst[at++] = (zigzag & 127) | 128;
      zigzag >>>= 7;
    }
    dst[at] = zigzag;
  }
}

/**
 * --verify: the identities of a batch's records, written into them as they are laid (the identity header is the
 * records' last, so its value is each record's last bytes): the producer, and the records' sequence numbers as the
 * batch's runs list them (ProducerBatch.runs).
 */
export interface BatchIdentities {
  producer: number;
  runs: readonly number[];
}

/** The sequence numbers of a batch's records in order, from its runs. */
class RunSequences {
  private run = 0;
  private next: number;
  private left: number;

  constructor(private readonly runs: readonly number[]) {
    this.next = runs[0];
    this.left = runs[1];
  }

  take(): number {
    const sequence = this.next++;
    if (--this.left === 0) {
      this.run += RUN_STRIDE;
      this.next = this.runs[this.run];
      this.left = this.runs[this.run + 1];
    }
    return sequence;
  }
}

/** Writes the identities of `count` records copied from a segment (record t ends at shift + ends[t + 1]). */
function writeIdentities(dst: Buffer, shift: number, ends: Int32Array, first: number, count: number, producer: number, sequences: RunSequences): void {
  for (let k = 1; k <= count; k++) writeIdentity(dst, shift + ends[first + k] - IDENTITY_VALUE_BYTES, producer, sequences.take());
}

/** A run's pre-encoded records: what a batch of n records starting at value v takes, and its bytes. */
export class PreEncodedRecords {
  /**
   * `capacity`: the most records a batch takes; `fullBatch`: the records of a full batch from value 0 at the run's
   * batch limit; `valueEnds[v]`: bytes of values 0 .. v-1.
   */
  constructor(
    readonly segments: DeltaSegment[], readonly valueEnds: Float64Array, readonly capacity: number, readonly fullBatch: number,
  ) {}

  /** Values in the pool. */
  get pool(): number {
    return this.valueEnds.length - 1;
  }

  /** Bytes of the first n records of a batch whose first value is `start`. */
  bytes(start: number, n: number): number {
    let total = 0;
    for (const s of this.segments) {
      if (n <= s.from) break;
      const first = (start + s.from) % this.pool;
      total += s.ends[first + Math.min(n, s.to) - s.from] - s.ends[first];
    }
    return total;
  }

  /** Bytes of the values of n records from value `start` on. */
  valueBytes(start: number, n: number): number {
    const pool = this.pool;
    const ends = this.valueEnds;
    const rest = n % pool;
    const end = start + rest;
    const partial = end <= pool ? ends[end] - ends[start] : ends[pool] - ends[start] + ends[end - pool];
    return Math.floor(n / pool) * ends[pool] + partial;
  }

  /**
   * How many records a batch starting at value `start` and holding `held` ends with when `wanted` more are offered
   * and the batch may reach `limitBytes` (header included); the first record goes in whatever its size, as Java's rule.
   */
  fill(start: number, held: number, wanted: number, limitBytes: number): number {
    const most = Math.min(this.capacity, held + wanted);
    // The largest n in [least, most] whose records fit (bytes grow with n): a binary search, not a walk per record.
    let least = held === 0 && most > 0 ? 1 : held;
    let over = most + 1;
    while (over - least > 1) {
      const mid = (least + over) >>> 1;
      if (RECORD_BATCH_HEADER_BYTES + this.bytes(start, mid) <= limitBytes) least = mid;
      else over = mid;
    }
    return least;
  }

  /**
   * Writes the first n records of a batch starting at value `start` at `at` of `dst`, with their identities when
   * given; returns where they end.
   */
  lay(start: number, n: number, dst: Buffer, at: number, identities?: BatchIdentities): number {
    const sequences = identities && new RunSequences(identities.runs);
    for (const s of this.segments) {
      if (n <= s.from) break;
      const first = (start + s.from) % this.pool;
      const count = Math.min(n, s.to) - s.from;
      const from = s.ends[first];
      const to = s.ends[first + count];
      s.records.copy(dst, at, from, to);
      writeDeltas(dst, at - from, s.deltaAt, first, count, s.from, s.width);
      if (sequences) writeIdentities(dst, at - from, s.ends, first, count, identities!.producer, sequences);
      at += to - from;
    }
    return at;
  }

  /** Bytes the segments hold. */
  get bytesHeld(): number {
    return this.segments.reduce((sum, s) => sum + s.records.length, 0);
  }

  /** The records of a run's values with its headers block, for batches of at most `limitBytes` (header included). */
  static build(values: Buffer[], headers: Buffer, limitBytes: number): PreEncodedRecords {
    const smallest = Math.min(...values.map((v) => v.length));
    const capacity = Math.min(MAX_BATCH_RECORDS, Math.max(1, Math.floor((limitBytes - RECORD_BATCH_HEADER_BYTES) / recordSize(0, -1, smallest, headers.length))));
    const segments: DeltaSegment[] = [];
    for (let w = 0; DELTA_WIDTH_STARTS[w] < capacity; w++) {
      segments.push(buildSegment(values, headers, DELTA_WIDTH_STARTS[w], Math.min(DELTA_WIDTH_STARTS[w + 1], capacity), w + 1));
    }
    const valueEnds = new Float64Array(values.length + 1);
    values.forEach((v, i) => { valueEnds[i + 1] = valueEnds[i] + v.length; });
    const fullBatch = new PreEncodedRecords(segments, valueEnds, capacity, 0).fill(0, 0, capacity, limitBytes);
    return new PreEncodedRecords(segments, valueEnds, capacity, fullBatch);
  }
}

/** A segment: every record with delta `from` (its width's least), values from 0 on, enough for a batch starting at any. */
function buildSegment(values: Buffer[], headers: Buffer, from: number, to: number, width: number): DeltaSegment {
  const count = values.length - 1 + to - from;
  const ends = new Int32Array(count + 1);
  const deltaAt = new Int32Array(count);
  for (let t = 0; t < count; t++) ends[t + 1] = ends[t] + recordSize(from, -1, values[t % values.length].length, headers.length);
  const records = Buffer.allocUnsafe(ends[count]);
  for (let t = 0; t < count; t++) {
    const value = values[t % values.length];
    // The record's length varint, then attributes and timestamp delta (a byte each), then its offset delta.
    deltaAt[t] = ends[t] + varintSize(recordBodySize(from, -1, value.length, headers.length)) + 2;
    writeRecord(records, ends[t], from, null, -1, value, value.length, headers);
  }
  return { from, to, width, records, ends, deltaAt };
}

/**
 * A worker's choice of the value each of its batches starts at: its first record's place in the worker's sequence,
 * as records written one by one take values; or, with `reused` (--batch-encoding pre-encoded-reused, whose
 * compressed bytes are kept per start and length), the starts of full batches in turn, 0, f, 2f ... (f: a full
 * batch's records; fewer than P: full batches send every value, smaller ones repeat their starts' values).
 */
export class BatchTemplates {
  private turn = 0;
  private readonly turns: number;

  constructor(readonly records: PreEncodedRecords, readonly reused: boolean) {
    this.turns = Math.ceil(records.pool / records.fullBatch);
  }

  startOf(index: number): number {
    if (!this.reused) return index % this.records.pool;
    const start = this.turn * this.records.fullBatch;
    this.turn = (this.turn + 1) % this.turns;
    return start;
  }
}

/**
 * A run's pre-encoded records in shared memory: the main thread builds them once (its workers would each build
 * the same: 16 workers at --batch 16MB held 16 copies), each worker reads them in place.
 */
export interface SharedTemplates {
  /** The run's: workers sharing a thread share one set of views (and what the driver caches of them). */
  id: string;
  reused: boolean;
  capacity: number;
  fullBatch: number;
  records: SharedArrayBuffer;
  /** Every segment's ends, then its deltaAt, back to back (Int32). */
  offsets: SharedArrayBuffer;
  valueEnds: SharedArrayBuffer;
  /** Per segment: its positions and width, where its records start and how long they are, where its ends start, its record count. */
  layout: Array<{ from: number; to: number; width: number; recordsAt: number; recordsLength: number; offsetsAt: number; count: number }>;
}

export function shareTemplates(built: PreEncodedRecords, reused: boolean): SharedTemplates {
  const layout: SharedTemplates['layout'] = [];
  let recordsAt = 0;
  let offsetsAt = 0;
  for (const s of built.segments) {
    layout.push({ from: s.from, to: s.to, width: s.width, recordsAt, recordsLength: s.records.length, offsetsAt, count: s.deltaAt.length });
    recordsAt += s.records.length;
    offsetsAt += s.ends.length + s.deltaAt.length;
  }
  const shared: SharedTemplates = {
    id: randomUUID(), reused, capacity: built.capacity, fullBatch: built.fullBatch, records: new SharedArrayBuffer(recordsAt),
    offsets: new SharedArrayBuffer(offsetsAt * Int32Array.BYTES_PER_ELEMENT),
    valueEnds: new SharedArrayBuffer(built.valueEnds.length * Float64Array.BYTES_PER_ELEMENT), layout,
  };
  const records = Buffer.from(shared.records);
  const offsets = new Int32Array(shared.offsets);
  built.segments.forEach((s, j) => {
    s.records.copy(records, layout[j].recordsAt);
    offsets.set(s.ends, layout[j].offsetsAt);
    offsets.set(s.deltaAt, layout[j].offsetsAt + s.ends.length);
  });
  new Float64Array(shared.valueEnds).set(built.valueEnds);
  return shared;
}

/** This thread's views of runs' pre-encoded records, by id (the driver caches reused bytes by them). */
const viewsOnThread = new Map<string, PreEncodedRecords>();

/** A worker's batch starts over the run's shared records (no copy). */
export function templatesOf(shared: SharedTemplates): BatchTemplates {
  let records = viewsOnThread.get(shared.id);
  if (!records) {
    const bytes = Buffer.from(shared.records);
    const offsets = new Int32Array(shared.offsets);
    const segments = shared.layout.map((l): DeltaSegment => ({
      from: l.from, to: l.to, width: l.width, records: bytes.subarray(l.recordsAt, l.recordsAt + l.recordsLength),
      ends: offsets.subarray(l.offsetsAt, l.offsetsAt + l.count + 1),
      deltaAt: offsets.subarray(l.offsetsAt + l.count + 1, l.offsetsAt + 2 * l.count + 1),
    }));
    records = new PreEncodedRecords(segments, new Float64Array(shared.valueEnds), shared.capacity, shared.fullBatch);
    viewsOnThread.clear(); // a thread runs one run's workers at a time
    viewsOnThread.set(shared.id, records);
  }
  return new BatchTemplates(records, shared.reused);
}
