import { createRequire } from 'node:module';
import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { compressionTypeOf, registerCodecs } from '../../src/kafka/codecs.js';
import { countRecordBatches, type Decompress } from '../../src/kafka/counted-fetch.js';
import { countFetchedRecordsOnly, decodeFetchedMessages, kafkajsDecodeMessages } from '../../src/kafka/kafkajs-patches.js';
import { readBatchHeader, walkRecords } from '../../src/kafka/record-batch-reader.js';
import { ATTRIBUTES_AT, RECORD_BATCH_HEADER_BYTES, byteLength, recordSize, writeRecord, writeRecordBatchHeader } from '../../src/kafka/record-batch.js';
import { CODEC_NAMES, type CodecName } from '../../src/kafka/codecs.js';

const require = createRequire(import.meta.url);
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => { offset: number; readInt32(): number; canReadBytes(n: number): boolean; readBytes(n: number): Buffer };
const { lookupCodec } = require('kafkajs/src/protocol/message/compression/index.js') as {
  lookupCodec(type: number): { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
};
registerCodecs();
const decompress: Decompress = (codec, compressed) => lookupCodec(codec).decompress(compressed);

type Bytes = Buffer | null;
interface TestRecord { key: Bytes; value: Bytes; offsetDelta: number }

/** Records (sizes across varint widths: null, empty, 1 and 2 and 3 byte lengths) at offset deltas 0..n-1. */
const RECORDS: TestRecord[] = [
  { key: null, value: Buffer.alloc(250, 1) },
  { key: Buffer.from('k1'), value: Buffer.alloc(0) },
  { key: Buffer.alloc(63, 2), value: null },
  { key: Buffer.alloc(64, 3), value: Buffer.alloc(20_000, 4) },
  { key: null, value: Buffer.alloc(8191, 5) },
].map((r, offsetDelta) => ({ ...r, offsetDelta }));
const payloadOf = (records: TestRecord[]) => records.reduce((sum, r) => sum + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);

function encode(records: TestRecord[]): Buffer {
  const buf = Buffer.alloc(records.reduce((n, r) => n + recordSize(r.offsetDelta, byteLength(r.key), byteLength(r.value)), 0));
  records.reduce((at, r) => writeRecord(buf, at, r.offsetDelta, r.key, byteLength(r.key), r.value, byteLength(r.value)), 0);
  return buf;
}

const CONTROL_AND_TRANSACTIONAL = 0x30;

/** A record batch as a broker hands it on: base offset set, records compressed by the codec, control flag if asked. */
async function batch(baseOffset: number, records: TestRecord[], codec: CodecName = 'none', control = false): Promise<Buffer> {
  const encoded = encode(records);
  const payload = codec === 'none' ? encoded : await lookupCodec(compressionTypeOf(codec)).compress({ buffer: encoded });
  const buf = Buffer.alloc(RECORD_BATCH_HEADER_BYTES + payload.length);
  payload.copy(buf, RECORD_BATCH_HEADER_BYTES);
  writeRecordBatchHeader(buf, 0, payload.length, {
    recordCount: records.length, compression: compressionTypeOf(codec), transactional: control, timestampMs: 1, producerId: 7n, producerEpoch: 0, firstSequence: 0,
  });
  buf.writeBigInt64BE(BigInt(baseOffset), 0);
  buf.writeInt32BE(records.at(-1)!.offsetDelta, 23);
  if (control) buf.writeInt16BE(buf.readInt16BE(ATTRIBUTES_AT) | CONTROL_AND_TRANSACTIONAL, ATTRIBUTES_AT);
  buf.writeUInt32BE(crc32c(buf.subarray(ATTRIBUTES_AT)) >>> 0, 17);
  return buf;
}

/** A commit marker: control key (version 0, type 1), value (version 0, coordinator epoch 0). */
const COMMIT_MARKER: TestRecord = { key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]), offsetDelta: 0 };

/** A partition's fetched bytes as a fetch response has them: size-prefixed. */
function framed(bytes: Buffer) {
  const buf = Buffer.alloc(4 + bytes.length);
  buf.writeInt32BE(bytes.length, 0);
  bytes.copy(buf, 4);
  return new Decoder(buf);
}

