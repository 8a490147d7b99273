import { lagRunsChart } from '../consume/lag-report.js';
import type { LatencySummaryUs } from '../shared/histograms.js';
import type { DrainSpec } from './drain-spec.js';
import type { DrainAccounting, DrainProgress, DrainResult, DrainStart } from './drain.js';
import type { FailingCalls } from './failing-calls.js';
import { describeLatencyModel } from './latency-model.js';
import { formatUncheckedAccounting } from '../report/unchecked-accounting.js';
import type { SinkSpec } from './drain-spec.js';
import type { SinkStats } from './sink-server.js';

/** What `datastorm drain` and `datastorm sink` print: pure, tested to the byte. */

const ms = (valueMs: number) => `${(valueMs / 1000).toFixed(1)} s`;
const latencyMs = (us: number) => (us / 1000).toFixed(1);

function lanesText(spec: DrainSpec, lanes: number): string {
  if (spec.mode === 'serial') return `serial: one call at a time per partition (${lanes} lanes)`;
  const by = spec.distributor === 'hash' ? 'FNV-1a hash of the key' : 'round-robin, no per-key order';
  return `fan-out: ${lanes} lanes by ${by}`;
}

export function formatDrainHeader(spec: DrainSpec, start: DrainStart): string {
  const batch = spec.batchSize > 1 ? `, ${spec.batchSize} records per call (v2 batch body)` : '';
  return `drain ${spec.topic} (${start.partitions} partitions) of group ${spec.group} into ${spec.sinkUrl}: ${lanesText(spec, start.lanes)}, `
    + `at most ${spec.pendingAcks} pending${batch}; ${start.backlogRecords} records behind`;
}

export function formatDrainProgress(p: DrainProgress): string {
  const rate = p.elapsedMs > 0 ? (p.recordsDelivered * 1000) / p.elapsedMs : 0;
  return `${ms(p.elapsedMs)}  delivered ${p.recordsDelivered}/${p.backlogRecords}  ${rate.toFixed(0)} records/s  `
    + `${p.inFlightCalls} calls out  ${p.pendingRecords} pending  ${p.retries} retries`;
}

function latencyLine(label: string, l: LatencySummaryUs): string {
  return `${label} latency ms: p50 ${latencyMs(l.p50Us)}, p95 ${latencyMs(l.p95Us)}, p99 ${latencyMs(l.p99Us)}, p99.9 ${latencyMs(l.p999Us)}, `
    + `max ${latencyMs(l.maxUs)}, mean ${latencyMs(l.meanUs)} (${l.count})`;
}

function statusesText(statuses: Record<string, number>): string {
  const entries = Object.entries(statuses).sort(([a], [b]) => a.localeCompare(b));
  return entries.length === 0 ? 'none' : entries.map(([status, count]) => `${status} x${count}`).join(', ');
}

/** Said while a drain runs and no call succeeds: it retries each until it does, which could otherwise go on without a word. */
export function formatCallsFailing(f: FailingCalls, retryIntervalMs: number): string {
  return `sink: no call succeeded for ${ms(f.failingMs)}: ${f.calls} calls failed (${statusesText(f.outcomes)}); each is retried every ${retryIntervalMs} ms until it succeeds`;
}

export function formatCallsRecovered(failedMs: number): string {
  return `sink: calls succeed again, after ${ms(failedMs)} of failures`;
}

/** The summary: delivery rate, drain time, latencies, calls and statuses. */
export function formatDrainSummary(r: DrainResult): string[] {
  const drain = r.drainMs === null ? `not caught up (${r.stopReason})` : `drain time ${ms(r.drainMs)} (start to lag 0)`;
  const lines = [
    `delivered ${r.recordsDelivered} records in ${ms(r.deliveryMs)}: ${r.recordsPerSec.toFixed(1)} records/s, ${r.callsPerSec.toFixed(1)} calls/s; ${drain}`,
    latencyLine('call', r.callLatencyUs),
    latencyLine('record', r.recordLatencyUs),
    `calls ${r.calls}: ${statusesText(r.statuses)}; retries ${r.retries}`,
  ];
  if (r.recordsRejected > 0) lines.push(`${r.recordsRejected} records ended by a --non-retriable-status answer (not delivered)`);
  if (r.nullKeyRecords > 0) lines.push(`${r.nullKeyRecords} records had no key: they went round-robin over the lanes, their order not kept`);
  return lines;
}

