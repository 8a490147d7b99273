import { describe, expect, it } from 'vitest';
import { partitionOfKey } from '../../src/kafka/partitioner.js';
import { zipfCumulative, zipfKeyAt, zipfShares } from '../../src/produce/key-distribution.js';
import { DEFAULT_KEY_RANGE, poolKey } from '../../src/produce/record-placer.js';
import { expectedPartitionShares } from '../helpers.js';

describe('Zipf keys', () => {
  it('weighs the key of rank k by 1/(k+1)^s: with s = 1 over 1024 keys the top key has 13.3%, the 10th 1.3%', () => {
    const shares = zipfShares(DEFAULT_KEY_RANGE, 1);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(shares[0]).toBeCloseTo(0.13317, 5); // 1 / H(1024), H the harmonic number
    expect(shares[9]).toBeCloseTo(0.013317, 6);
    expect(zipfShares(4, 0)).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('draws keys whose counts follow the law within 1% for any stretch of records, not only on average', () => {
    const cumulative = zipfCumulative(DEFAULT_KEY_RANGE, 1.2);
    const shares = zipfShares(DEFAULT_KEY_RANGE, 1.2);
    for (const [from, count] of [[0, 100_000], [777_777, 50_000]]) {
      const counts = new Array<number>(DEFAULT_KEY_RANGE).fill(0);
      for (let i = from; i < from + count; i++) counts[zipfKeyAt(cumulative, i)]++;
      for (let rank = 0; rank < 5; rank++) expect(Math.abs(counts[rank] / count - shares[rank]) / shares[rank]).toBeLessThan(0.01);
    }
  });

  it('spreads a run over the partitions as the partitioner and the law say, within 1%', () => {
    const cumulative = zipfCumulative(DEFAULT_KEY_RANGE, 1);
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 100_000; i++) counts[partitionOfKey(poolKey(zipfKeyAt(cumulative, i)), 8)]++;
    const expected = expectedPartitionShares(1, 8);
    counts.forEach((count, partition) => expect(Math.abs(count / 100_000 - expected[partition]) / expected[partition]).toBeLessThan(0.01));
  });
});
