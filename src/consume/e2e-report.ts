import type { LatencySummaryUs } from '../shared/histograms.js';
import type { EndToEndResult } from './end-to-end.js';
import { formatUncheckedAccounting } from '../report/unchecked-accounting.js';
import { CREATED_US_HEADER } from '../kafka/created-header.js';

/** What `datastorm e2e` prints, in the style of kafka-producer-perf-test's summary line. */

const ms = (us: number) => us / 1000;

/** A percentile at the latency's resolution: µs from the creation-time header, whole ms from CreateTime (HDR keeps them within 0.1%). */
const atResolution = (us: number, resolutionMs: number) => (resolutionMs < 1 ? ms(us).toFixed(3) : String(Math.round(ms(us))));

export function formatLatencyLine(latency: LatencySummaryUs & { resolutionMs: number }): string {
  const { resolutionMs } = latency;
  const max = resolutionMs < 1 ? ms(latency.maxUs) : Math.round(ms(latency.maxUs));
  return `${latency.count} records end to end, ${ms(latency.meanUs).toFixed(2)} ms avg latency, ${max.toFixed(2)} ms max latency, ` +
    `${atResolution(latency.p50Us, resolutionMs)} ms 50th, ${atResolution(latency.p95Us, resolutionMs)} ms 95th, ` +
    `${atResolution(latency.p99Us, resolutionMs)} ms 99th, ${atResolution(latency.p999Us, resolutionMs)} ms 99.9th.`;
}

/** How the latency was measured, and so its resolution. */
export function formatLatencyNote(latency: Pick<EndToEndResult['latency'], 'resolutionMs' | 'headerTimedRecords' | 'count'>): string {
  if (latency.resolutionMs < 1) {
    return `latency = consumer clock − the record's creation time in its ${CREATED_US_HEADER} header (producer and consumers share this process's clock); resolution 1 µs`;
  }
  const some = latency.headerTimedRecords > 0
    ? ` (${latency.headerTimedRecords} of ${latency.count} records carried the ${CREATED_US_HEADER} header; the others did not)` : '';
  return `latency = consumer clock − record CreateTime set by the producer; resolution 1 ms (timestamps are whole milliseconds)${some}`;
}

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
