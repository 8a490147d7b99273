import { createRequire } from 'node:module';
import { Pacer } from '../../src/produce/pacer.js';
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../src/shared/histograms.js';
import { RecordAccumulator, destinationOf, type ProducerBatch } from '../../src/produce/accumulator.js';
import { DEFAULT_KEY_RANGE, RecordPlacer } from '../../src/produce/record-placer.js';
import { partitionOfKey } from '../../src/kafka/partitioner.js';
import type { KeyMode } from '../../src/produce/run-config.js';

/** What hdr-histogram-js's histograms do and its Histogram type does not name. */
interface HdrCounts {
  highestEquivalentValue(value: number): number;
  getCountAtValue(value: number): number;
}
import { BatchBufferPool, REQUEST_ROOM_BYTES, planBatchBuffers } from '../../src/produce/batch-buffers.js';
import { ProduceMeter } from '../../src/produce/meter.js';
import { RECORD_BATCH_HEADER_BYTES, encodeRecords, recordSize } from '../../src/kafka/record-batch.js';
import { shareValues, valueViews } from '../../src/produce/shared-values.js';
import { errorOf } from '../helpers.js';

const require = createRequire(import.meta.url);
const KafkajsDecoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { offset: number; readVarInt(): number; readBytes(n: number): Buffer };
const kafkajsRecordDecoder = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as
  (decoder: unknown, batch: { firstOffset: string; firstTimestamp: string; magicByte: number }) => { key: Buffer | null };

/** Records in Kafka's format, as kafkajs's own decoder reads them. */
function decodeRecords(bytes: Buffer): Array<{ key: Buffer | null }> {
  const decoder = new KafkajsDecoder(bytes);
  const records = [];
  while (decoder.offset < bytes.length) {
    const body = decoder.readBytes(decoder.readVarInt());
    records.push(kafkajsRecordDecoder(new KafkajsDecoder(body), { firstOffset: '0', firstTimestamp: '0', magicByte: 2 }));
  }
  return records;
}

const MB = 1024 * 1024;
const value = (n: number, fill = 1) => Buffer.alloc(n, fill);

function accumulatorOf(buffers: number, bufferBytes: number, lingerUs = 5000, newRunAt = 0) {
  const pool = new BatchBufferPool(bufferBytes, buffers);
  return { pool, accumulator: new RecordAccumulator(pool, { batchLimitBytes: bufferBytes - REQUEST_ROOM_BYTES, lingerUs, newRunAt }) };
}

