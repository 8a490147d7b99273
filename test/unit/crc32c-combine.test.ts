import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';
import { combineCrc32c } from '../../src/kafka/crc32c-combine.js';
import { prng } from '../../src/produce/payloads.js';

const crc = (bytes: Buffer) => crc32c(bytes) >>> 0;

describe('combineCrc32c', () => {
  it('gives the CRC-32C of two runs one after the other from the CRC of each', () => {
    const random = prng(3);
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    for (const [a, b] of [[0, 0], [40, 0], [0, 17], [40, 1], [40, 7], [3, 1000], [40, 524_288], [1, 65_537]]) {
      const first = bytes(a);
      const second = bytes(b);
      expect(combineCrc32c(crc(first), crc(second), b), `${a} then ${b} bytes`).toBe(crc(Buffer.concat([first, second])));
    }
  });
});
