import { DataStormError } from '../shared/errors.js';
import { encodeHistogram, mergeHistograms, summarizeLatency } from '../shared/histograms.js';
import { throughputOf, totalsOf, type IntervalResult, type LatencyResult, type ProduceResult, type Throughput, type Totals } from '../produce/result.js';
import { isCapacityResult, type AnyBenchResult, type BenchResult } from './bench-result.js';
import { differencesBetween } from './compare.js';
import { metricsOfProduceResult } from './metrics.js';
import { SHARDED_SETTINGS, unshardConfig } from './shard.js';

/**
 * Adds up the results of several processes or hosts that ran one workload at the same time (its shards):
 * histograms are added (exact percentiles, never averaged), counters summed, the duration runs from the
 * first go signal to the last ack, and every rate is recomputed from those.
 */

function mergeError(message: string, hint?: string): DataStormError {
  return new DataStormError('DS_MERGE_REFUSED', message, { hint });
}

/**
 * How far apart two results' measured windows may be and still count as one run: processes started together
 * begin within seconds of each other; results of separate runs are minutes or days apart.
 */
export const MERGE_WINDOW_GAP_MS = 30_000;

/**
 * The results to merge, each a run's: a capacity search's is refused, since searches on several shards each find
 * their own knee for their share of the load, and knees do not add up to the workload's.
 */
export function mergeInputs(results: AnyBenchResult[], names: string[]): BenchResult[] {
  const search = results.findIndex(isCapacityResult);
  if (search >= 0) {
    throw mergeError(`${names[search]} is a capacity search's result: searches do not add up across shards (each finds the knee of its own share)`,
      'run a capacity workload as one `bench run`, without --shard; merge the shards of fixed runs');
  }
  return results as BenchResult[];
}

/** A result given twice (the same process's file, or a copy of it) is never merged, not even with --force. */
function checkEachOnce(results: BenchResult[], names: string[]): void {
  const identity = (r: BenchResult) => `${r.machine.hostname} ${r.startedAt} ${r.measuredWindow.startEpochMs}`;
  results.forEach((result, i) => {
    const earlier = results.findIndex((other) => identity(other) === identity(result));
    if (earlier < i) throw mergeError(`${names[earlier]} and ${names[i]} are the same result (same host, start and window)`, 'give each process\'s result once');
  });
}

/**
 * Why the results are not one run's load, or undefined when they are: every shard of one split once (bench run
 * --shard i/N), or --shared-topic processes whose windows overlap, and in either case run together. Results of
 * runs one after the other add up to no load that ever ran: their merged rate is invented.
 */
function notOneRun(results: BenchResult[], names: string[]): string | undefined {
  const shards = results.map((r) => r.bench?.shard);
  const latestStart = Math.max(...results.map((r) => r.measuredWindow.startEpochMs));
  const earliestEnd = Math.min(...results.map((r) => r.measuredWindow.endEpochMs));
  const sharedTopicAtOnce = shards.every((s) => s === undefined) && results.every((r) => r.config.sharedTopic) && latestStart < earliestEnd;
  const count = shards[0]?.count;
  const indexes = shards.map((s) => (s && s.count === count ? s.index : undefined));
  const everyShardOnce = count === results.length && new Set(indexes).size === results.length && !indexes.includes(undefined);
  if (!sharedTopicAtOnce && !everyShardOnce) {
    const given = shards.map((s) => (s ? `${s.index}/${s.count}` : 'unsharded')).join(', ');
    return `the results are not every shard of one split once each (given ${given})`;
  }
  if (latestStart - earliestEnd > MERGE_WINDOW_GAP_MS) {
    const at = (r: BenchResult) => new Date(r.measuredWindow.startEpochMs).toISOString();
    return `the results did not run together: ${results.map((r, i) => `${names[i]} started ${at(r)}`).join(', ')}`;
  }
  return undefined;
}