describe('planBatchBuffers', () => {
  it('splits buffer.memory across the workers, two buffers each on a thread of their own, batches closing at half a share', () => {
    expect(planBatchBuffers({ batchBytes: 16 * MB, bufferMemoryBytes: 32 * MB, workers: 16, largestRecordBytes: 250, maxInFlight: 5, openPartitions: 1, sharesThread: false }))
      .toEqual({ batchLimitBytes: MB - REQUEST_ROOM_BYTES, bufferBytes: MB, buffersPerWorker: 2 });
    // 63 buffers would fit; a worker holds one more than it keeps in flight.
    expect(planBatchBuffers({ batchBytes: 512 * 1024, bufferMemoryBytes: 32 * MB, workers: 1, largestRecordBytes: 250, maxInFlight: 5, openPartitions: 1, sharesThread: false }))
      .toEqual({ batchLimitBytes: 512 * 1024, bufferBytes: 512 * 1024 + REQUEST_ROOM_BYTES, buffersPerWorker: 6 });
    // A record larger than --batch goes alone: the buffers hold it.
    expect(planBatchBuffers({ batchBytes: 16 * 1024, bufferMemoryBytes: 32 * MB, workers: 2, largestRecordBytes: 200 * 1024, maxInFlight: 5, openPartitions: 1, sharesThread: false }).bufferBytes)
      .toBeGreaterThan(200 * 1024 + REQUEST_ROOM_BYTES);
  });

  it('gives workers that share a thread one buffer each: the others fill the thread while one waits', () => {
    expect(planBatchBuffers({ batchBytes: 16 * MB, bufferMemoryBytes: 32 * MB, workers: 16, largestRecordBytes: 250, maxInFlight: 5, openPartitions: 1, sharesThread: true }))
      .toEqual({ batchLimitBytes: 2 * MB - REQUEST_ROOM_BYTES, bufferBytes: 2 * MB, buffersPerWorker: 1 });
    // One buffer needs only one batch of the largest record in the share.
    expect(planBatchBuffers({ batchBytes: MB, bufferMemoryBytes: 64 * 1024, workers: 16, largestRecordBytes: 3000, maxInFlight: 5, openPartitions: 1, sharesThread: true }).buffersPerWorker)
      .toBe(1);
    // Keyed records keep a batch open in every partition, whatever the thread.
    expect(planBatchBuffers({ batchBytes: 512 * 1024, bufferMemoryBytes: 32 * MB, workers: 16, largestRecordBytes: 250, maxInFlight: 5, openPartitions: 8, sharesThread: true }).buffersPerWorker)
      .toBe(13);
  });

  it('gives keyed records a buffer for an open batch in every partition, and those in flight, within the share', () => {
    const keyed = { batchBytes: 512 * 1024, bufferMemoryBytes: 32 * MB, workers: 2, largestRecordBytes: 250, maxInFlight: 5, sharesThread: false };
    expect(planBatchBuffers({ ...keyed, openPartitions: 8 }).buffersPerWorker).toBe(13);
    // Batches shrink so that a batch in each of 100 partitions and 5 in flight fit a 16 MB share.
    expect(planBatchBuffers({ ...keyed, openPartitions: 100 }))
      .toEqual({ batchLimitBytes: Math.floor(16 * MB / 105) - REQUEST_ROOM_BYTES, bufferBytes: Math.floor(16 * MB / 105), buffersPerWorker: 105 });
    expect(planBatchBuffers({ ...keyed, batchBytes: 16 * MB, workers: 16, openPartitions: 8 }))
      .toEqual({ batchLimitBytes: Math.floor(2 * MB / 13) - REQUEST_ROOM_BYTES, bufferBytes: Math.floor(2 * MB / 13), buffersPerWorker: 13 });
  });

  it('refuses a share too small for two batches of the largest record, before anything runs', () => {
    const error = errorOf(() => planBatchBuffers({ batchBytes: MB, bufferMemoryBytes: 64 * 1024, workers: 16, largestRecordBytes: 3000, maxInFlight: 5, openPartitions: 1, sharesThread: false }));
    expect(error.code).toBe('DS_BAD_OPTION');
    expect(error.message).toBe('buffer.memory 65536 B split across 16 workers leaves 4096 B each: not two batches of one 3000 B record');
    const shared = errorOf(() => planBatchBuffers({ batchBytes: MB, bufferMemoryBytes: 32 * 1024, workers: 16, largestRecordBytes: 3000, maxInFlight: 5, openPartitions: 1, sharesThread: true }));
    expect(shared.message).toBe('buffer.memory 32768 B split across 16 workers leaves 2048 B each: not one batch of one 3000 B record');
  });
});

describe('BatchBufferPool', () => {
  it('allocates up to its budget, then hands the same buffers out again', () => {
    const pool = new BatchBufferPool(1024, 2);
    const a = pool.take()!;
    const b = pool.take()!;
    expect(pool.take()).toBeUndefined();
    expect(pool.allocatedCount).toBe(2);
    pool.give(a);
    expect(pool.take()).toBe(a);
    pool.forget(); // b's send failed: never reused, but its share of the budget comes back
    const c = pool.take()!;
    expect(c).not.toBe(b);
    expect(pool.allocatedCount).toBe(2);
  });
});

