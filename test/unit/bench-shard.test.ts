import { describe, expect, it } from 'vitest';
import { checkShardable, parseShard, shardConfig, unshardConfig } from '../../src/bench/shard.js';
import { workloadFromObject } from '../../src/bench/workload.js';
import { errorOf } from '../helpers.js';
import { BASE_CONFIG } from './bench-fixtures.js';

describe('parseShard', () => {
  it('reads i/N, 1-based', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    expect(parseShard(' 4/4 ')).toEqual({ index: 4, count: 4 });
  });

  it('refuses 0-based and out-of-range shards with a hint for indexed Jobs', () => {
    for (const text of ['0/4', '5/4', '1/0', '1', 'a/b', '-1/2']) {
      expect(() => parseShard(text)).toThrow(`--shard takes i/N with 1 <= i <= N, not "${text}"`);
    }
  });
});

describe('shardConfig', () => {
  const workload = { ...BASE_CONFIG, numRecords: 1_000_003, throughputRps: 50_002, workers: 5, warmupRecords: 10_001 };

  it('splits records, rate, warmup and workers exactly, the remainder to the first shards', () => {
    const shards = [1, 2, 3].map((index) => shardConfig(workload, { index, count: 3 }));
    expect(shards.map((c) => [c.numRecords, c.throughputRps, c.workers, c.warmupRecords])).toEqual([
      [333_335, 16_668, 2, 3334],
      [333_334, 16_667, 2, 3334],
      [333_334, 16_667, 1, 3333],
    ]);
    expect(shards.every((c) => c.topic === workload.topic && c.partitions === workload.partitions && c.sharedTopic)).toBe(true);
    expect(unshardConfig(shards)).toEqual(workload);
  });

  it('keeps a timed run timed and an unlimited rate unlimited', () => {
    const timed = { ...workload, numRecords: undefined, durationMs: 30_000, throughputRps: -1, warmupRecords: 0 };
    const share = shardConfig(timed, { index: 2, count: 2 });
    expect(share).toMatchObject({ numRecords: undefined, durationMs: 30_000, throughputRps: -1, workers: 2, warmupRecords: 0 });
    expect(unshardConfig([shardConfig(timed, { index: 1, count: 2 }), share])).toEqual(timed);
  });

  it('refuses a split that cannot be exact', () => {
    expect(() => shardConfig({ ...workload, workers: 2 }, { index: 1, count: 3 })).toThrow(
      "the workload's workers (2) cannot be split into 3 shards");
  });
});

describe('checkShardable', () => {
  it('refuses to split a capacity workload: each shard\'s search would find the knee of its share', () => {
    const workload = workloadFromObject({ workers: 2, capacity: { slo: 'p99<=50ms' } }, 'c.yaml', { defaultName: 'cap' });
    const refused = errorOf(() => checkShardable(workload, '--shards'));
    expect(refused.code).toBe('DS_BAD_OPTION');
    expect(refused.message).toBe('--shards splits a workload into shards, and cap is a capacity search: each shard\'s would find the knee of its ' +
      'own share, and knees do not add up');
    checkShardable(workloadFromObject({ workers: 2, 'num-records': 10 }, 'w.yaml'), '--shards');
  });
});
