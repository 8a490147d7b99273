import { describe, expect, it } from 'vitest';
import { ProducerBatch, RecordAccumulator } from '../../src/produce/accumulator.js';
import { IDENTITY_VALUE_BYTES, withIdentityHeader, writeIdentity } from '../../src/kafka/record-identity.js';
import { REQUEST_ROOM_BYTES } from '../../src/produce/batch-buffers.js';
import { BatchBufferPool } from '../../src/produce/batch-buffers.js';
import { BatchTemplates, PreEncodedRecords, shareTemplates, templatesOf } from '../../src/produce/batch-templates.js';
import { NO_HEADERS, RECORD_BATCH_HEADER_BYTES, encodeHeaders, encodeRecords, recordSize } from '../../src/kafka/record-batch.js';

const pool = (count: number, size: number) => Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 256));
/** Values of many sizes, each of its own bytes. */
const mixed = (count: number) => Array.from({ length: count }, (_, i) => Buffer.alloc(1 + ((i * 97) % 300), i % 256));

/** What a writer record by record puts in a batch of n records whose first value is `start`. */
const written = (values: Buffer[], start: number, n: number, headers = NO_HEADERS) =>
  encodeRecords(Array.from({ length: n }, (_, k) => ({ value: values[(start + k) % values.length] })), headers);

function laid(records: PreEncodedRecords, start: number, n: number): Buffer {
  const dst = Buffer.alloc(records.bytes(start, n) + 10, 0xee);
  const end = records.lay(start, n, dst, 7);
  expect(end).toBe(7 + records.bytes(start, n));
  expect(dst[6]).toBe(0xee); // nothing written before `at`
  return dst.subarray(7, end);
}