/** The check of the group's committed offsets against what the sink acknowledged, and against the end offsets. */
export function formatDrainAccounting(a: DrainAccounting, group: string): string {
  if (a.uncheckedBecause !== undefined) {
    const acknowledged = a.partitions.reduce((sum, p) => sum + p.acknowledgedTo - p.startOffset, 0);
    return formatUncheckedAccounting(`${acknowledged} records acknowledged by the sink in contiguous prefixes`, `group ${group}'s committed offsets`, a.uncheckedBecause);
  }
  const behind = a.partitions.filter((p) => (p.committedOffset ?? p.startOffset) < p.endOffset);
  const mismatched = a.partitions.filter((p) => (p.committedOffset ?? p.startOffset) !== p.acknowledgedTo);
  const committed = a.partitions.reduce((sum, p) => sum + (p.committedOffset ?? p.startOffset) - p.startOffset, 0);
  const head = `committed offsets of ${group}: +${committed} records over ${a.partitions.length} partitions`;
  const ack = a.committedMatchesAcknowledged ? 'equal to the acknowledged prefix'
    : `NOT the acknowledged prefix in partition(s) ${mismatched.map((p) => p.partition).join(',')}`;
  const end = a.committedAtEnd ? 'at the end offsets' : `behind the end offsets in ${behind.length} partition(s)`;
  return `${head}, ${ack}, ${end}`;
}

/** Serial against fan-out for the same backlog, as `datastorm compare` sets two runs side by side. */
export function formatDrainComparison(serial: DrainResult, fanout: DrainResult): string[] {
  const row = (name: string, r: DrainResult) => [
    name.padEnd(8), String(r.lanes).padStart(6), String(r.recordsDelivered).padStart(9),
    (r.drainMs === null ? '-' : (r.drainMs / 1000).toFixed(1)).padStart(9), r.recordsPerSec.toFixed(1).padStart(11),
    latencyMs(r.callLatencyUs.p99Us).padStart(12),
  ].join(' ');
  const lines = [
    ['mode'.padEnd(8), 'lanes'.padStart(6), 'records'.padStart(9), 'drain s'.padStart(9), 'records/s'.padStart(11), 'call p99 ms'.padStart(12)].join(' '),
    row('serial', serial), row('fan-out', fanout),
  ];
  lines.push(serial.drainMs !== null && fanout.drainMs !== null && fanout.drainMs > 0
    ? `fan-out drained ${(serial.drainMs / fanout.drainMs).toFixed(1)}x faster than serial (${(fanout.recordsPerSec / serial.recordsPerSec).toFixed(1)}x the records/s)`
    : 'no ratio: a run did not catch up');
  return lines;
}

/** Both drains' lag over time on one chart. */
export function drainComparisonChart(serial: DrainResult, fanout: DrainResult): string {
  return lagRunsChart(`Lag while draining ${fanout.backlogRecords} records into ${fanout.spec.sinkUrl}: serial vs fan-out`, [
    { name: `serial (${serial.lanes} lanes)`, lag: serial.lag }, { name: `fan-out (${fanout.lanes} lanes)`, lag: fanout.lag },
  ]);
}

export function formatSinkListening(url: string, spec: SinkSpec): string {
  const concurrency = spec.maxConcurrency === 0 ? 'no concurrency limit' : `${spec.maxConcurrency} calls at once, more queue`;
  const errors = spec.errorRate > 0 ? `, ${(spec.errorRate * 100).toFixed(1)}% fail with ${spec.failStatus}` : '';
  return `sink listening on ${url}: latency ${describeLatencyModel(spec.latency)}, ${concurrency}${errors}; GET ${url}/stats`;
}

export function formatSinkStats(s: SinkStats): string {
  return `sink: ${s.records} records (${s.deliveries} deliveries, ${s.duplicates} duplicates), ${s.orderViolations} order violations, ${s.gaps} gaps, `
    + `${s.reorders} reorders within partitions; ${s.calls} calls, ${s.failedCalls} failed on purpose, ${s.badCalls} bad; most queued ${s.maxQueued}`;
}