describe('RecordAccumulator', () => {
  it('writes records in Kafka\'s format, the same bytes as the reference encoder, after room for the framing', () => {
    const { accumulator } = accumulatorOf(1, 64 * 1024);
    const records = Array.from({ length: 50 }, (_, i) => ({ key: i % 2 ? Buffer.from(`k${i}`) : null, value: value(10 + i, i) }));
    records.forEach((r, i) => accumulator.append(2, r.key, r.value, i, 0));
    const batch = accumulator.next(0, true)!;
    expect(batch.recordsStart).toBe(REQUEST_ROOM_BYTES + RECORD_BATCH_HEADER_BYTES);
    expect(batch.buffer.subarray(batch.recordsStart, batch.recordsEnd).equals(encodeRecords(records))).toBe(true);
    expect([batch.partition, batch.recordCount, batch.payloadBytes]).toEqual([2, 50, records.reduce((s, r) => s + r.value.length, 0)]);
  });

  it('closes a batch when the next record would pass the limit, and waits (appends nothing) when no buffer is free', () => {
    const record = recordSize(0, -1, 1000);
    const { accumulator, pool } = accumulatorOf(2, REQUEST_ROOM_BYTES + RECORD_BATCH_HEADER_BYTES + 3 * record + 10);
    const appended = Array.from({ length: 7 }, (_, i) => accumulator.append(0, null, value(1000), i, 0));
    // Three records fill a batch; two buffers hold six; the seventh waits for a buffer.
    expect(appended).toEqual([true, true, true, true, true, true, false]);
    expect(accumulator.waiting).toBe(2);
    const full = [accumulator.next(0, false)!, accumulator.next(0, false)!];
    expect(full.map((b) => b.recordCount)).toEqual([3, 3]);
    accumulator.release(full[0], true);
    expect(accumulator.append(0, null, value(1000), 6, 0)).toBe(true);
    expect(accumulator.next(0, false)).toBeUndefined(); // the new batch has not lingered yet
    expect(pool.allocatedCount).toBe(2);
  });

  it('lets a batch leave once it has lingered, even while records keep arriving, and drains everything on demand', () => {
    const { accumulator } = accumulatorOf(4, MB, 5000);
    let nowUs = 1_000_000;
    const sent: ProducerBatch[] = [];
    for (let i = 0; i < 2000; i++, nowUs += 10) { // a record every 10 µs: a full batch would take far longer than 5 ms
      accumulator.append(i % 2, null, value(100), i, nowUs);
      const batch = accumulator.next(nowUs, false);
      if (batch) {
        sent.push(batch);
        accumulator.release(batch, true); // acknowledged at once
      }
    }
    expect(sent.length).toBeGreaterThanOrEqual(6);
    for (const batch of sent) expect(batch.recordCount).toBeLessThanOrEqual(251); // 5 ms of records for its partition
    expect(accumulator.lingerDeadlineUs()).toBeGreaterThan(nowUs - 5000);
    const rest = [accumulator.next(nowUs, true), accumulator.next(nowUs, true), accumulator.next(nowUs, true)];
    expect(rest.filter(Boolean)).toHaveLength(2);
    expect(sent.concat(rest.filter((b): b is ProducerBatch => b !== undefined)).reduce((s, b) => s + b.recordCount, 0)).toBe(2000);
  });

  it('appends to an open batch only when it takes the record without closing (the sticky partitioner moves on otherwise)', () => {
    const record = recordSize(0, -1, 1000);
    const { accumulator } = accumulatorOf(2, REQUEST_ROOM_BYTES + RECORD_BATCH_HEADER_BYTES + 2 * record + 10);
    expect(accumulator.appendToOpen(0, null, value(1000), 0, 0)).toBe(false); // no open batch yet
    expect(accumulator.append(0, null, value(1000), 0, 0)).toBe(true);
    expect(accumulator.appendToOpen(0, null, value(1000), 1, 0)).toBe(true);
    expect(accumulator.appendToOpen(0, null, value(1000), 2, 0)).toBe(false); // full: nothing appended, nothing closed
    expect(accumulator.waiting).toBe(1);
    expect(accumulator.next(0, true)!.recordCount).toBe(2);
  });

  it('holds back the batches of busy partitions (one in flight per partition when idempotent)', () => {
    const { accumulator } = accumulatorOf(4, 64 * 1024, 0);
    for (const partition of [1, 2, 1]) accumulator.append(partition, null, value(10), 0, 0);
    const busy = (partition: number) => partition === 1;
    expect(accumulator.next(10, true, busy)!.partition).toBe(2);
    expect(accumulator.next(10, true, busy)).toBeUndefined();
    expect(accumulator.next(10, true)!.partition).toBe(1);
  });

  it('keeps runs of records appended at one time, split where the steady state starts', () => {
    const { accumulator } = accumulatorOf(1, 64 * 1024, 5000, 5);
    for (let i = 0; i < 8; i++) accumulator.append(0, null, value(10), i, i < 6 ? 100 : 200);
    const batch = accumulator.next(0, true)!;
    expect(batch.runs).toEqual([0, 5, 100, 50, 5, 1, 100, 10, 6, 2, 200, 20]);
  });
});

