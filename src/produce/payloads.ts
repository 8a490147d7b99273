import { readFileSync } from 'node:fs';
import avsc from 'avsc';
import { DataStormError } from '../shared/errors.js';
import { MAX_POOL_VALUES, type PayloadSource } from './run-config.js';
import type { ValueSizes } from './result.js';
import { runRecordNumber, type RecordSequence } from './record-placer.js';
import type { SharedValues } from './shared-values.js';

/**
 * Record values, serialized once before the run: the send loop only picks buffers from the pool (the seed's v2
 * lesson: serializing on every send was most of the CPU).
 */

/** A click-stream event like the ones real pipelines carry; `note` is the filler that sets the size. */
export const DEFAULT_SCHEMA = {
  type: 'record',
  name: 'ClickEvent',
  namespace: 'dev.datastorm',
  fields: [
    { name: 'eventId', type: { type: 'fixed', name: 'Uuid', size: 16 } },
    { name: 'timestampMs', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'userId', type: 'long' },
    { name: 'sessionId', type: 'string' },
    { name: 'eventType', type: { type: 'enum', name: 'EventType', symbols: ['PAGE_VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE', 'SEARCH'] } },
    { name: 'url', type: 'string' },
    { name: 'userAgent', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'amountCents', type: ['null', 'long'], default: null },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    { name: 'note', type: 'string' },
  ],
} as const;

const PATHS = ['/', '/search', '/cart', '/checkout', '/product/', '/category/shoes', '/category/books', '/account/orders', '/help/returns'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
];
const COUNTRIES = ['US', 'DE', 'IN', 'BR', 'FR', 'GB', 'JP', 'CA', 'NG', 'AU'];
const WORDS = ('customer viewed product added item cart checkout payment accepted shipping address updated ' +
  'search results filter applied category page loaded session started recommendation clicked banner promo ' +
  'order confirmed delivery estimate review posted wishlist coupon applied').split(' ');

/** Small deterministic PRNG: the same seed gives the same pool, so runs are repeatable. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];

function words(random: Random, bytes: number): string {
  let text = '';
  while (text.length < bytes) text += (text ? ' ' : '') + pick(random, WORDS);
  return text.slice(0, bytes);
}

function clickEvent(random: Random, index: number): Record<string, unknown> {
  const id = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) id[i] = Math.floor(random() * 256);
  const eventType = pick(random, DEFAULT_SCHEMA.fields[4].type.symbols);
  return {
    eventId: id,
    timestampMs: 1_767_225_600_000 + index * 37,
    userId: 100_000 + Math.floor(random() * 50_000),
    sessionId: `s-${Math.floor(random() * 1e9).toString(36)}`,
    eventType,
    url: `https://shop.example.com${pick(random, PATHS)}${Math.floor(random() * 5000)}`,
    userAgent: pick(random, AGENTS),
    country: pick(random, COUNTRIES),
    amountCents: eventType === 'PURCHASE' ? Math.floor(random() * 50_000) : null,
    attributes: { campaign: `c${Math.floor(random() * 40)}`, experiment: random() < 0.5 ? 'control' : 'variant-b' },
    note: '',
  };
}

/** Shortens the optional text of an event, then pads `note`, so that it encodes to exactly `size` bytes. */
function fitToSize(type: avsc.Type, value: Record<string, unknown>, size: number, random: Random): Buffer {
  for (const field of ['userAgent', 'url', 'attributes'] as const) {
    const excess = type.toBuffer(value).length - size;
    if (excess <= 0) break;
    value[field] = field === 'attributes' ? {} : String(value[field]).slice(0, Math.max(0, String(value[field]).length - excess));
  }
  const noteFor = (bytes: number) => {
    value.note = words(random, bytes);
    return type.toBuffer(value);
  };
  let buffer = noteFor(Math.max(0, size - type.toBuffer(value).length));
  // The note's length prefix grows by a byte at 64 and 8192 bytes: step back, then pad the session id.
  if (buffer.length > size) buffer = noteFor(String(value.note).length - (buffer.length - size));
  if (buffer.length > size) buffer = noteFor(String(value.note).length - 1);
  if (buffer.length < size && String(value.note).length > 0) {
    value.sessionId = `${String(value.sessionId)}${'x'.repeat(size - buffer.length)}`;
    buffer = type.toBuffer(value);
  }
  return buffer;
}

export function loadSchema(schemaFile?: string): avsc.Type {
  return readSchema(schemaFile).type;
}

/** A schema and its JSON text (as a registry is given it): the default schema's, or a file's. */
export function readSchema(schemaFile?: string): { type: avsc.Type; text: string } {
  if (!schemaFile) return { type: avsc.Type.forSchema(DEFAULT_SCHEMA as unknown as avsc.Schema), text: JSON.stringify(DEFAULT_SCHEMA) };
  let text: string;
  try {
    text = readFileSync(schemaFile, 'utf8');
  } catch (error) {
    throw new DataStormError('DS_BAD_SCHEMA', `cannot read schema file ${schemaFile}: ${(error as NodeJS.ErrnoException).code}`);
  }
  try {
    const schema = JSON.parse(text) as avsc.Schema;
    return { type: avsc.Type.forSchema(schema), text: JSON.stringify(schema) };
  } catch (error) {
    throw new DataStormError('DS_BAD_SCHEMA', `invalid Avro schema in ${schemaFile}: ${(error as Error).message.split('\n')[0]}`, {
      hint: 'the file must hold one Avro schema as JSON (.avsc)',
    });
  }
}

