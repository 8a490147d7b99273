import { DataStormError } from '../shared/errors.js';
import { RECORD_BATCH_HEADER_BYTES, recordSize } from '../kafka/record-batch.js';

/**
 * The producer's memory: Kafka's `buffer.memory` for the whole run, split evenly across the workers, each
 * holding its share as a pool of batch buffers that are reused, never freed and allocated again. A batch is
 * written into one buffer, so the budget bounds what a worker holds, sent or not; when every buffer is in
 * use, appending waits for an acknowledgement (at most `max.block.ms`).
 */

/** Free room before a batch's records for its header and the produce request's framing (written in place). */
export const REQUEST_ROOM_BYTES = 512;
/** Keys are DataStorm's own (`key-1023`): a bound for sizing buffers. */
const MAX_KEY_BYTES = 16;

export interface BatchBufferPlan {
  /** A batch is closed when its next record would take it past this size (Java's batch.size rule). */
  batchLimitBytes: number;
  /** One buffer: room for the framing, then a batch of batchLimitBytes (or one record larger than that). */
  bufferBytes: number;
  buffersPerWorker: number;
}

export interface BufferPlanInput {
  batchBytes: number;
  bufferMemoryBytes: number;
  workers: number;
  largestRecordBytes: number;
  maxInFlight: number;
  /** Partitions a worker may have a batch open in at once: every partition for keyed records, one for the sticky partitioner. */
  openPartitions: number;
  /** Workers take turns on one thread (more workers than threads). */
  sharesThread: boolean;
}

/**
 * A worker with a thread to itself gets two buffers (one in flight while the next fills), so an unkeyed batch is at
 * most half its share. Workers that take turns on a thread need only one: while one waits for its acknowledgement
 * the others keep the thread busy, so a batch may take the whole share (16 workers, --batch 16MB, 32MB: one buffer
 * of 2 MB each, not two of 1 MB; the two-buffer split kept 32 batches in flight, p99 600-800 ms against 150-250 ms
 * with one each, at the same throughput). With batches smaller than the share they still hold several, up to the
 * in-flight window. Keyed records get
 * one open batch per partition it writes to, plus the batches it keeps in flight: a full batch that no request slot
 * can take would only wait, and the latency of its records would measure a queue in the client, not the cluster.
 * (With fewer buffers than partitions, keyed records ran at 1,000 records/s in batches of a few records: every new
 * partition's batch waited for an acknowledgement to free a buffer.)
 */
export function planBatchBuffers({ batchBytes, bufferMemoryBytes, workers, largestRecordBytes, maxInFlight, openPartitions, sharesThread }: BufferPlanInput): BatchBufferPlan {
  const share = Math.floor(bufferMemoryBytes / workers);
  // Unkeyed: the sticky batch, and one in flight unless other workers fill the thread meanwhile. Keyed: a batch
  // open in every partition and a full window in flight; with one spare buffer, every wait for one sent the open
  // batches while they held a few records (16 workers, --batch 16MB, keyed over 8 partitions: 4,000 records/s).
  const fewest = openPartitions === 1 && sharesThread ? 1 : 2;
  const buffersWanted = openPartitions === 1 ? fewest : openPartitions + maxInFlight;
  const batchLimitBytes = Math.min(batchBytes, Math.floor(share / buffersWanted) - REQUEST_ROOM_BYTES);
  // A record larger than the limit goes alone in its batch (as in Java): a buffer must hold it.
  const largestBatch = RECORD_BATCH_HEADER_BYTES + recordSize(0, MAX_KEY_BYTES, largestRecordBytes);
  const bufferBytes = REQUEST_ROOM_BYTES + Math.max(batchLimitBytes, largestBatch);
  if (fewest * bufferBytes > share) {
    throw new DataStormError('DS_BAD_OPTION',
      `buffer.memory ${bufferMemoryBytes} B split across ${workers} workers leaves ${share} B each: not ${fewest === 1 ? 'one batch' : 'two batches'} of one ${largestRecordBytes} B record`,
      { hint: 'raise buffer.memory (--buffer-memory) or use fewer --workers' });
  }
  return { batchLimitBytes, bufferBytes, buffersPerWorker: Math.min(Math.floor(share / bufferBytes), maxInFlight + openPartitions) };
}

/** A worker's batch buffers: taken for a new batch, given back when its send has settled. */
export class BatchBufferPool {
  private readonly free: Buffer[] = [];
  private allocated = 0;

  constructor(readonly bufferBytes: number, readonly maxBuffers: number) {}

  /** A buffer for a new batch, or undefined when all are in use (the caller waits for one to come back). */
  take(): Buffer | undefined {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.allocated >= this.maxBuffers) return undefined;
    this.allocated++;
    return Buffer.allocUnsafe(this.bufferBytes);
  }

  give(buffer: Buffer): void {
    this.free.push(buffer);
  }

  /**
   * A buffer whose send failed is never reused: a socket may still be writing it. Its share of the budget
   * returns; a new buffer will be allocated in its place.
   */
  forget(): void {
    this.allocated--;
  }

  /** Bytes of the buffers taken and not yet given back: records waiting to be sent or acknowledged (Kafka's buffer.memory in use). */
  get inUseBytes(): number {
    return (this.allocated - this.free.length) * this.bufferBytes;
  }

  /** Buffers allocated so far (their pages stay resident once written). */
  get allocatedCount(): number {
    return this.allocated;
  }
}