describe('ProduceMeter', () => {
  it('records each run once with its count, steady state after the warm-up, intended latency per record', () => {
    const { accumulator } = accumulatorOf(1, 64 * 1024, 5000, 2);
    for (let i = 0; i < 4; i++) accumulator.append(0, null, value(10), i, 1000);
    const batch = accumulator.next(0, true)!;
    const meter = new ProduceMeter({ warmupRecords: 2, pacer: new Pacer(10_000, Infinity) }); // 100 µs apart
    meter.startsAt(500);
    meter.acknowledged(batch, 3000);
    meter.failed('TIMEOUT', 7);
    const interval = meter.take();
    expect([interval.records, interval.payloadBytes, interval.steadyRecords, interval.steadyPayloadBytes, interval.errors])
      .toEqual([4, 40, 2, 20, { TIMEOUT: 7 }]);
    const latency = decodeHistogram(interval.histogram);
    expect([latency.totalCount, latency.minNonZeroValue, latency.maxValue]).toEqual([4, 2000, 2000]);
    const intended = decodeHistogram(interval.intendedHistogram!);
    // 3000 - (500 + i * 100), to HDR's 3 significant digits
    expect([intended.totalCount, intended.minNonZeroValue, intended.getValueAtPercentile(100)]).toEqual([4, 2200, (intended as unknown as HdrCounts).highestEquivalentValue(2500)]);
    expect(decodeHistogram(interval.steadyHistogram).totalCount).toBe(2);
    expect(meter.take().records).toBe(0);
  });

  it('records runs of one append time together, also when their indexes are not consecutive (a keyed chunk spread over partitions), split at the warm-up', () => {
    const { accumulator } = accumulatorOf(2, 64 * 1024, 5000, 1);
    // Records 0-7 appended at 1000 alternate between partitions 0 and 1, then 8-9 at 2000: partition 0 holds 0, 2, 4, 6 (four
    // runs of one record: not consecutive) and 8 (its own time).
    for (let i = 0; i < 10; i++) accumulator.append(i % 2, null, value(10), i, i < 8 ? 1000 : 2000);
    const batch = accumulator.next(0, true)!;
    expect(batch.partition).toBe(0);
    expect(batch.runs).toEqual([0, 1, 1000, 10, 2, 1, 1000, 10, 4, 1, 1000, 10, 6, 1, 1000, 10, 8, 1, 2000, 10]);
    const meter = new ProduceMeter({ warmupRecords: 3, pacer: new Pacer(0, Infinity) });
    meter.startsAt(0);
    meter.acknowledged(batch, 5000);
    const interval = meter.take();
    const latency = decodeHistogram(interval.histogram);
    // 0 and 2 (warm-up) go together, 4 and 6 (steady) together, 8 alone: five records at two latencies, three of them steady.
    expect([latency.totalCount, (latency as unknown as HdrCounts).getCountAtValue(4000), (latency as unknown as HdrCounts).getCountAtValue(3000)]).toEqual([5, 4, 1]);
    expect([interval.steadyRecords, interval.steadyPayloadBytes, decodeHistogram(interval.steadyHistogram).totalCount]).toEqual([3, 30, 3]);
  });
});

