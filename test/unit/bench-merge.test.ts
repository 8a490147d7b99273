import { describe, expect, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { mergeInputs, mergeIntervals, mergeResults } from '../../src/bench/merge-results.js';
import { errorOf } from '../helpers.js';
import { shardConfig } from '../../src/bench/shard.js';
import { decodeHistogram } from '../../src/shared/histograms.js';
import { formatForcedMergeLine, formatStartSpreadLine } from '../../src/bench/bench-report.js';
import { formatStartLine } from '../../src/report/produce-report.js';
import { parseStartAt } from '../../src/run-spec/parse.js';
import { localBarrierEpochMs } from '../../src/bench/local-shards.js';
import type { IntervalResult } from '../../src/produce/result.js';
import { BASE_CONFIG, capacityResult, latencies, latencyOf, produceResult } from './bench-fixtures.js';

const T0 = 1_700_000_000_000;
const workloadConfig = { ...BASE_CONFIG, numRecords: 30_001, workers: 4, throughputRps: 9_001, warmupRecords: 0 };

/** Shard i of 2 of the workload above, as `bench run --shard i/2` writes it. */
function shard(index: 1 | 2, options: { startEpochMs: number; durationMs: number; offsetsBefore: number; othersRecords: number }): BenchResult {
  const config = shardConfig(workloadConfig, { index, count: 2 });
  const values = latencies(index * 7, config.numRecords!);
  return {
    ...produceResult({ records: config.numRecords!, latenciesUs: values, config, hostname: `host-${index}`, ...options }),
    bench: { workload: { name: 'w' }, shard: { index, count: 2 }, runs: [] },
  };
}

describe('mergeResults', () => {
  // Shard 2 starts 200 ms after shard 1 and ends 300 ms after it; each saw part of the other's records.
  const one = shard(1, { startEpochMs: T0, durationMs: 2000, offsetsBefore: 0, othersRecords: 9000 });
  const two = shard(2, { startEpochMs: T0 + 200, durationMs: 2100, offsetsBefore: 1200, othersRecords: 13_801 });
  const merged = mergeResults([one, two], ['one.json', 'two.json']);

  it('adds the histograms: the percentiles are those of one histogram of every value', () => {
    const all = latencyOf([...latencies(7, 15_001), ...latencies(14, 15_000)]);
    const { histogram, ...summary } = merged.latency;
    const { histogram: expectedHistogram, ...expected } = all;
    expect(summary).toEqual(expected);
    expect(decodeHistogram(histogram).totalCount).toBe(30_001);
    expect(decodeHistogram(histogram).getValueAtPercentile(99.9)).toBe(decodeHistogram(expectedHistogram).getValueAtPercentile(99.9));
  });

  it('sums counters, takes the first start and last end, and recomputes the rates over that window', () => {
    expect(merged.measuredWindow).toEqual({ startEpochMs: T0, endEpochMs: T0 + 2300 });
    expect(merged.totals).toMatchObject({
      records: 30_001, payloadBytes: 3_000_100, durationMs: 2300, recordsPerSec: 30_001 / 2.3,
      mbPerSec: 3_000_100 / 1024 / 1024 / 2.3, errors: {},
    });
    expect(merged.totals.compressionRatio).toBeCloseTo(2, 3);
    expect(merged.workers.map((w) => [w.workerId, w.records])).toEqual([[0, 15_001], [1, 15_000]]);
    expect(merged.process).toEqual({ peakRssBytes: 400 * 1024 * 1024, cpuUserMs: 3000, cpuSystemMs: 500 });
    expect(merged.machine.hostname).toBe('host-1,host-2');
  });

  it('keeps the commit the shards ran in, for bench history\'s order', () => {
    const commit = { sha: 'a'.repeat(40), committedAt: '2026-03-01T08:00:00Z' };
    const withCommit = (result: BenchResult): BenchResult => ({ ...result, bench: { ...result.bench!, commit } });
    expect(mergeResults([withCommit(one), withCommit(two)], ['one.json', 'two.json']).bench?.commit).toEqual(commit);
    expect(merged.bench?.commit).toBeUndefined();
  });

  it('gives back the workload\'s own config and reconciles the shared topic exactly', () => {
    expect(merged.config).toEqual(workloadConfig);
    // Each shard's own growth counted the other's records; the earliest and latest offsets do not.
    expect(one.accounting.match).toBe(false);
    expect(merged.accounting).toEqual({
      acknowledgedRecords: 30_001, brokerOffsetGrowth: 30_001, match: true,
      topicEndOffsetTotalBefore: 0, topicEndOffsetTotalAfter: 30_001,
    });
    expect(merged.bench?.runs[0].records_per_sec).toBe(30_001 / 2.3);
    expect(merged.bench?.mergedFrom).toEqual([
      { hostname: 'host-1', startedAt: one.startedAt, records: 15_001, shard: { index: 1, count: 2 } },
      { hostname: 'host-2', startedAt: two.startedAt, records: 15_000, shard: { index: 2, count: 2 } },
    ]);
  });

  it('merges steady states over the window from the first steady send', () => {
    const warm = (r: BenchResult, steadyStart: number, values: number[]): BenchResult => ({
      ...r,
      measuredWindow: { ...r.measuredWindow, steadyStartEpochMs: steadyStart },
      steadyState: { totals: { ...r.totals, records: values.length, durationMs: 1 }, latency: latencyOf(values) },
    });
    const m = mergeResults([warm(one, T0 + 500, [1000, 2000]), warm(two, T0 + 400, [3000])]);
    expect(m.measuredWindow.steadyStartEpochMs).toBe(T0 + 400);
    expect(m.steadyState?.totals).toMatchObject({ records: 3, durationMs: 1900 });
    expect(m.steadyState?.latency.count).toBe(3);
  });

  it('refuses results of different workloads, schema versions or repeated runs, naming the files', () => {
    const lz4 = { ...two, config: { ...two.config, compression: 'zstd' as const } };
    expect(() => mergeResults([one, lz4], ['one.json', 'two.json'])).toThrow(
      'one.json and two.json are of different workloads: setting compression: "lz4" -> "zstd"');
    const other = { ...two, bench: { ...two.bench!, workload: { name: 'other' } } };
    expect(() => mergeResults([one, other], ['a', 'b'])).toThrow('a and b are of different workloads: workload w -> other');
    const v2 = { ...two, schemaVersion: 2 } as unknown as BenchResult;
    expect(() => mergeResults([one, v2], ['a', 'b'])).toThrow('b has schema version 2, a has 1');
    const repeated = { ...two, bench: { ...two.bench!, runs: [two.bench!.runs[0], two.bench!.runs[0]] } };
    expect(() => mergeResults([one, repeated], ['a', 'b'])).toThrow('b holds the medians of 2 repeated runs');
    expect(() => mergeResults([one])).toThrow('merge needs at least 2 results, got 1');
  });

  it('refuses a result given twice, and results of separate runs', () => {
    expect(() => mergeResults([one, two, one], ['a.json', 'b.json', 'a-copy.json'])).toThrow('a.json and a-copy.json are the same result');
    const later = (r: BenchResult, ms: number) => ({ ...r, measuredWindow: { startEpochMs: r.measuredWindow.startEpochMs + ms, endEpochMs: r.measuredWindow.endEpochMs + ms } });
    expect(() => mergeResults([one, later(two, 3_600_000)])).toThrow('the results did not run together');
    // Processes started together begin within seconds: 20 s apart still merges.
    expect(mergeResults([one, later(two, 20_000)]).accounting.acknowledgedRecords).toBe(30_001);
  });

  it('needs every shard of the split exactly once', () => {
    const otherShardOne = { ...one, startedAt: two.startedAt };
    expect(() => mergeResults([one, otherShardOne])).toThrow('the results are not every shard of one split once each (given 1/2, 1/2)');
    const unsharded = { ...two, bench: { ...two.bench!, shard: undefined } };
    expect(() => mergeResults([one, unsharded])).toThrow('(given 1/2, unsharded)');
  });

  // Two runs of the whole workload, the second started 100 ms after the first ended, as `bench run` twice would make them.
  const whole = (startEpochMs: number, hostname: string, sharedTopic = false): BenchResult => ({
    ...produceResult({ records: 1000, latenciesUs: [1000, 2000], startEpochMs, durationMs: 1000, hostname, config: { sharedTopic } }),
    bench: { workload: { name: 'w' }, runs: [] },
  });

  it('refuses runs one after the other that were not shards of one run, unless forced, and then says so', () => {
    const [first, second] = [whole(T0, 'host-a'), whole(T0 + 1100, 'host-a')];
    const reason = 'the results are not every shard of one split once each (given unsharded, unsharded)';
    expect(() => mergeResults([first, second], ['r1.json', 'r2.json'])).toThrow(reason);
    const forced = mergeResults([first, second], ['r1.json', 'r2.json'], { force: true });
    expect(forced.bench?.forcedMerge).toEqual({ notOneRunBecause: reason });
    expect(formatForcedMergeLine(forced)).toBe(`FORCED MERGE (--force): ${reason}: these figures are not one run's load`);
    expect(forced.totals.records).toBe(2000);
    // Shards of one run need no force and carry no mark.
    expect(merged.bench?.forcedMerge).toBeUndefined();
    expect(formatForcedMergeLine(merged)).toBeUndefined();
    const hourApart = mergeResults([one, { ...two, measuredWindow: { startEpochMs: T0 + 3_600_000, endEpochMs: T0 + 3_601_000 } }],
      ['a.json', 'b.json'], { force: true });
    expect(hourApart.bench?.forcedMerge?.notOneRunBecause).toBe(`the results did not run together: a.json started ${new Date(T0).toISOString()}, ` +
      `b.json started ${new Date(T0 + 3_600_000).toISOString()}`);
  });

  it('takes --shared-topic processes that ran at the same time as one run, but not one after the other', () => {
    const together = mergeResults([whole(T0, 'host-a', true), whole(T0 + 300, 'host-b', true)]);
    expect(together.bench?.forcedMerge).toBeUndefined();
    expect(together.totals.records).toBe(2000);
    expect(() => mergeResults([whole(T0, 'host-a', true), whole(T0 + 1100, 'host-b', true)]))
      .toThrow('the results are not every shard of one split once each (given unsharded, unsharded)');
  });

  it('refuses a result whose accounting was not checked, forced or not: its records cannot be reconciled', () => {
    const unchecked = { ...two, accounting: { ...two.accounting, brokerOffsetGrowth: Number.NaN, uncheckedBecause: 'the cluster was gone' } };
    for (const force of [false, true]) {
      expect(() => mergeResults([one, unchecked], ['a.json', 'b.json'], { force })).toThrow(
        'b.json\'s accounting was not checked (the cluster was gone): its records cannot be reconciled with the broker\'s');
    }
  });
});

describe('the start barrier in merged results', () => {
  const one = shard(1, { startEpochMs: T0, durationMs: 2000, offsetsBefore: 0, othersRecords: 9000 });
  const two = shard(2, { startEpochMs: T0 + 200, durationMs: 2100, offsetsBefore: 1200, othersRecords: 13_801 });

  it('without a barrier: the shards\' windows started 200 ms apart, and the merged rate is diluted by it', () => {
    const merged = mergeResults([one, two]);
    expect(merged.bench?.startSpreadMs).toBe(200);
    expect(formatStartSpreadLine([one, two], merged)).toBe('start spread: 200.0 ms across 2 shards (no common start barrier: ' +
      'the merged rate is diluted by the stagger; give each shard the same --start-at)');
  });

  it('with one: the spread of the shards\' first workers\' starts, and a late shard named', () => {
    const barrier = (lateMs: number) => ({ plannedEpochMs: T0, firstSendEpochMs: T0 + lateMs, lateMs });
    const onTime = [{ ...one, barrier: barrier(1.5) }, { ...two, barrier: barrier(9.75) }];
    const merged = mergeResults(onTime);
    expect(merged.bench?.startSpreadMs).toBe(8.25);
    expect(formatStartSpreadLine(onTime, merged)).toBe(`start spread: 8.3 ms across 2 shards (start barrier ${new Date(T0).toISOString()})`);
    const late = [onTime[0], { ...two, barrier: barrier(1500) }];
    expect(formatStartSpreadLine(late, mergeResults(late))).toBe(`start spread: 1498.5 ms across 2 shards (start barrier ${new Date(T0).toISOString()}; one started 1500 ms after it)`);
    expect(formatStartLine(onTime[0])).toBe(`start: 1.5 ms after the barrier ${new Date(T0).toISOString()}`);
    expect(formatStartLine(late[1])).toBe(`start: 1500.0 ms after the barrier ${new Date(T0).toISOString()} (LATE: this process was not ready by then)`);
    expect(formatStartLine(one)).toBeUndefined();
  });

  it('never reports a start at the barrier that was not: early, or stopped while waiting', () => {
    const early = { partial: false, barrier: { plannedEpochMs: T0, firstSendEpochMs: T0 - 86_400_000, lateMs: 0 } };
    expect(formatStartLine(early)).toBe(`start: 86400000.0 ms BEFORE the barrier ${new Date(T0).toISOString()} (EARLY: the run did not wait for it)`);
    expect(formatStartLine({ ...early, partial: true })).toBe(`start: none: stopped 86400.0 s before the barrier ${new Date(T0).toISOString()}, nothing was sent`);
    // A timer fires up to a millisecond early: that is at the barrier.
    expect(formatStartLine({ partial: false, barrier: { plannedEpochMs: T0, firstSendEpochMs: T0 - 1, lateMs: 0 } }))
      .toBe(`start: 0.0 ms after the barrier ${new Date(T0).toISOString()}`);
  });
});

describe('parseStartAt', () => {
  const now = Date.parse('2026-11-30T20:00:00Z');
  it('takes an ISO time or a delay from now, ahead of now', () => {
    expect(parseStartAt('--start-at', '2026-11-30T20:00:30Z', now)).toBe(now + 30_000);
    expect(parseStartAt('--start-at', '+30s', now)).toBe(now + 30_000);
    expect(parseStartAt('--start-at', '+500ms', now)).toBe(now + 500);
  });

  it('refuses a time passed, and what is no time', () => {
    expect(() => parseStartAt('--start-at', '2026-11-30T19:59:59Z', now)).toThrow('--start-at 2026-11-30T19:59:59Z has already passed (now is 2026-11-30T20:00:00.000Z)');
    for (const bad of ['tomorrow', '30s', '+soon', '2026-13-45T99:00:00Z']) {
      expect(() => parseStartAt('--start-at', bad, now)).toThrow('--start-at takes an ISO time such as 2026-11-30T20:00:00Z or a delay such as +30s');
    }
  });
});

describe('localBarrierEpochMs', () => {
  it('gives each shard process the time this one took to start, at least a second, after 8 s to prepare', () => {
    const now = Date.parse('2026-11-30T20:00:00Z');
    expect(localBarrierEpochMs(3, 400, now)).toBe(now + 8000 + 3 * 1000);
    // At load average 13, this process took 6 s to get here: 3 shards starting at once get 18 s more.
    expect(localBarrierEpochMs(3, 6000, now)).toBe(now + 8000 + 3 * 6000);
  });
});

describe('mergeIntervals', () => {
  const interval = (elapsedMs: number, records: number, avgLatencyMs: number, maxLatencyMs: number): IntervalResult => ({
    elapsedMs, durationMs: 1000, records, payloadBytes: records * 100, recordsPerSec: records, mbPerSec: 0, avgLatencyMs, maxLatencyMs,
  });

  it('puts each window in the merged interval it ended in; counts add up and latency is weighted by records', () => {
    const merged = mergeIntervals([
      { startEpochMs: T0, intervals: [interval(1000, 100, 10, 50), interval(2000, 300, 20, 90)] },
      { startEpochMs: T0 + 400, intervals: [interval(1000, 200, 40, 70), interval(2000, 100, 10, 20)] },
    ], T0, 1000);
    expect(merged).toEqual([
      { elapsedMs: 1000, durationMs: 1000, records: 100, payloadBytes: 10_000, recordsPerSec: 100, mbPerSec: 10_000 / 1024 / 1024, avgLatencyMs: 10, maxLatencyMs: 50 },
      { elapsedMs: 2000, durationMs: 1000, records: 500, payloadBytes: 50_000, recordsPerSec: 500, mbPerSec: 50_000 / 1024 / 1024, avgLatencyMs: 28, maxLatencyMs: 90 },
      { elapsedMs: 3000, durationMs: 1000, records: 100, payloadBytes: 10_000, recordsPerSec: 100, mbPerSec: 10_000 / 1024 / 1024, avgLatencyMs: 10, maxLatencyMs: 20 },
    ]);
  });
});

describe('mergeInputs', () => {
  it('refuses a capacity search\'s result, naming it: knees found on shards do not add up', () => {
    const run = produceResult({ records: 1, latenciesUs: [1000] });
    expect(mergeInputs([run, run], ['a.json', 'b.json'])).toEqual([run, run]);
    const refused = errorOf(() => mergeInputs([run, capacityResult({ sustainableRps: 1000 })], ['a.json', 'b.json']));
    expect(refused.code).toBe('DS_MERGE_REFUSED');
    expect(refused.message).toBe('b.json is a capacity search\'s result: searches do not add up across shards (each finds the knee of its own share)');
  });
});