/** How many distinct values a worker keeps: enough to vary, bounded to ~32 MB. */
export function poolSize(recordSizeBytes: number): number {
  return Math.max(16, Math.min(MAX_POOL_VALUES, Math.floor((32 * 1024 * 1024) / Math.max(1, recordSizeBytes))));
}

/**
 * The values a worker sends, serialized once. The default schema's events are sized to --record-size exactly;
 * a custom schema's values are avsc's random values of that schema (their size is the schema's own).
 */
export function buildPayloadPool(source: PayloadSource, seed: number): Buffer[] {
  if (source.kind === 'file') return readPayloadFile(source.path, source.delimiter);
  // Made per record as they are sent; these first ones stand for them where a pool is measured (gzip ratio).
  if (source.kind === 'monotonic') return Array.from({ length: 1024 }, (_, i) => monotonicValue(i));
  const type = loadSchema(source.schemaFile);
  const random = prng(seed);
  const count = poolSize(source.recordSizeBytes);
  if (source.schemaFile) return Array.from({ length: count }, () => type.toBuffer(type.random()));
  const smallest = fitToSize(type, clickEvent(random, 0), 0, random).length;
  if (source.recordSizeBytes < smallest) {
    throw new DataStormError('DS_BAD_OPTION',
      `--record-size ${source.recordSizeBytes} is smaller than the smallest event of the default schema (${smallest} bytes)`,
      { hint: 'use a larger --record-size, a --schema of your own, or --payload-file' });
  }
  return Array.from({ length: count }, (_, i) => fitToSize(type, clickEvent(random, i), source.recordSizeBytes, random));
}

/** perf-test's --payload-file: values split by the delimiter, empty ones dropped. */
export function readPayloadFile(path: string, delimiter: string): Buffer[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DataStormError('DS_BAD_PAYLOAD_FILE', `cannot read payload file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
  const values = text.split(delimiter).filter((value) => value.length > 0).map((value) => Buffer.from(value));
  if (values.length === 0) throw new DataStormError('DS_BAD_PAYLOAD_FILE', `payload file ${path} holds no values`);
  return values;
}

/** --payload-monotonic's value of record number `n`: the number as text, as Kafka's perf-test sends it. */
export function monotonicValue(n: number): Buffer {
  return Buffer.from(String(n));
}

/**
 * How a worker makes record i's value: one of the run's values serialized before the run ('pooled'), the same
 * values encoded again with the schema each time (--serialize-on-send), the record's number as text
 * (--payload-monotonic), or, with --schema-change ('switching'), the values of the first schema until the main
 * thread sets switched[0] to 1, then those of the second (values from `from` on).
 */
export type ValueKind = { kind: 'pooled' } | { kind: 'serialized-on-send'; schemaFile?: string } | { kind: 'monotonic' }
  | { kind: 'switching'; from: number; switched: SharedArrayBuffer };

export function valueKindOf(payload: PayloadSource, values: SharedValues): ValueKind {
  if (payload.kind === 'monotonic') return { kind: 'monotonic' };
  if (payload.kind === 'avro' && payload.serializeOnSend) return { kind: 'serialized-on-send', ...(payload.schemaFile ? { schemaFile: payload.schemaFile } : {}) };
  if (values.second) return { kind: 'switching', ...values.second };
  return { kind: 'pooled' };
}

/**
 * Record i's value, made as its ValueKind says from the run's values; monotonic values number the records across
 * the run (runRecordNumber: with the engine's shares, every number below --num-records once).
 */
export function valueMaker(valueKind: ValueKind, values: Buffer[], sequence: RecordSequence): (index: number) => Buffer {
  if (valueKind.kind === 'monotonic') return (index) => monotonicValue(runRecordNumber(index, sequence));
  if (valueKind.kind === 'pooled') return (index) => values[index % values.length];
  if (valueKind.kind === 'switching') {
    const { from } = valueKind;
    const switched = new Int32Array(valueKind.switched);
    return (index) => (Atomics.load(switched, 0) === 0 ? values[index % from] : values[from + (index % (values.length - from))]);
  }
  const schema = loadSchema(valueKind.schemaFile);
  const objects = values.map((value) => schema.fromBuffer(value) as unknown);
  return (index) => schema.toBuffer(objects[index % objects.length]);
}

/** The sizes of --payload-monotonic's values 0 .. records - 1 (a duration run: up to 16 digits, a safe integer's). */
export function monotonicValueSizes(records: number | undefined): ValueSizes {
  if (records === undefined) return { count: 0, minBytes: 1, maxBytes: 16, meanBytes: 16 };
  let digits = 0; // of 0 .. records - 1: ten numbers of 1 digit, ninety of 2, ...
  for (let low = 0, high = 10, width = 1; low < records; low = high, high *= 10, width++) digits += width * (Math.min(records, high) - low);
  return { count: records, minBytes: 1, maxBytes: String(Math.max(0, records - 1)).length, meanBytes: digits / Math.max(1, records) };
}
