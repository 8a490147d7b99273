import type { LatencySummaryUs } from '../shared/histograms.js';
import type { EndToEndResult } from './end-to-end.js';
import { formatUncheckedAccounting } from '../report/unchecked-accounting.js';

/** What `datastorm e2e` prints, in the style of kafka-producer-perf-test's summary line. */

const ms = (us: number) => us / 1000;
/** Timestamps are whole milliseconds, so percentiles are too (HDR keeps them within 0.1%). */
const wholeMs = (us: number) => String(Math.round(ms(us)));

export function formatLatencyLine(latency: LatencySummaryUs): string {
  return `${latency.count} records end to end, ${ms(latency.meanUs).toFixed(2)} ms avg latency, ` +
    `${Math.round(ms(latency.maxUs)).toFixed(2)} ms max latency, ${wholeMs(latency.p50Us)} ms 50th, ${wholeMs(latency.p95Us)} ms 95th, ` +
    `${wholeMs(latency.p99Us)} ms 99th, ${wholeMs(latency.p999Us)} ms 99.9th.`;
}

export const LATENCY_NOTE = 'latency = consumer clock − record CreateTime set by the producer; resolution 1 ms (timestamps are whole milliseconds)';

export function formatProducerLine(result: EndToEndResult): string {
  const p = result.producer;
  const failed = p.failedRecords > 0 ? `, ${p.failedRecords} FAILED (${p.firstError})` : '';
  return `produced ${p.records} records in ${(p.durationMs / 1000).toFixed(1)} s: ${p.recordsPerSec.toFixed(1)} records/sec ` +
    `(target ${result.config.ratePerSec})${failed}; the group of ${result.config.workers} consumer(s) settled in ${result.groupBalanceMs} ms before the first send`;
}

export function formatAccountingLine(result: EndToEndResult): string {
  const a = result.accounting;
  if (a.uncheckedBecause !== undefined) {
    return formatUncheckedAccounting(`${a.producedRecords} acknowledged, ${a.consumedRecords} consumed`, `${result.config.topic}'s end offsets`, a.uncheckedBecause);
  }
  return `accounting: ${a.producedRecords} acknowledged, ${a.consumedRecords} consumed, topic end offsets grew by ` +
    `${a.brokerOffsetGrowth}: ${a.match ? 'match' : 'MISMATCH'}`;
}

/** Said first in the report of an e2e run stopped with Ctrl-C. */
export function formatEndToEndPartialLine(result: EndToEndResult): string {
  const planned = Math.floor((result.config.durationMs * result.config.ratePerSec) / 1000);
  return `PARTIAL RUN: stopped by Ctrl-C after ${(result.producer.durationMs / 1000).toFixed(1)} s with ${result.producer.records} of ${planned} ` +
    `records produced; the latency and accounting below are of those`;
}
