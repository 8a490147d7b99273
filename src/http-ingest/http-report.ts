import { formatUncheckedAccounting } from '../report/unchecked-accounting.js';
import { formatLatencyFigures } from '../report/produce-report.js';
import type { HttpProduceSpec } from './http-spec.js';
import type { HttpAccounting, HttpProduceResult, HttpRunStart } from './http-produce.js';

/**
 * http-produce's report lines, pure functions of their results. The window and summary lines are
 * produce's (Kafka's own format, src/report/produce-report.ts); these add the requests, the answers and the
 * accounting per partition.
 */

/** What will run: the proxy, the shape, the load, the topic. */
export function formatHttpHeader(spec: HttpProduceSpec, start: HttpRunStart): string {
  const amount = spec.numRecords !== undefined ? `${spec.numRecords} records` : `records for ${(spec.durationMs! / 1000).toFixed(0)} s`;
  const rate = spec.throughputRps > 0 ? `at ${spec.throughputRps} records/s` : 'no rate limit';
  const encoding = spec.format === 'orders' ? 'orders as JSON' : `${spec.valueEncoding} values`;
  return `http-produce: ${amount} to ${spec.topic} (${start.partitions} partitions${start.topicCreated ? ', created' : ''}) through ${spec.url} ` +
    `(${spec.format}, ${encoding} of ${start.valueMeanBytes.toFixed(0)} B on average), ${spec.recordsPerRequest} records per request, ` +
    `${spec.connections} connections on ${spec.workers} worker${spec.workers === 1 ? '' : 's'} (${start.threads} thread${start.threads === 1 ? '' : 's'}), ${rate}`;
}

/** `requests: N sent, R requests/sec, K records per request; latency per request ...` */
export function formatRequestsLine(result: Pick<HttpProduceResult, 'requests' | 'requestLatency' | 'totals'>): string {
  const { count, perSec } = result.requests;
  const perRequest = count > 0 ? (result.totals.records + result.totals.failedRecords) / count : 0;
  return `requests: ${count} sent, ${perSec.toFixed(1)} requests/sec, ${perRequest.toFixed(1)} records per request; ` +
    `latency per request: ${formatLatencyFigures(result.requestLatency)}.`;
}

/** `statuses: 200 x 1990, 503 x 10, ECONNREFUSED x 2`: statuses in order, then network errors by name. */
export function formatStatusesLine(statuses: Record<string, number>): string {
  const entries = Object.entries(statuses).sort(([a], [b]) => {
    const numeric = (s: string) => (/^\d+$/.test(s) ? 0 : 1);
    return numeric(a) - numeric(b) || a.localeCompare(b);
  });
  return entries.length === 0 ? 'statuses: none (no request was answered)' : `statuses: ${entries.map(([s, n]) => `${s} x ${n}`).join(', ')}`;
}

/**
 * The accounting, loud when it fails: one line overall, then one per partition that disagrees (the growth, the
 * records acknowledged in it, and the offsets the proxy named when they fall outside the growth).
 */
export function formatHttpAccounting(accounting: HttpAccounting, topic: string): string[] {
  const { acknowledgedRecords, brokerOffsetGrowth, match } = accounting;
  if (accounting.uncheckedBecause !== undefined) {
    return [formatUncheckedAccounting(`${acknowledgedRecords} records acknowledged by the proxy`, `${topic}'s offsets`, accounting.uncheckedBecause)];
  }
  const partitions = accounting.partitions.length;
  if (match) {
    return [`accounting: ${acknowledgedRecords} records acknowledged by the proxy with offsets = ${brokerOffsetGrowth} records added to ${topic} ` +
      `(broker offsets, each of ${partitions} partitions exactly, every offset named within its growth): OK`];
  }
  const lines = [`accounting: MISMATCH: the proxy acknowledged ${acknowledgedRecords} records with offsets but ${topic}'s offsets grew by ${brokerOffsetGrowth}`];
  for (const p of accounting.partitions) {
    const growth = p.after - p.before;
    const outside = p.minOffset !== null && (p.minOffset < p.before || p.maxOffset! >= p.after);
    if (growth === p.acknowledged && !outside) continue;
    const named = p.minOffset === null ? 'no offsets named' : `offsets named ${p.minOffset}-${p.maxOffset}`;
    lines.push(`  partition ${p.partition}: grew ${p.before} -> ${p.after} (${growth}), ${p.acknowledged} acknowledged, ${named}`);
  }
  return lines;
}