/** What kafkajs's own decoder makes of a partition's fetched bytes. */
async function kafkajsRecords(bytes: Buffer) {
  return (await kafkajsDecodeMessages(framed(bytes))) as Array<{ offset: string; key: Buffer | null; value: Buffer | null; isControlRecord: boolean }>;
}

describe('the record batch reader', () => {
  it('reads a batch header and walks its records\' key and value bytes, whole or in part', async () => {
    const bytes = await batch(1000, RECORDS);
    const header = readBatchHeader(bytes, 0)!;
    expect(header).toEqual({ baseOffset: 1000, size: bytes.length, magic: 2, codec: 0, isControlBatch: false, lastOffsetDelta: 4, recordCount: 5 });
    const records = bytes.subarray(RECORD_BATCH_HEADER_BYTES);
    expect(walkRecords(records, 0, 5)).toEqual({ payloadBytes: payloadOf(RECORDS), consecutive: true });
    expect(walkRecords(records, 2, 4).payloadBytes).toBe(payloadOf(RECORDS.slice(2, 4)));
    expect(readBatchHeader(bytes.subarray(0, bytes.length - 1), 0)).toBeUndefined();
  });

  for (const codec of CODEC_NAMES) {
    it(`counts a ${codec} batch as kafkajs decodes it, and leaves a batch cut short out`, async () => {
      const first = await batch(0, RECORDS, codec);
      const second = await batch(5, RECORDS.slice(0, 2), codec);
      const fetched = Buffer.concat([first, second, second.subarray(0, 70)]);
      const [a, b, ...rest] = (await countRecordBatches(fetched, decompress))!;
      expect(rest).toEqual([]);
      expect([a.firstOffset, a.count, a.offset, a.offsets, a.payloadBytes(0, 5), a.payloadBytes(1, 3)])
        .toEqual([0, 5, '4', undefined, payloadOf(RECORDS), payloadOf(RECORDS.slice(1, 3))]);
      expect([b.firstOffset, b.count, b.offset, b.payloadBytes(0, 2)]).toEqual([5, 2, '6', payloadOf(RECORDS.slice(0, 2))]);
      const independent = await kafkajsRecords(fetched);
      expect(independent.map((r) => Number(r.offset))).toEqual([0, 1, 2, 3, 4, 5, 6]);
      expect(payloadOf(independent.map((r) => ({ ...r, offsetDelta: 0 })))).toBe(a.payloadBytes(0, 5) + b.payloadBytes(0, 2));
    });
  }

  it('takes a control batch for a position to move past, not for records', async () => {
    const fetched = Buffer.concat([await batch(0, RECORDS.slice(0, 3)), await batch(3, [COMMIT_MARKER], 'none', true)]);
    const [data, marker] = (await countRecordBatches(fetched, decompress))!;
    expect([data.count, data.marker]).toEqual([3, false]);
    expect([marker.count, marker.marker, marker.firstOffset, marker.offset]).toEqual([0, true, 3, '3']);
    expect((await kafkajsRecords(fetched)).map((r) => r.isControlRecord)).toEqual([false, false, false, true]);
  });

  it('gives a compacted batch\'s offsets one by one', async () => {
    const compacted = [RECORDS[0], { ...RECORDS[1], offsetDelta: 2 }, { ...RECORDS[2], offsetDelta: 5 }];
    const [run] = (await countRecordBatches(await batch(10, compacted, 'lz4'), decompress))!;
    expect([run.firstOffset, run.count, run.offsets, run.offset, run.payloadBytes(0, 3)]).toEqual([10, 3, [10, 12, 15], '15', payloadOf(compacted)]);
  });

  it('leaves a legacy message set (magic 0 or 1, entries shorter than a batch header) to kafkajs', async () => {
    const legacy = Buffer.alloc(40);
    legacy.writeInt32BE(28, 8);
    legacy.writeInt8(1, 16);
    expect(await countRecordBatches(legacy, decompress)).toBeUndefined();
  });

  it('is kafkajs\'s fetch decoding only in a thread whose consumer counts', async () => {
    const bytes = await batch(0, RECORDS.slice(0, 2));
    expect((await decodeFetchedMessages(framed(bytes)))[0]).toHaveProperty('key');
    countFetchedRecordsOnly(true);
    try {
      expect((await decodeFetchedMessages(framed(bytes)))[0]).toHaveProperty('count', 2);
    } finally {
      countFetchedRecordsOnly(false);
    }
  });
});