describe('shared values', () => {
  it('are the main thread\'s values, read in place', () => {
    const values = [Buffer.from('a'), Buffer.from('bcd'), Buffer.alloc(0), Buffer.from('efgh')];
    const shared = shareValues(values);
    const views = valueViews(shared);
    expect(views.map((v) => v.toString())).toEqual(['a', 'bcd', '', 'efgh']);
    expect(views[1].buffer).toBe(shared.bytes);
  });
});

describe('RecordPlacer', () => {
  /** An accumulator with room for everything, and the destinations its batches went to. */
  function placed(keyMode: KeyMode, partitions: number, own: number[], topics: number, records: number, keyRange = DEFAULT_KEY_RANGE, worker = [0, 1]) {
    const pool = new BatchBufferPool(64 * 1024, 1000);
    const accumulator = new RecordAccumulator(pool, { batchLimitBytes: 1024, lingerUs: 5000, newRunAt: 0, partitionsPerTopic: partitions });
    const placer = new RecordPlacer(accumulator, {
      keyMode, keyRange, zipfExponent: 1, partitions, ownPartitions: own, topicCount: topics, sequence: { first: worker[0], stride: worker[1] },
    });
    for (let i = 0; i < records; i++) expect(placer.append(i, value(100), 0)).toBe(true);
    const batches: ProducerBatch[] = [];
    for (let batch = accumulator.next(0, true); batch; batch = accumulator.next(0, true)) batches.push(batch);
    return batches;
  }
  /** Every record's key and partition, read back from the batches' bytes. */
  const keysIn = (batches: ProducerBatch[]) => batches.flatMap((b) => decodeRecords(b.buffer.subarray(b.recordsStart, b.recordsEnd))
    .map((r) => ({ key: r.key!.toString(), partition: b.partition })));
  const recordsBy = (batches: ProducerBatch[], key: (b: ProducerBatch) => string) => {
    const counts = new Map<string, number>();
    for (const b of batches) counts.set(key(b), (counts.get(key(b)) ?? 0) + b.recordCount);
    return Object.fromEntries([...counts].sort());
  };

  it('spreads records evenly over several topics, each sticking to the worker\'s own partitions of that topic', () => {
    const batches = placed('none', 4, [1, 3], 3, 3000);
    expect(recordsBy(batches, (b) => String(b.topicIndex))).toEqual({ 0: 1000, 1: 1000, 2: 1000 });
    expect(new Set(batches.map((b) => b.partition))).toEqual(new Set([1, 3]));
    for (const b of batches) expect(b.destination).toBe(destinationOf(b.topicIndex, b.partition, 4));
  });

  it('sends a key to the same partition in every topic (Java\'s partitioner over the topic\'s partitions)', () => {
    const batches = placed('round-robin', 4, [0], 2, 4096);
    // Record i goes to topic i % 2 with key i % 1024: each topic gets the keys of its parity, four times each.
    for (const t of [0, 1]) {
      const placedKeys = keysIn(batches.filter((b) => b.topicIndex === t));
      expect(placedKeys).toHaveLength(2048);
      for (const { key, partition } of placedKeys) {
        expect(Number(key.slice(4)) % 2).toBe(t);
        expect(partition).toBe(partitionOfKey(Buffer.from(key), 4));
      }
    }
  });

  it('draws keys from --message-key-range, and numbers every record of the run with sequential keys', () => {
    const ranged = keysIn(placed('round-robin', 8, [0], 1, 100, 7));
    expect(new Set(ranged.map((r) => r.key))).toEqual(new Set(Array.from({ length: 7 }, (_, k) => `key-${k}`)));
    // Worker 1 of 3: records 0, 1, 2, ... are the run's records 1, 4, 7, ...
    const sequential = keysIn(placed('sequential', 8, [0], 1, 50, DEFAULT_KEY_RANGE, [1, 3]));
    expect(sequential.map((r) => r.key).sort()).toEqual(Array.from({ length: 50 }, (_, i) => `key-${i * 3 + 1}`).sort());
    for (const { key, partition } of sequential) expect(partition).toBe(partitionOfKey(Buffer.from(key), 8));
  });
});
