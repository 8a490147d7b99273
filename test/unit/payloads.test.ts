import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildPayloadPool, loadSchema, poolSize, readPayloadFile } from '../../src/produce/payloads.js';

const dir = mkdtempSync(join(tmpdir(), 'datastorm-payloads-'));

describe('pre-serialized payloads', () => {
  it('sizes default-schema events to --record-size exactly, and they decode', () => {
    const schema = loadSchema();
    for (const size of [64, 100, 250, 1000, 8193, 100_000]) {
      const pool = buildPayloadPool({ kind: 'avro', recordSizeBytes: size }, size);
      expect(pool).toHaveLength(poolSize(size));
      expect(new Set(pool.map((value) => value.length))).toEqual(new Set([size]));
      const event = schema.fromBuffer(pool[0]) as { eventType: string; url: string };
      expect(['PAGE_VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'SEARCH']).toContain(event.eventType);
    }
  });

  it('makes values that vary and compress like real events', () => {
    const pool = buildPayloadPool({ kind: 'avro', recordSizeBytes: 250 }, 1);
    expect(new Set(pool.map((value) => value.toString('hex'))).size).toBe(pool.length);
    const all = Buffer.concat(pool);
    const ratio = all.length / gzipSync(all).length;
    expect(ratio).toBeGreaterThan(2);
    expect(ratio).toBeLessThan(10);
  });

  it('is the same for the same seed and differs between workers', () => {
    const a = buildPayloadPool({ kind: 'avro', recordSizeBytes: 300 }, 1);
    expect(buildPayloadPool({ kind: 'avro', recordSizeBytes: 300 }, 1)).toEqual(a);
    expect(buildPayloadPool({ kind: 'avro', recordSizeBytes: 300 }, 2)[0].equals(a[0])).toBe(false);
  });

  it('uses a custom schema\'s own values', () => {
    const file = join(dir, 'reading.avsc');
    writeFileSync(file, JSON.stringify({ type: 'record', name: 'Reading', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }] }));
    const pool = buildPayloadPool({ kind: 'avro', schemaFile: file, recordSizeBytes: 250 }, 1);
    const schema = loadSchema(file);
    expect(pool.every((value) => schema.isValid(schema.fromBuffer(value)))).toBe(true);
  });

  it('refuses a bad schema, a size too small for the default event, and an empty payload file', () => {
    const bad = join(dir, 'bad.avsc');
    writeFileSync(bad, '{"type": "record"');
    expect(() => loadSchema(bad)).toThrow(/^invalid Avro schema in .*bad\.avsc: /);
    expect(() => loadSchema(join(dir, 'missing.avsc'))).toThrow(/cannot read schema file .*missing\.avsc: ENOENT/);
    expect(() => buildPayloadPool({ kind: 'avro', recordSizeBytes: 20 }, 1)).toThrow(/--record-size 20 is smaller than the smallest event of the default schema \(\d+ bytes\)/);
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\n\n');
    expect(() => readPayloadFile(empty, '\n')).toThrow('holds no values');
    const lines = join(dir, 'lines.txt');
    writeFileSync(lines, 'a\nbb\n\nccc\n');
    expect(readPayloadFile(lines, '\n').map(String)).toEqual(['a', 'bb', 'ccc']);
  });
});
