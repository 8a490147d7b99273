import type { RunConfig } from '../produce/run-config.js';
import { splitExactly } from '../engine/split.js';
import { DataStormError } from '../shared/errors.js';
import type { Workload } from './workload.js';

/**
 * `--shard i/N`: one of N processes (or hosts) that together run one workload. The workload file describes
 * the whole load; each shard takes an exact share of its records, rate, warmup and workers (remainders go to
 * the first shards), so the merged result is the workload's, whatever N is.
 */
export interface Shard {
  /** 1-based, as in --shard 1/4 ... 4/4. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard {
  const match = /^([0-9]+)\/([0-9]+)$/.exec(text.trim());
  const [index, count] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
  if (!match || count < 1 || index < 1 || index > count) {
    throw new DataStormError('DS_BAD_OPTION', `--shard takes i/N with 1 <= i <= N, not "${text}"`, {
      hint: 'in a Kubernetes indexed Job: --shard $((JOB_COMPLETION_INDEX + 1))/N',
    });
  }
  return { index, count };
}

function shareOf(total: number, shard: Shard, what: string): number {
  if (total < shard.count) {
    throw new DataStormError('DS_BAD_OPTION', `the workload's ${what} (${total}) cannot be split into ${shard.count} shards`, {
      hint: `give the workload at least ${shard.count} ${what}`,
    });
  }
  return splitExactly(total, shard.count)[shard.index - 1];
}

/** The share of the run one shard carries; the topic and every other setting stay the workload's. */
export function shardConfig(config: RunConfig, shard: Shard): RunConfig {
  return {
    ...config,
    numRecords: config.numRecords === undefined ? undefined : shareOf(config.numRecords, shard, 'records'),
    throughputRps: config.throughputRps > 0 ? shareOf(config.throughputRps, shard, 'records/s of throughput') : config.throughputRps,
    workers: shareOf(config.workers, shard, 'workers'),
    warmupRecords: config.warmupRecords > 0 ? shareOf(config.warmupRecords, shard, 'warmup records') : 0,
    sharedTopic: true,
  };
}

/** Settings a shard changes: two results are of one workload when everything else is equal. */
export const SHARDED_SETTINGS = ['numRecords', 'throughputRps', 'workers', 'warmupRecords', 'sharedTopic'] as const satisfies ReadonlyArray<keyof RunConfig>;

/** The workload's config back from its shards' configs: the shared settings, and the split ones added up. */
export function unshardConfig(configs: RunConfig[]): RunConfig {
  const sum = (pick: (c: RunConfig) => number) => configs.reduce((total, c) => total + pick(c), 0);
  const [first] = configs;
  return {
    ...first,
    numRecords: first.numRecords === undefined ? undefined : sum((c) => c.numRecords ?? 0),
    throughputRps: first.throughputRps > 0 ? sum((c) => c.throughputRps) : first.throughputRps,
    workers: sum((c) => c.workers),
    warmupRecords: sum((c) => c.warmupRecords),
    // Merged, the accounting covers every process that wrote to the topic: exact again.
    sharedTopic: false,
  };
}

/**
 * A capacity workload runs as one process: a search on each shard would find the knee of its own share of the
 * load, and knees do not add up to the workload's. `what` splits it (--shard, --shards, bench k8s).
 */
export function checkShardable(workload: Workload, what: string): void {
  if (workload.capacity) {
    throw new DataStormError('DS_BAD_OPTION', `${what} splits a workload into shards, and ${workload.name} is a capacity search: ` +
      'each shard\'s would find the knee of its own share, and knees do not add up', { hint: 'run a capacity workload as one `bench run`' });
  }
}