/** Merges differ only in what the shards split; anything else means the results are of different workloads. */
function checkSameWorkload(results: BenchResult[], names: string[]): void {
  const [first] = results;
  for (const [i, result] of results.entries()) {
    if (result.schemaVersion !== first.schemaVersion) {
      throw mergeError(`${names[i]} has schema version ${result.schemaVersion}, ${names[0]} has ${first.schemaVersion}`);
    }
    if (result.toolVersion !== first.toolVersion) {
      throw mergeError(`${names[i]} was made by DataStorm ${result.toolVersion}, ${names[0]} by ${first.toolVersion}`);
    }
    if ((result.bench?.runs.length ?? 1) > 1) {
      throw mergeError(`${names[i]} holds the medians of ${result.bench?.runs.length} repeated runs`, 'merge single runs (no --repeat)');
    }
    const differences = differencesBetween(first, result)
      .filter((d) => d.startsWith('setting ') && !SHARDED_SETTINGS.some((key) => d.startsWith(`setting ${key}:`)));
    if (result.bench?.workload.name !== first.bench?.workload.name) {
      differences.unshift(`workload ${first.bench?.workload.name ?? '(none)'} -> ${result.bench?.workload.name ?? '(none)'}`);
    }
    if (differences.length > 0) {
      throw mergeError(`${names[0]} and ${names[i]} are of different workloads: ${differences.join('; ')}`);
    }
    if (Boolean(result.steadyState) !== Boolean(first.steadyState)) {
      throw mergeError(`${names[0]} and ${names[i]} differ in having a steady state (warmup)`);
    }
    // Its offsets were not read after the run (the cluster was gone): the merged accounting would have nothing to add up.
    if (result.accounting.uncheckedBecause !== undefined) {
      throw mergeError(`${names[i]}'s accounting was not checked (${result.accounting.uncheckedBecause}): its records cannot be reconciled with the broker's`,
        'merge results whose accounting line was checked');
    }
  }
}

function mergeLatency(latencies: LatencyResult[]): LatencyResult {
  const histogram = mergeHistograms(latencies.map((l) => l.histogram));
  return { ...summarizeLatency(histogram), histogram: encodeHistogram(histogram) };
}

/** Counts added up, rates recomputed over the merged window (never averaged). */
function mergeCounts<T extends Throughput>(parts: T[]): { records: number; payloadBytes: number } {
  return { records: parts.reduce((sum, t) => sum + t.records, 0), payloadBytes: parts.reduce((sum, t) => sum + t.payloadBytes, 0) };
}

function mergeTotals(totals: Totals[], durationMs: number): Totals {
  const errors: Record<string, number> = {};
  for (const t of totals) for (const [type, count] of Object.entries(t.errors)) errors[type] = (errors[type] ?? 0) + count;
  return totalsOf({ ...mergeCounts(totals), wireBytes: totals.reduce((sum, t) => sum + t.wireBytes, 0), errors }, durationMs);
}

/**
 * One interval series on the merged timeline: each process's windows go to the reporting interval of the
 * merged run in which they ended. Counts add up exactly; the mean latency is weighted by records.
 */
export function mergeIntervals(series: Array<{ startEpochMs: number; intervals: IntervalResult[] }>, startEpochMs: number, intervalMs: number): IntervalResult[] {
  const buckets: Array<{ records: number; payloadBytes: number; latencySumMs: number; maxLatencyMs: number }> = [];
  for (const { startEpochMs: start, intervals } of series) {
    for (const interval of intervals) {
      const k = Math.max(0, Math.ceil((start + interval.elapsedMs - startEpochMs) / intervalMs) - 1);
      for (let i = buckets.length; i <= k; i++) buckets.push({ records: 0, payloadBytes: 0, latencySumMs: 0, maxLatencyMs: 0 });
      const bucket = buckets[k];
      bucket.records += interval.records;
      bucket.payloadBytes += interval.payloadBytes;
      bucket.latencySumMs += interval.avgLatencyMs * interval.records;
      bucket.maxLatencyMs = Math.max(bucket.maxLatencyMs, interval.maxLatencyMs);
    }
  }
  return buckets.map((b, k) => ({
    ...throughputOf(b.records, b.payloadBytes, intervalMs),
    elapsedMs: (k + 1) * intervalMs,
    avgLatencyMs: b.records > 0 ? b.latencySumMs / b.records : 0,
    maxLatencyMs: b.maxLatencyMs,
  }));
}

/**
 * The broker's view: shards sharing a topic each saw the others' records, so per topic the growth is the
 * latest end-offset total minus the earliest (exact, since those totals only grow).
 */
function mergeAccounting(results: BenchResult[], acknowledgedRecords: number): ProduceResult['accounting'] {
  const byTopic = new Map<string, BenchResult[]>();
  for (const r of results) byTopic.set(r.config.topic, [...(byTopic.get(r.config.topic) ?? []), r]);
  let topicEndOffsetTotalBefore = 0;
  let topicEndOffsetTotalAfter = 0;
  for (const group of byTopic.values()) {
    topicEndOffsetTotalBefore += Math.min(...group.map((r) => r.accounting.topicEndOffsetTotalBefore));
    topicEndOffsetTotalAfter += Math.max(...group.map((r) => r.accounting.topicEndOffsetTotalAfter));
  }
  const brokerOffsetGrowth = topicEndOffsetTotalAfter - topicEndOffsetTotalBefore;
  return {
    acknowledgedRecords, brokerOffsetGrowth, match: brokerOffsetGrowth === acknowledgedRecords,
    topicEndOffsetTotalBefore, topicEndOffsetTotalAfter,
  };
}

