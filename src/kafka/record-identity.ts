import type { RecordHeader } from './record-batch.js';

/**
 * The identity each record of a verified run (--verify) carries: which producer sent it and its sequence number
 * there, in a header, in binary: the producer as 4 bytes, the sequence as 6 (big-endian). Its value has a fixed
 * width, so a record's bytes can be encoded once and its identity written into them as it is sent
 * (src/produce/batch-templates.ts); the header goes last, so its value is the record's last bytes.
 */
export const IDENTITY_HEADER = 'ds-id';
export const IDENTITY_VALUE_BYTES = 10;

/** The identity header with a value of zeros, written over per record (writeIdentity). */
const IDENTITY_PLACEHOLDER: RecordHeader = { key: IDENTITY_HEADER, value: '\0'.repeat(IDENTITY_VALUE_BYTES) };

/** The headers of a run's records: with `verify`, the identity header after the run's own, last. */
export const withIdentityHeader = (headers: RecordHeader[], verify: boolean): RecordHeader[] =>
  (verify ? [...headers, IDENTITY_PLACEHOLDER] : headers);

const TWO_TO_32 = 2 ** 32;

/** Writes an identity value at `at` of `buffer` (byte by byte: a record's few bytes, not a call per field). */
export function writeIdentity(buffer: Buffer | Uint8Array, at: number, producer: number, sequence: number): void {
  const high = Math.floor(sequence / TWO_TO_32);
  const low = sequence >>> 0;
  buffer[at] = producer >>> 24;
  buffer[at + 1] = producer >>> 16;
  buffer[at + 2] = producer >>> 8;
  buffer[at + 3] = producer;
  buffer[at + 4] = high >>> 8;
  buffer[at + 5] = high;
  buffer[at + 6] = low >>> 24;
  buffer[at + 7] = low >>> 16;
  buffer[at + 8] = low >>> 8;
  buffer[at + 9] = low;
}

/** An identity value of its own (a producer that hands the client one header value per record). */
export function identityValue(producer: number, sequence: number): Buffer {
  const value = Buffer.alloc(IDENTITY_VALUE_BYTES);
  writeIdentity(value, 0, producer, sequence);
  return value;
}

export interface RecordIdentity {
  producer: number;
  sequence: number;
}

/** The identity a header's value says (the first, if it repeats); undefined without one or for a value of another width. */
export function identityOf(value: Buffer | string | ReadonlyArray<Buffer | string> | undefined): RecordIdentity | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || typeof first === 'string' || first.length !== IDENTITY_VALUE_BYTES) return undefined;
  return { producer: first.readUInt32BE(0), sequence: first.readUIntBE(4, 6) };
}
