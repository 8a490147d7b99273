import { lineChart } from '../report/charts.js';
import { lagChangePerSec, type LagSample, type LagSummary } from './lag-stats.js';
import type { GroupType, LagResult } from './lag.js';

/** What `datastorm lag` prints: a live row per sample, a summary line, and the chart of total lag. */

/** Partition columns in the live rows; the summary table has them all. */
const MAX_PARTITION_COLUMNS = 12;
const ELAPSED_WIDTH = 9;
const TOTAL_WIDTH = 12;
const CHANGE_WIDTH = 12;

function partitionLabel(sample: LagSample, index: number): string {
  const { topic, partition } = sample.partitions[index];
  const topics = new Set(sample.partitions.map((p) => p.topic));
  return topics.size > 1 ? `${topic}/p${partition}` : `p${partition}`;
}

function partitionColumns(sample: LagSample): Array<{ label: string; width: number }> {
  return sample.partitions.slice(0, MAX_PARTITION_COLUMNS).map((_, i) => {
    const label = partitionLabel(sample, i);
    return { label, width: Math.max(label.length, 8) };
  });
}

/** The header of the live rows; printed again whenever the partitions watched change. */
export function formatLagHeader(sample: LagSample): string {
  const hidden = sample.partitions.length - MAX_PARTITION_COLUMNS;
  return [
    'elapsed'.padStart(ELAPSED_WIDTH), 'total lag'.padStart(TOTAL_WIDTH), 'change/s'.padStart(CHANGE_WIDTH),
    ...partitionColumns(sample).map((c) => c.label.padStart(c.width)),
    ...(hidden > 0 ? [`(+${hidden} partitions)`] : []),
  ].join(' ');
}

/** One live row: elapsed time, total lag, its change per second since the previous sample, lag per partition. */
export function formatLagRow(sample: LagSample, previous?: LagSample): string {
  const change = previous ? lagChangePerSec(previous, sample) : 0;
  const changeText = previous ? `${change > 0 ? '+' : ''}${change.toFixed(1)}` : '-';
  return [
    `${(sample.elapsedMs / 1000).toFixed(1)} s`.padStart(ELAPSED_WIDTH),
    String(sample.totalLag).padStart(TOTAL_WIDTH),
    changeText.padStart(CHANGE_WIDTH),
    ...partitionColumns(sample).map((c, i) => String(sample.partitions[i].lag).padStart(c.width)),
  ].join(' ');
}

/** A key for the set of partitions a sample covers, to know when the header must be printed again. */
export function partitionsKey(sample: LagSample): string {
  return sample.partitions.map((p) => `${p.topic}/${p.partition}`).join(',');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function formatLagSummary(summary: LagSummary): string {
  if (summary.samples === 0) return 'no samples taken';
  const parts = [`peak lag ${summary.peakLag} records at ${seconds(summary.peakAtMs)}`];
  parts.push(summary.drainRecordsPerSec === undefined ? 'no drain after the peak'
    : `drained at ${summary.drainRecordsPerSec.toFixed(1)} records/s`);
  if (summary.peakLag === 0) parts.push('no lag at any sample');
  else parts.push(summary.catchUpMs === undefined ? 'not caught up by the end' : `caught up ${seconds(summary.catchUpMs)} after the peak`);
  parts.push(`final lag ${summary.finalLag} (${summary.samples} samples)`);
  return parts.join('; ');
}

/** Said after the summary when sampling stopped because the offsets could not be read (the cluster was gone). */
export function formatLagUnread(result: LagResult): string | undefined {
  if (result.unreadBecause === undefined) return undefined;
  return `lag: NOT CHECKED after ${result.samples.length} samples: group ${result.config.group}'s offsets could not be read (${result.unreadBecause}); ` +
    'the summary is of the samples before';
}

/** Rows of the end-of-run table: per partition, the last committed (or start) and end offsets, lag now and at its peak. */
export function lagTableRows(samples: LagSample[]): Array<Array<string | number>> {
  const last = samples.at(-1);
  if (!last) return [];
  return last.partitions.map((p) => {
    const peak = Math.max(...samples.map((s) => s.partitions.find((q) => q.topic === p.topic && q.partition === p.partition)?.lag ?? 0));
    return [p.topic, p.partition, p.committedOffset ?? '-', p.endOffset, p.lag, peak];
  });
}

/** The end-of-run table's head: a share group has a start offset where a consumer group has a committed one. */
export const lagTableHead = (groupType: GroupType) => ['topic', 'partition', groupType === 'share' ? 'start offset' : 'committed', 'end offset', 'lag', 'peak lag'];

/** Total lag over time, as an SVG line chart (src/report/charts.ts). */
export function lagChart(result: LagResult): string {
  return lagRunsChart(`Lag of ${result.config.groupType} group ${result.config.group} (sampled every ${seconds(result.config.intervalMs)})`, [{ name: 'total lag', lag: result }]);
}

/** The total lag of several runs on one chart (drain: serial against fan-out, as the seed's Storm-vs-Dmux graph). */
export function lagRunsChart(title: string, runs: Array<{ name: string; lag: LagResult }>): string {
  return lineChart({
    title,
    xLabel: 'time since start (s)',
    yLabel: 'total lag (records)',
    series: runs.map((run) => ({ name: run.name, points: run.lag.samples.map((s) => ({ x: s.elapsedMs / 1000, y: s.totalLag })) })),
  });
}