/** How far apart the shards started: their first workers' starts with a start barrier, else their measured windows'. */
function startSpreadOf(results: BenchResult[]): number {
  const starts = results.map((r) => r.barrier?.firstSendEpochMs ?? r.measuredWindow.startEpochMs);
  return Math.max(...starts) - Math.min(...starts);
}

/**
 * `names` label the results in errors (their file names). `force` merges results that are not one run's load
 * (merge --force); the merged result then says so (bench.forcedMerge).
 */
export function mergeResults(results: BenchResult[], names = results.map((_, i) => `result ${i + 1}`), options: { force?: boolean } = {}): BenchResult {
  if (results.length < 2) throw mergeError(`merge needs at least 2 results, got ${results.length}`);
  checkEachOnce(results, names);
  checkSameWorkload(results, names);
  const notOneRunBecause = notOneRun(results, names);
  if (notOneRunBecause !== undefined && !options.force) {
    throw mergeError(notOneRunBecause, 'merge the shards of one run (bench run --shard i/N) or --shared-topic processes that ran at the same time; ' +
      '--force merges other results, marked as not one run\'s load');
  }
  const windows = results.map((r) => r.measuredWindow);
  const startEpochMs = Math.min(...windows.map((w) => w.startEpochMs));
  const endEpochMs = Math.max(...windows.map((w) => w.endEpochMs));
  const durationMs = endEpochMs - startEpochMs;
  const [first] = results;

  let steadyState: ProduceResult['steadyState'];
  let steadyStartEpochMs: number | undefined;
  if (first.steadyState) {
    const starts = windows.map((w) => w.steadyStartEpochMs).filter((t): t is number => t !== undefined);
    steadyStartEpochMs = starts.length ? Math.min(...starts) : endEpochMs;
    const steady = mergeCounts(results.map((r) => r.steadyState!.totals));
    steadyState = {
      totals: throughputOf(steady.records, steady.payloadBytes, endEpochMs - steadyStartEpochMs),
      latency: mergeLatency(results.map((r) => r.steadyState!.latency)),
    };
  }
  const totals = mergeTotals(results.map((r) => r.totals), durationMs);
  const hostnames = [...new Set(results.map((r) => r.machine.hostname))];
  let workerId = 0;

  const merged: BenchResult = {
    schemaVersion: first.schemaVersion,
    tool: 'datastorm',
    toolVersion: first.toolVersion,
    startedAt: results.map((r) => r.startedAt).sort()[0],
    measuredWindow: { startEpochMs, endEpochMs, ...(steadyStartEpochMs === undefined ? {} : { steadyStartEpochMs }) },
    config: unshardConfig(results.map((r) => r.config)),
    buffers: first.buffers,
    values: first.values,
    machine: { ...first.machine, hostname: hostnames.join(',') },
    cluster: { ...first.cluster, bootstrap: [...new Set(results.flatMap((r) => r.cluster.bootstrap))] },
    totals,
    latency: mergeLatency(results.map((r) => r.latency)),
    intendedLatency: results.every((r) => r.intendedLatency)
      ? mergeLatency(results.map((r) => r.intendedLatency!)) : undefined,
    steadyState,
    intervals: mergeIntervals(results.map((r, i) => ({ startEpochMs: windows[i].startEpochMs, intervals: r.intervals })),
      startEpochMs, first.config.reportingIntervalMs),
    workers: results.flatMap((r) => r.workers.map((w) => ({ ...w, workerId: workerId++ }))),
    accounting: mergeAccounting(results, totals.records),
    // What the whole workload cost: every process's peak memory and CPU time, added up.
    process: {
      peakRssBytes: results.reduce((sum, r) => sum + r.process.peakRssBytes, 0),
      cpuUserMs: results.reduce((sum, r) => sum + r.process.cpuUserMs, 0),
      cpuSystemMs: results.reduce((sum, r) => sum + r.process.cpuSystemMs, 0),
    },
    partial: results.some((r) => r.partial),
  };
  merged.bench = {
    workload: first.bench?.workload ?? { name: first.config.topic },
    ...(first.bench?.commit ? { commit: first.bench.commit } : {}),
    runs: [metricsOfProduceResult(merged)],
    startSpreadMs: startSpreadOf(results),
    ...(notOneRunBecause === undefined ? {} : { forcedMerge: { notOneRunBecause } }),
    mergedFrom: results.map((r) => ({
      hostname: r.machine.hostname, startedAt: r.startedAt, records: r.totals.records,
      ...(r.bench?.shard ? { shard: r.bench.shard } : {}),
    })),
  };
  return merged;
}
