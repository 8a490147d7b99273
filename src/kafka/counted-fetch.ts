import {
  areRecordBatches, batchRecords, offsetDeltas, readBatchHeader, walkRecords, type RecordBatchHeader,
} from './record-batch-reader.js';

/** The records of one record batch, counted without an object per record. */
export interface CountedRun {
  /**
   * A transaction marker (or a batch compacted empty): no records, one offset (firstOffset) to pass, as Kafka's
   * consumers do, so that the commit after it is past it.
   */
  marker: boolean;
  /** Offsets firstOffset .. firstOffset + count - 1, unless `offsets` says otherwise. */
  firstOffset: number;
  count: number;
  /** The records' offsets when they are not consecutive (a compacted batch). */
  offsets: readonly number[] | undefined;
  /** Key + value bytes of the records from index `from` to `to` (exclusive). */
  payloadBytes(from: number, to: number): number;
}

export type Decompress = (codec: number, compressed: Buffer) => Promise<Buffer>;

/**
 * One record batch of a fetch, counted: what kafkajs's consumer takes for a message (`offset`, the batch's last,
 * so that kafkajs's position moves past the batch; no `isControlRecord`, so that kafkajs hands on transaction
 * markers too: the counters pass them) and a run of records for the counters (src/consume/consume-counters.ts).
 */
export class CountedRecordBatch implements CountedRun {
  readonly offset: string;
  readonly marker: boolean;
  readonly firstOffset: number;
  readonly count: number;

  constructor(header: RecordBatchHeader, private readonly records: Buffer, private readonly totalBytes: number,
    readonly offsets: number[] | undefined) {
    const lastOffset = header.baseOffset + header.lastOffsetDelta;
    this.offset = String(lastOffset);
    // An empty batch (all its records compacted away) has no records either, only a position to move past.
    this.marker = header.isControlBatch || header.recordCount === 0;
    this.firstOffset = this.marker ? lastOffset : header.baseOffset;
    this.count = this.marker ? 0 : header.recordCount;
  }

  payloadBytes(from: number, to: number): number {
    return from === 0 && to === this.count ? this.totalBytes : walkRecords(this.records, from, to).payloadBytes;
  }
}

/** The batch at `at` counted: its records walked once, decompressed first when compressed. */
export async function countRecordBatch(buffer: Buffer, at: number, header: RecordBatchHeader, decompress: Decompress): Promise<CountedRecordBatch> {
  if (header.isControlBatch || header.recordCount === 0) return new CountedRecordBatch(header, buffer.subarray(0, 0), 0, undefined);
  const records = await batchRecords(buffer, at, header, decompress);
  const walk = walkRecords(records, 0, header.recordCount);
  // Compacted: offsets one by one (the counters' per-record claim).
  const offsets = walk.consecutive ? undefined : offsetDeltas(records, header.recordCount).map((delta) => header.baseOffset + delta);
  return new CountedRecordBatch(header, records, walk.payloadBytes, offsets);
}

/**
 * The record batches of one partition's fetched bytes, counted; undefined when they are not all of magic 2 (older
 * message sets: the caller decodes them as before). A batch cut short at the end (fetch sizes cut) is left out,
 * as kafkajs does.
 */
export async function countRecordBatches(buffer: Buffer, decompress: Decompress): Promise<CountedRecordBatch[] | undefined> {
  if (!areRecordBatches(buffer)) return undefined;
  const counted: CountedRecordBatch[] = [];
  for (let at = 0, header = readBatchHeader(buffer, at); header; at += header.size, header = readBatchHeader(buffer, at)) {
    if (header.magic !== 2) return undefined;
    counted.push(await countRecordBatch(buffer, at, header, decompress));
  }
  return counted;
}
