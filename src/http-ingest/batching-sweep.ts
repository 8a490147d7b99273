import { barChart } from '../report/charts.js';
import type { HttpProduceResult } from './http-produce.js';

/**
 * `http-produce --records-per-request 1,10,100`: seed 003's batching table measured here, one point per request
 * size, with the seed's own figures beside ours, labelled as its machine's. Pure: tested to the byte.
 */

/**
 * Seed 003's figures (streaming Kafka behind a Python HTTP API, 1 broker, 3 partitions; its machine, not measured
 * here): "Single requests: ~100 events/s", "Batch requests: ~1,000+ events/s" with batches of 100 ("~1,000-2,500
 * events/s", "Avg Batch Time ~80-150ms").
 */
export const SEED_003_BATCHING: Readonly<Record<number, { recordsPerSec: number; wording: string }>> = {
  1: { recordsPerSec: 100, wording: '~100 events/s' },
  100: { recordsPerSec: 1000, wording: '~1,000-2,500 events/s, 80-150 ms per batch' },
};

const int = (value: number) => Math.round(value).toLocaleString('en-US');
const ms = (us: number) => (us / 1000).toFixed(1);

/** The table, in Markdown: a row per request size, our figures and then the seed's. */
export function formatBatchingTable(results: HttpProduceResult[]): string[] {
  const rows = results.map((r) => {
    const seed = SEED_003_BATCHING[r.spec.recordsPerRequest];
    const accounting = r.accounting.match ? `${int(r.accounting.acknowledgedRecords)} = ${int(r.accounting.brokerOffsetGrowth)}` : 'MISMATCH';
    return `| ${r.spec.recordsPerRequest} | ${int(r.totals.recordsPerSec)} | ${int(r.requests.perSec)} | ${ms(r.requestLatency.p50Us)} / ${ms(r.requestLatency.p99Us)} | ` +
      `${ms(r.recordLatency.p50Us)} / ${ms(r.recordLatency.p99Us)} | ${accounting} | ${seed ? seed.wording : ''} |`;
  });
  const base = results[0];
  const speedups = results.slice(1).map((r) => `${r.spec.recordsPerRequest} per request: ${(r.totals.recordsPerSec / Math.max(base.totals.recordsPerSec, 1e-9)).toFixed(1)}x`);
  return [
    '| records per request | records/s | requests/s | request p50 / p99 ms | record p50 / p99 ms | acknowledged = stored | seed 003 (its machine) |',
    '|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    ...(speedups.length > 0 ? [`records/s against ${base.spec.recordsPerRequest} per request: ${speedups.join(', ')} (seed 003: 10x from 1 to 100)`] : []),
  ];
}

/** Records/s per request size, the seed's figures beside in grey. */
export function batchingChart(results: HttpProduceResult[]): string {
  const label = (n: number) => `${n} per request`;
  return barChart({
    title: `Records/s by records per request (${results[0].spec.format}, ${results[0].spec.connections} connection${results[0].spec.connections === 1 ? '' : 's'})`,
    unit: 'records/s',
    bars: results.map((r) => ({ label: label(r.spec.recordsPerRequest), value: r.totals.recordsPerSec, note: `request p50 ${ms(r.requestLatency.p50Us)} ms` })),
    referenceBars: results.filter((r) => SEED_003_BATCHING[r.spec.recordsPerRequest] !== undefined)
      .map((r) => ({ label: label(r.spec.recordsPerRequest), value: SEED_003_BATCHING[r.spec.recordsPerRequest].recordsPerSec })),
    barsName: 'measured here',
    referenceName: 'seed 003 (its machine)',
  });
}
