import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { mergeHistograms, summarizeLatency } from '../../src/shared/histograms.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { CLI, runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const SMOKE = fileURLToPath(new URL('../../benchmarks/workloads/smoke.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-shards-'));
const topic = uniqueTopic('bench-shards');
const admin = createKafka(bootstrap, 'datastorm-test').admin();

afterAll(async () => {
  await admin.disconnect();
});

/** One shard as its own OS process, as on separate hosts; resolves with its exit code and stderr. */
function shardProcess(shard: string, out: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'bench', 'run', SMOKE, '--shard', shard, '--bootstrap-server', bootstrap.join(','),
    '--set', `topic=${topic}`, '--set', 'num-records=30001', '--set', 'warmup-records=3001', '--out', join(dir, out)],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as BenchResult;

describe('datastorm merge of shards run as separate processes', () => {
  it('adds the shards\' histograms and counters into the workload\'s result, reconciled with the broker', async () => {
    // Both shards find the topic missing and create it, as the pods of a Kubernetes Job would.
    const shards = await Promise.all([shardProcess('1/2', 'shard-1.json'), shardProcess('2/2', 'shard-2.json')]);
    for (const shard of shards) expect(shard.code, shard.stderr).toBe(0);
    const [one, two] = [read('shard-1.json'), read('shard-2.json')];
    expect([one.config.numRecords, two.config.numRecords]).toEqual([15_001, 15_000]);
    expect([one.config.workers, two.config.workers]).toEqual([1, 1]);
    expect([one.config.warmupRecords, two.config.warmupRecords]).toEqual([1501, 1500]);
    expect([one.bench?.shard, two.bench?.shard]).toEqual([{ index: 1, count: 2 }, { index: 2, count: 2 }]);

    const merge = runCli(['merge', join(dir, 'shard-1.json'), join(dir, 'shard-2.json'), '--out', join(dir, 'merged.json')]);
    expect(merge.stderr).toContain(`accounting: 30001 records acknowledged = 30001 records added to ${topic} (broker offsets): OK`);
    expect(merge.code).toBe(0);
    const merged = read('merged.json');

    // The workload's own settings come back, and every record is counted once.
    expect(merged.config).toMatchObject({ numRecords: 30_001, workers: 2, warmupRecords: 3001, topic });
    expect(merged.totals.records).toBe(30_001);
    expect(merged.accounting).toMatchObject({ acknowledgedRecords: 30_001, brokerOffsetGrowth: 30_001, match: true });
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(30_001);

    // Histograms, not averages: the merged percentiles are those of both shards' values together.
    expect(merged.latency.count).toBe(30_001);
    const { histogram: _, ...latency } = merged.latency;
    expect(latency).toEqual(summarizeLatency(mergeHistograms([one.latency.histogram, two.latency.histogram])));
    expect(merged.steadyState?.latency.count).toBe(27_000);

    // The window runs from the first go to the last ack; the rate is recomputed over it.
    const start = Math.min(one.measuredWindow.startEpochMs, two.measuredWindow.startEpochMs);
    const end = Math.max(one.measuredWindow.endEpochMs, two.measuredWindow.endEpochMs);
    expect(merged.totals.durationMs).toBe(end - start);
    expect(merged.totals.recordsPerSec).toBeCloseTo(30_001 / ((end - start) / 1000), 6);
    expect(merged.bench?.mergedFrom?.map((m) => m.records)).toEqual([15_001, 15_000]);
  });

  it('refuses one shard\'s result given twice (the other shard missing)', () => {
    const [first, again] = [join(dir, 'shard-1.json'), join(dir, 'shard-1.json')];
    const missing = runCli(['merge', first, again]);
    expect(missing.stderr).toBe(`error DS_MERGE_REFUSED: ${first} and ${again} are the same result (same host, start and window) (give each process's result once)\n`);
    expect(missing.code).toBe(1);
  });
});

