import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CompressionTypes as CompressionType } from 'kafkajs';
import { compress as rawSnappyCompress, uncompress as rawSnappyUncompress } from 'snappy';
import { describe, expect, it } from 'vitest';
import { compressionTypeOf, parseCodec, registerCodecs } from '../../src/kafka/codecs.js';
import kafkajs from '../../src/kafka/kafkajs.js';
import { CODEC_NAMES } from '../../src/kafka/codecs.js';
import { DataStormError, formatError } from '../../src/shared/errors.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

// The Encoder kafkajs hands to compress(): the codecs must work with the real one, not a look-alike.
const Encoder = createRequire(import.meta.url)('kafkajs/src/protocol/encoder') as new () => {
  writeBuffer(value: Buffer): unknown;
  buffer: Buffer;
};

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

registerCodecs();

/** The codec exactly as kafkajs looks it up for every batch. */
function codecOf(type: CompressionType): Codec {
  return (CompressionCodecs as Record<number, () => Codec>)[type]();
}

function compressWith(codec: Codec, data: Buffer): Promise<Buffer> {
  const encoder = new Encoder();
  encoder.writeBuffer(data);
  return codec.compress(encoder);
}

/** Text-like records: a few hundred distinct words, so every codec has something to find. */
function compressibleBytes(length: number): Buffer {
  const words = Array.from({ length: 300 }, (_, i) => `w${(i * 7919) % 1000}`);
  let x = 12345;
  let text = '';
  while (text.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    text += `${words[x % words.length]} `;
  }
  return Buffer.from(text.slice(0, length));
}

const PAYLOADS: Array<[string, Buffer]> = [
  ['0 bytes', Buffer.alloc(0)],
  ['1 byte', Buffer.from([0x2a])],
  ['100 KB compressible', compressibleBytes(100 * 1024)],
  ['3 MB random', randomBytes(3 * 1024 * 1024)],
];

const OUR_CODECS = [
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

const XERIAL_HEADER = [0x82, ...Buffer.from('SNAPPY'), 0x00, 0, 0, 0, 1, 0, 0, 0, 1];

describe('registered codecs', () => {
  describe.each(OUR_CODECS)('%s', (_name, type) => {
    it.each(PAYLOADS)('round-trips %s', async (_label, data) => {
      const codec = codecOf(type);
      const compressed = await compressWith(codec, data);
      expect((await codec.decompress(compressed)).equals(data)).toBe(true);
      if (data.length === 100 * 1024) expect(compressed.length).toBeLessThan(data.length / 2);
    });
  });

  it('stay installed, unchanged, when registered again, and leave GZIP as kafkajs has it', () => {
    const gzipFactory = CompressionCodecs[CompressionTypes.GZIP];
    const before = OUR_CODECS.map(([, type]) => codecOf(type));
    registerCodecs();
    OUR_CODECS.forEach(([, type], i) => expect(codecOf(type)).toBe(before[i]));
    expect(CompressionCodecs[CompressionTypes.GZIP]).toBe(gzipFactory);
  });
});

describe('snappy', () => {
  const snappy = () => codecOf(CompressionTypes.Snappy);

  it("writes xerial's framing: the 16-byte header, then one length-prefixed raw block", async () => {
    const data = compressibleBytes(50_000);
    const framed = await compressWith(snappy(), data);
    expect([...framed.subarray(0, 16)]).toEqual(XERIAL_HEADER);
    const blockLength = framed.readInt32BE(16);
    expect(blockLength).toBe(framed.length - 20);
    expect(((await rawSnappyUncompress(framed.subarray(20))) as Buffer).equals(data)).toBe(true);
  });

  it('reads raw snappy blocks too', async () => {
    const data = compressibleBytes(10_000);
    expect((await snappy().decompress(await rawSnappyCompress(data))).equals(data)).toBe(true);
  });

  it('reads a framed stream of many chunks, as Java writes it (32 KiB each)', async () => {
    const data = compressibleBytes(100_000);
    const parts: Buffer[] = [Buffer.from(XERIAL_HEADER)];
    for (let offset = 0; offset < data.length; offset += 32 * 1024) {
      const block = await rawSnappyCompress(data.subarray(offset, offset + 32 * 1024));
      const length = Buffer.alloc(4);
      length.writeInt32BE(block.length);
      parts.push(length, block);
    }
    expect(parts).toHaveLength(1 + 2 * 4);
    expect((await snappy().decompress(Buffer.concat(parts))).equals(data)).toBe(true);
  });

  it('reads a header with no chunk as no bytes', async () => {
    expect(await snappy().decompress(Buffer.from(XERIAL_HEADER))).toEqual(Buffer.alloc(0));
  });

  it('refuses a framed stream cut short inside a chunk', async () => {
    const framed = await compressWith(snappy(), compressibleBytes(5_000));
    await expect(snappy().decompress(framed.subarray(0, framed.length - 1))).rejects.toMatchObject({
      code: 'DS_CORRUPT_BATCH',
      message: `snappy-framed batch of ${framed.length - 1} bytes is cut short at byte 16`,
    });
  });
});

describe('lz4', () => {
  it("writes LZ4 frames Kafka's reader accepts: v1, independent blocks, no dictionary, 64 KB–4 MB blocks", async () => {
    for (const [, data] of PAYLOADS) {
      const frame = await compressWith(codecOf(CompressionTypes.LZ4), data);
      expect([...frame.subarray(0, 4)]).toEqual([0x04, 0x22, 0x4d, 0x18]);
      // FLG: version 01, block independence 1, no block/content checksums, no content size, no dictionary id.
      expect(frame[4]).toBe(0x60);
      const blockSizeId = frame[5] >> 4;
      expect(blockSizeId).toBeGreaterThanOrEqual(4);
      expect(blockSizeId).toBeLessThanOrEqual(7);
      expect(frame[5] & 0x8f).toBe(0);
    }
  });
});

describe('compressionTypeOf', () => {
  it("maps each codec to kafkajs's attribute value, which is Kafka's", () => {
    expect(CODEC_NAMES.map(compressionTypeOf)).toEqual([0, 1, 2, 3, 4]);
    expect(compressionTypeOf('lz4')).toBe(CompressionTypes.LZ4);
  });
});

describe('parseCodec', () => {
  it('accepts every codec name', () => {
    for (const name of CODEC_NAMES) expect(parseCodec(name)).toBe(name);
  });

  it.each(['brotli', 'LZ4', ''])('refuses %j with DS_BAD_OPTION and the list of codecs', (name) => {
    let error: unknown;
    try {
      parseCodec(name);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DataStormError);
    expect(formatError(error)).toBe(`error DS_BAD_OPTION: unknown codec "${name}" (one of none, gzip, snappy, lz4, zstd)`);
  });
});
