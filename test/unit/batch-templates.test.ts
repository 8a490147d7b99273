import { describe, expect, it } from 'vitest';
import { RecordAccumulator } from '../../src/produce/accumulator.js';
import { BatchBufferPool } from '../../src/produce/batch-buffers.js';
import { BatchTemplates, shareTemplates, templatesOf } from '../../src/produce/batch-templates.js';
import { NO_HEADERS, RECORD_BATCH_HEADER_BYTES, encodeRecords } from '../../src/produce/record-batch.js';

const pool = (count: number, size: number) => Array.from({ length: count }, (_, i) => Buffer.alloc(size, i % 256));

describe('pre-encoded batch templates', () => {
  it('hold a batch\'s records as the per-record writer writes them, values from the template\'s start', () => {
    const values = pool(10, 40);
    const templates = BatchTemplates.build(values, NO_HEADERS, 1000);
    const [first] = templates.templates;
    // A 40 B value takes 47 B as a record: length, attributes, timestamp and offset deltas, key -1, value length, no headers.
    expect(first.capacity).toBe(Math.floor((1000 - RECORD_BATCH_HEADER_BYTES) / 47));
    expect(templates.templates).toHaveLength(1); // a batch holds more records than the pool has values
    const written = encodeRecords(Array.from({ length: first.capacity }, (_, k) => ({ value: values[k % values.length] })));
    expect(first.records.equals(written)).toBe(true);
    expect(first.ends[first.capacity]).toBe(written.length);
    expect(first.valueEnds[first.capacity]).toBe(40 * first.capacity);
  });

  it('start far enough apart that full batches send every value of the pool, taken in turn', () => {
    const values = pool(1024, 250);
    const templates = BatchTemplates.build(values, NO_HEADERS, 16 * 1024);
    const perBatch = templates.templates[0].capacity;
    expect(templates.templates).toHaveLength(Math.ceil(1024 / perBatch));
    const sent = new Set<number>();
    for (let b = 0; b < templates.templates.length; b++) {
      const template = templates.next();
      expect(template.id).toBe(b);
      for (let k = 0; k < template.capacity; k++) sent.add((b * perBatch + k) % 1024);
      const expected = encodeRecords(Array.from({ length: template.capacity }, (_, k) => ({ value: values[(b * perBatch + k) % 1024] })));
      expect(template.records.equals(expected)).toBe(true);
    }
    expect(sent.size).toBe(1024);
    expect(templates.next().id).toBe(0);
  });

  it('fill a batch up to its limit, the first record whatever its size', () => {
    const [template] = BatchTemplates.build(pool(4, 500), NO_HEADERS, 2000).templates;
    expect(template.fill(0, 100, 2000)).toBe(template.capacity);
    expect(template.fill(0, 2, 2000)).toBe(2);
    expect(template.fill(1, 100, 100)).toBe(1); // full: nothing more goes in
    expect(template.fill(0, 100, 100)).toBe(1); // a first record larger than the limit still goes in alone
  });

  it('fill as many records as fit, for values of many sizes (against a walk record by record)', () => {
    const values = Array.from({ length: 37 }, (_, i) => Buffer.alloc(1 + ((i * 97) % 300)));
    const [template] = BatchTemplates.build(values, NO_HEADERS, 8192).templates;
    const walked = (held: number, wanted: number, limit: number) => {
      const most = Math.min(template.capacity, held + wanted);
      let n = held === 0 && most > 0 ? 1 : held;
      while (n < most && RECORD_BATCH_HEADER_BYTES + template.ends[n + 1] <= limit) n++;
      return n;
    };
    let checked = 0;
    for (const limit of [1, 100, 700, 2048, 5000, 8192]) {
      for (let held = 0; held <= template.capacity; held += 3) {
        for (const wanted of [0, 1, 2, 7, 50, 1000]) {
          if (held > 0 && RECORD_BATCH_HEADER_BYTES + template.ends[held] > limit) continue; // a batch never holds more than its limit
          expect(template.fill(held, wanted, limit)).toBe(walked(held, wanted, limit));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('append counted runs: one run per append time, closing a batch that took fewer than offered', () => {
    const values = pool(3, 100);
    const templates = BatchTemplates.build(values, NO_HEADERS, 1000);
    const capacity = templates.templates[0].capacity;
    const accumulator = new RecordAccumulator(new BatchBufferPool(2048, 2), { batchLimitBytes: 1000, lingerUs: 1e9, newRunAt: 4, templates });
    expect(accumulator.appendRun(2, 0, 4, 10, true)).toBe(4);
    expect(accumulator.appendRun(2, 4, 2, 10, false)).toBe(2);
    expect(accumulator.appendRun(2, 6, 100, 20, false)).toBe(capacity - 6);
    expect(accumulator.appendRun(2, capacity, 1, 30, false)).toBe(0); // closed: only a new batch takes more
    const batch = accumulator.next(0, false)!; // full, so it leaves before its linger
    expect(batch.recordCount).toBe(capacity);
    // The run at index 4 does not join the one before it: index 4 starts the steady state (newRunAt).
    expect(batch.runs).toEqual([0, 4, 10, 400, 4, 2, 10, 200, 6, capacity - 6, 20, (capacity - 6) * 100]);
    expect(batch.payloadBytes).toBe(capacity * 100);
    expect(batch.shared).toEqual({ source: templates.templates[0].records, length: templates.templates[0].ends[capacity] });
    expect(accumulator.appendRun(2, capacity, 1, 30, true)).toBe(1);
  });

  it('cross to the workers in shared memory, each template the same bytes and ends', () => {
    const built = BatchTemplates.build(pool(100, 120), NO_HEADERS, 2000);
    expect(built.templates.length).toBeGreaterThan(1);
    const shared = shareTemplates(built);
    expect(shared.records.byteLength).toBe(built.bytes);
    const read = templatesOf(structuredClone(shared));
    expect(read.templates.map((t) => [t.id, t.capacity, t.records.toString('hex'), [...t.ends], [...t.valueEnds]]))
      .toEqual(built.templates.map((t) => [t.id, t.capacity, t.records.toString('hex'), [...t.ends], [...t.valueEnds]]));
    // Workers on one thread share the views, and with them what the driver caches per template.
    expect(templatesOf(structuredClone(shared)).templates[0]).toBe(read.templates[0]);
  });
});