describe('pre-encoded records', () => {
  it('lay a batch from any value as a writer record by record writes it, across every offset delta width', () => {
    const values = mixed(37);
    const headers = encodeHeaders([{ key: 'trace', value: 'abc' }]);
    const records = PreEncodedRecords.build(values, headers, 4 * 1024 * 1024);
    // 1-, 2- and 3-byte deltas: a batch of 9,000 records crosses 64 and 8,192.
    expect(records.segments.map((s) => [s.from, s.width])).toEqual([[0, 1], [64, 2], [8192, 3]]);
    for (const start of [0, 1, 17, 36]) {
      for (const n of [1, 2, 63, 64, 65, 100, 8191, 8192, 8193, 9000]) {
        expect(laid(records, start, n).equals(written(values, start, n, headers)), `${n} records from value ${start}`).toBe(true);
        expect(records.valueBytes(start, n)).toBe(Array.from({ length: n }, (_, k) => values[(start + k) % 37].length).reduce((a, b) => a + b, 0));
      }
    }
  });

  it('take as many records as the limit holds from any start, the first whatever its size (against a walk)', () => {
    const values = mixed(37);
    const records = PreEncodedRecords.build(values, NO_HEADERS, 8192);
    const walked = (start: number, held: number, wanted: number, limit: number) => {
      const most = Math.min(records.capacity, held + wanted);
      let n = held === 0 && most > 0 ? 1 : held;
      while (n < most && RECORD_BATCH_HEADER_BYTES + written(values, start, n + 1).length <= limit) n++;
      return n;
    };
    let checked = 0;
    for (const start of [0, 5, 36]) {
      for (const limit of [1, 100, 700, 2048, 8192]) {
        for (let held = 0; held <= 60; held += 7) {
          if (held > 0 && RECORD_BATCH_HEADER_BYTES + records.bytes(start, held) > limit) continue; // a batch never holds more than its limit
          for (const wanted of [0, 1, 2, 7, 50, 1000]) {
            expect(records.fill(start, held, wanted, limit)).toBe(walked(start, held, wanted, limit));
            checked++;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('start each batch at its first record\'s place in the worker\'s sequence: every value equally often, whatever the batch sizes', () => {
    const values = pool(1024, 250);
    const records = PreEncodedRecords.build(values, NO_HEADERS, 512 * 1024);
    const accumulator = new RecordAccumulator(new BatchBufferPool(600 * 1024, 4), {
      batchLimitBytes: 512 * 1024, lingerUs: 0, newRunAt: 0, templates: new BatchTemplates(records, false),
    });
    const sent = new Array<number>(1024).fill(0);
    let index = 0;
    // Batches of 1 to 2,000 records: a lingered batch is any size.
    for (let b = 0; index < 204_800; b++) {
      const size = Math.min(1 + ((b * 7919) % 2000), 204_800 - index);
      expect(accumulator.appendRun(b % 3, index, size, 0, true)).toBe(size);
      index += size;
      const batch = accumulator.next(0, true)!;
      const bytes = Buffer.alloc(batch.recordsEnd);
      batch.shared!.lay(bytes, batch.recordsStart);
      expect(bytes.subarray(batch.recordsStart).equals(written(values, batch.runs[0] % 1024, batch.recordCount))).toBe(true);
      for (let k = 0; k < batch.recordCount; k++) sent[(batch.runs[0] + k) % 1024]++;
      accumulator.release(batch, true);
    }
    expect(Math.min(...sent)).toBe(200);
    expect(Math.max(...sent)).toBe(200);
  });

  it('reused: batches start at full batches\' starts in turn, so their bytes repeat and can be kept', () => {
    const values = pool(1024, 250);
    const records = PreEncodedRecords.build(values, NO_HEADERS, 16 * 1024);
    const perBatch = records.fullBatch;
    expect(RECORD_BATCH_HEADER_BYTES + written(values, 0, perBatch).length).toBeLessThanOrEqual(16 * 1024);
    expect(RECORD_BATCH_HEADER_BYTES + written(values, 0, perBatch + 1).length).toBeGreaterThan(16 * 1024);
    const starts = new BatchTemplates(records, true);
    const turns = Math.ceil(1024 / perBatch);
    expect(Array.from({ length: turns + 1 }, (_, j) => starts.startOf(j * 5))).toEqual([...Array.from({ length: turns }, (_, j) => j * perBatch), 0]);
    expect(new BatchTemplates(records, false).startOf(1030)).toBe(6);
  });

  it('append counted runs: one run per append time, closing a batch that took fewer than offered', () => {
    const values = pool(3, 100);
    const records = PreEncodedRecords.build(values, NO_HEADERS, 1000);
    const capacity = records.fill(1, 0, 1000, 1000);
    const accumulator = new RecordAccumulator(new BatchBufferPool(2048, 2), {
      batchLimitBytes: 1000, lingerUs: 1e9, newRunAt: 5, templates: new BatchTemplates(records, false),
    });
    expect(accumulator.appendRun(2, 1, 4, 10, true)).toBe(4);
    expect(accumulator.appendRun(2, 5, 2, 10, false)).toBe(2);
    expect(accumulator.appendRun(2, 7, 100, 20, false)).toBe(capacity - 6);
    expect(accumulator.appendRun(2, capacity + 1, 1, 30, false)).toBe(0); // closed: only a new batch takes more
    const batch = accumulator.next(0, false)!; // full, so it leaves before its linger
    expect(batch.recordCount).toBe(capacity);
    // The run at index 5 does not join the one before it: index 5 starts the steady state (newRunAt).
    expect(batch.runs).toEqual([1, 4, 10, 400, 5, 2, 10, 200, 7, capacity - 6, 20, (capacity - 6) * 100]);
    expect(batch.payloadBytes).toBe(capacity * 100);
    expect(batch.shared).toMatchObject({ source: records, start: 1, length: records.bytes(1, capacity), reused: false });
    expect(accumulator.appendRun(2, capacity + 1, 1, 30, true)).toBe(1);
  });

  it('cross to the workers in shared memory, the same bytes and offsets', () => {
    const built = PreEncodedRecords.build(mixed(100), NO_HEADERS, 20_000);
    expect(built.segments.length).toBe(2);
    const shared = shareTemplates(built, true);
    expect(shared.records.byteLength).toBe(built.bytesHeld);
    const read = templatesOf(structuredClone(shared));
    expect(read.reused).toBe(true);
    const seen = (r: PreEncodedRecords) => [r.capacity, r.fullBatch, [...r.valueEnds],
      r.segments.map((s) => [s.from, s.to, s.width, s.records.toString('hex'), [...s.ends], [...s.deltaAt]])];
    expect(seen(read.records)).toEqual(seen(built));
    // Workers on one thread share the views, and with them what the driver keeps per source.
    expect(templatesOf(structuredClone(shared)).records).toBe(read.records);
  });

  it('write each record\'s identity into the records they lay (--verify), as a writer record by record does', () => {
    const values = mixed(37);
    const headers = encodeHeaders(withIdentityHeader([{ key: 'trace', value: 'abc' }], true));
    const records = PreEncodedRecords.build(values, headers, 4 * 1024 * 1024);
    const n = 9000;
    const runs = [100, 50, 0, 0, 150, n - 50, 1, 0]; // sequences 100 .. 100 + n - 1, appended in two runs
    for (const start of [0, 17]) {
      const dst = Buffer.alloc(records.bytes(start, n));
      records.lay(start, n, dst, 0, { producer: 3, runs });
      expect(dst.equals(identified(written(values, start, n, headers), n, (k) => values[(start + k) % 37].length, headers.length, 3, 100))).toBe(true);
    }
  });
});

/** Records a writer wrote, with producer's identities from `first` on written into their last bytes. */
function identified(records: Buffer, n: number, valueLength: (k: number) => number, headersLength: number, producer: number, first: number): Buffer {
  let end = 0;
  for (let k = 0; k < n; k++) {
    end += recordSize(k, -1, valueLength(k), headersLength);
    writeIdentity(records, end - IDENTITY_VALUE_BYTES, producer, first + k);
  }
  return records;
}

describe('a batch written record by record with --verify', () => {
  it('writes each record\'s identity, its producer and index, into the record', () => {
    const headers = encodeHeaders(withIdentityHeader([], true));
    const batch = new ProducerBatch(Buffer.alloc(4096), 0, false, headers, undefined, undefined, 0, false, 7);
    const values = [Buffer.from('a'), Buffer.from('bb'), Buffer.from('ccc')];
    values.forEach((value, k) => batch.append(null, value, 40 + k, 0, 0));
    const expected = identified(encodeRecords(values.map((value) => ({ value })), headers), 3, (k) => values[k].length, headers.length, 7, 40);
    expect(batch.buffer.subarray(REQUEST_ROOM_BYTES + RECORD_BATCH_HEADER_BYTES, batch.recordsEnd).equals(expected)).toBe(true);
  });
});