describe('datastorm merge of runs that were not shards of one run', () => {
  it('refuses two runs one after the other, and with --force merges them saying it was forced and is not one run\'s load', async () => {
    const sequential = uniqueTopic('bench-sequential');
    const run = (out: string) => runCli(['bench', 'run', SMOKE, '--bootstrap-server', bootstrap.join(','), '--set', `topic=${sequential}`,
      '--set', 'num-records=3000', '--set', 'warmup-records=0', '--out', join(dir, out)]);
    for (const out of ['first.json', 'second.json']) {
      const done = run(out);
      expect(done.code, done.stderr).toBe(0);
    }
    const [first, second] = [join(dir, 'first.json'), join(dir, 'second.json')];
    const reason = 'the results are not every shard of one split once each (given unsharded, unsharded)';
    const refused = runCli(['merge', first, second]);
    expect(refused.stderr).toBe(`error DS_MERGE_REFUSED: ${reason} (merge the shards of one run (bench run --shard i/N) or ` +
      '--shared-topic processes that ran at the same time; --force merges other results, marked as not one run\'s load)\n');
    expect(refused.code).toBe(1);

    const forced = runCli(['merge', first, second, '--force', '--json']);
    expect(forced.stderr).toContain(`FORCED MERGE (--force): ${reason}: these figures are not one run's load\n`);
    expect(forced.stderr).toContain(`accounting: 6000 records acknowledged = 6000 records added to ${sequential} (broker offsets): OK`);
    expect(forced.code, forced.stderr).toBe(0);
    const merged = JSON.parse(forced.stdout) as BenchResult;
    expect(merged.bench?.forcedMerge).toEqual({ notOneRunBecause: reason });
    expect(merged.totals.records).toBe(6000);
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(sequential);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(6000);
  });
});

describe('bench run --shards N --local: the rehearsal of a sharded run on one machine', () => {
  it('runs N shard processes with one start barrier and merges them to exactly the records on the broker', async () => {
    const rehearsal = uniqueTopic('bench-rehearsal');
    const run = runCli(['bench', 'run', SMOKE, '--shards', '3', '--local', '--bootstrap-server', bootstrap.join(','),
      '--set', `topic=${rehearsal}`, '--set', 'num-records=24001', '--set', 'warmup-records=3000', '--set', 'workers=3', '--json']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code, run.stderr).toBe(0);
    const merged = JSON.parse(run.stdout) as BenchResult;
    expect(merged.bench?.mergedFrom?.map((m) => [m.shard?.index, m.records])).toEqual([[1, 8001], [2, 8000], [3, 8000]]);
    expect(merged.totals.records).toBe(24_001);
    expect(merged.accounting).toMatchObject({ acknowledgedRecords: 24_001, brokerOffsetGrowth: 24_001, match: true });
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(rehearsal);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(24_001);
    // Each shard waited for the one barrier and says when it started after it; the merge reports the spread.
    const starts = [...run.stderr.matchAll(/\[shard (\d)\/3\] start: ([\d.]+) ms after the barrier (\S+)/g)];
    expect(starts.map((m) => m[1]).sort()).toEqual(['1', '2', '3']);
    expect(new Set(starts.map((m) => m[3])).size).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`start spread: ${merged.bench!.startSpreadMs!.toFixed(1)} ms across 3 shards \\(start barrier ${starts[0][3].replace(/[.]/g, '\\.')}`));
  });

  it('refuses --shards without --local, and a workload that does not split, before any process starts', () => {
    expect(runCli(['bench', 'run', SMOKE, '--shards', '2']).stderr).toMatch(/^error DS_BAD_OPTION: --shards N runs shards as processes here with --local/);
    const tooFew = runCli(['bench', 'run', SMOKE, '--shards', '3', '--local', '--set', 'num-records=2', '--set', 'warmup-records=0']);
    expect(tooFew.stderr).toBe('error DS_BAD_OPTION: the workload\'s records (2) cannot be split into 3 shards (give the workload at least 3 records)\n');
    expect(tooFew.code).toBe(1);
  });
});

