import kafkajs from './kafkajs.js';
import type { CompressionTypes as CompressionType } from 'kafkajs';
import { createRequire } from 'node:module';
import { DataStormError } from '../shared/errors.js';

/** Kafka's record batch codecs, by the names its clients' compression.type takes. */
export const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CodecName = (typeof CODEC_NAMES)[number];

const { CompressionTypes, CompressionCodecs } = kafkajs;

/**
 * A native codec library, loaded on first use: each worker thread loads its own, and a run without that codec
 * should not pay for it (loading all three cost a thread ~25 ms of CPU and a few MB).
 */
function lazyLibrary<T>(name: string): () => T {
  let library: T | undefined;
  return () => (library ??= createRequire(import.meta.url)(name) as T);
}
const lz4Library = lazyLibrary<typeof import('lz4-napi')>('lz4-napi');
const snappyLibrary = lazyLibrary<typeof import('snappy')>('snappy');
const zstdLibrary = lazyLibrary<typeof import('@mongodb-js/zstd')>('@mongodb-js/zstd');

/**
 * kafkajs's codec contract (node_modules/kafkajs/src/protocol/message/compression/gzip.js): `compress` gets the
 * record set's Encoder, whose `buffer` is a view of its bytes (no copy); `decompress` gets the batch's records.
 */
interface KafkajsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/**
 * The LZ4 frame format. Kafka's reader (Lz4BlockInputStream) refuses dependent blocks and a dictionary id;
 * lz4-napi writes independent blocks without one. Checksums stay off, as Kafka's Java producer writes them.
 */
const LZ4_FRAME_OPTIONS = { contentChecksum: false, blockChecksums: false };

const lz4: KafkajsCodec = {
  compress: (encoder) => lz4Library().compressFrame(encoder.buffer, LZ4_FRAME_OPTIONS),
  decompress: (buffer) => lz4Library().decompressFrame(buffer),
};

/**
 * snappy-java's stream header, what Kafka's Java clients write: magic 0x82 "SNAPPY" 0, then int32 BE version 1
 * and minimum compatible version 1. Chunks follow, each an int32 BE length and a raw snappy block.
 */
export const XERIAL_SNAPPY_HEADER = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
const XERIAL_MAGIC_LENGTH = 8;
const CHUNK_LENGTH_BYTES = 4;

function isXerialFramed(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_SNAPPY_HEADER.length &&
    buffer.compare(XERIAL_SNAPPY_HEADER, 0, XERIAL_MAGIC_LENGTH, 0, XERIAL_MAGIC_LENGTH) === 0;
}

function uncompressSnappyBlock(block: Buffer): Promise<Buffer> {
  return snappyLibrary().uncompress(block, { asBuffer: true }) as Promise<Buffer>;
}

/** The raw blocks of a framed stream, as views into it. */
function xerialChunks(framed: Buffer): Buffer[] {
  const chunks: Buffer[] = [];
  let offset = XERIAL_SNAPPY_HEADER.length;
  while (offset < framed.length) {
    const length = offset + CHUNK_LENGTH_BYTES <= framed.length ? framed.readInt32BE(offset) : -1;
    offset += CHUNK_LENGTH_BYTES;
    if (length < 0 || offset + length > framed.length) {
      throw new DataStormError('DS_CORRUPT_BATCH',
        `snappy-framed batch of ${framed.length} bytes is cut short at byte ${offset - CHUNK_LENGTH_BYTES}`);
    }
    chunks.push(framed.subarray(offset, offset + length));
    offset += length;
  }
  return chunks;
}

const snappy: KafkajsCodec = {
  async compress(encoder) {
    // One chunk for the whole batch: snappy-java reads chunks of up to 512 MiB, and one native call is cheapest.
    const block = await snappyLibrary().compress(encoder.buffer);
    const framed = Buffer.allocUnsafe(XERIAL_SNAPPY_HEADER.length + CHUNK_LENGTH_BYTES + block.length);
    XERIAL_SNAPPY_HEADER.copy(framed, 0);
    framed.writeInt32BE(block.length, XERIAL_SNAPPY_HEADER.length);
    block.copy(framed, XERIAL_SNAPPY_HEADER.length + CHUNK_LENGTH_BYTES);
    return framed;
  },
  // Framed is what Java clients write (in 32 KiB chunks); raw blocks are what some other clients write.
  async decompress(buffer) {
    if (!isXerialFramed(buffer)) return uncompressSnappyBlock(buffer);
    const blocks = await Promise.all(xerialChunks(buffer).map(uncompressSnappyBlock));
    return blocks.length === 1 ? blocks[0] : Buffer.concat(blocks);
  },
};

// @mongodb-js/zstd compresses at zstd's default level 3, Kafka's default too.
const zstd: KafkajsCodec = {
  compress: (encoder) => zstdLibrary().compress(encoder.buffer),
  decompress: (buffer) => zstdLibrary().decompress(buffer),
};

// kafkajs calls a codec's factory for every batch: each returns one shared object.
const CODEC_FACTORIES = {
  [CompressionTypes.Snappy]: () => snappy,
  [CompressionTypes.LZ4]: () => lz4,
  [CompressionTypes.ZSTD]: () => zstd,
};

/**
 * Installs the codecs kafkajs lacks (it has GZIP only). Each worker thread loads its own kafkajs, so each calls
 * this once; calling it again changes nothing.
 */
export function registerCodecs(): void {
  Object.assign(CompressionCodecs, CODEC_FACTORIES);
}

const COMPRESSION_TYPES: Record<CodecName, CompressionType> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export function compressionTypeOf(codec: CodecName): CompressionType {
  return COMPRESSION_TYPES[codec];
}

export function parseCodec(name: string): CodecName {
  if ((CODEC_NAMES as readonly string[]).includes(name)) return name as CodecName;
  throw new DataStormError('DS_BAD_OPTION', `unknown codec "${name}"`, { hint: `one of ${CODEC_NAMES.join(', ')}` });
}
