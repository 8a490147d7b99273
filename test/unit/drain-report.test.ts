import { describe, expect, it } from 'vitest';
import type { DrainResult } from '../../src/drain/drain.js';
import {
  drainComparisonChart, formatCallsFailing, formatCallsRecovered, formatDrainAccounting, formatDrainComparison, formatDrainHeader, formatDrainProgress, formatDrainSummary, formatSinkListening, formatSinkStats,
} from '../../src/drain/drain-report.js';
import { FAILING_NOTICE_MS, FAILING_REPEAT_MS, FailingCallsWatch } from '../../src/drain/failing-calls.js';
import type { DrainSpec } from '../../src/drain/drain-spec.js';
import type { LatencySummaryUs } from '../../src/shared/histograms.js';
import { PLAINTEXT } from '../../src/security/client-security.js';

const spec: DrainSpec = {
  bootstrap: ['127.0.0.1:9092'], security: PLAINTEXT, topic: 'orders', group: 'g1', sinkUrl: 'http://127.0.0.1:28080',
  mode: 'fanout', lanes: 200, distributor: 'hash', pendingAcks: 10_000, batchSize: 1, retryIntervalMs: 1000, timeoutMs: 10_000, method: 'POST', headers: {},
  nonRetriableStatuses: [], fromBeginning: true, untilCaughtUp: true, commitIntervalMs: 1000, lagIntervalMs: 1000,
};

const latency = (p50Ms: number): LatencySummaryUs => ({
  count: 100_000, minUs: 20_000, meanUs: p50Ms * 1100, maxUs: p50Ms * 9000, p50Us: p50Ms * 1000, p95Us: p50Ms * 1300, p99Us: p50Ms * 2000, p999Us: p50Ms * 5000, p9999Us: p50Ms * 8000,
});

function result(overrides: Partial<DrainResult>): DrainResult {
  return {
    schemaVersion: 1, command: 'drain', startedAt: '2026-11-30T16:00:00.000Z', spec, lanes: 200, partitions: 8, backlogRecords: 100_000,
    recordsDelivered: 100_000, recordsRejected: 0, nullKeyRecords: 0, calls: 105_000, retries: 5000, statuses: { 200: 100_000, 503: 4990, ECONNRESET: 10 },
    elapsedMs: 26_000, deliveryMs: 23_100, recordsPerSec: 4329.0043, callsPerSec: 4545.4545, drainMs: 23_960, callLatencyUs: latency(22),
    recordLatencyUs: latency(2700),
    lag: { schemaVersion: 1, command: 'lag', startedAt: '', config: { bootstrap: [], security: spec.security, group: 'g1', groupType: 'consumer', intervalMs: 1000, durationMs: 0, topics: [] }, samples: [], summary: { samples: 0, peakLag: 0, peakAtMs: 0, finalLag: 0 }, partial: false },
    accounting: {
      partitions: [
        { partition: 0, startOffset: 0, endOffset: 60_000, acknowledgedTo: 60_000, committedOffset: 60_000 },
        { partition: 1, startOffset: 10, endOffset: 40_010, acknowledgedTo: 40_010, committedOffset: 40_010 },
      ],
      committedMatchesAcknowledged: true, committedAtEnd: true,
    },
    stopReason: 'caught-up', partial: false, ...overrides,
  };
}

describe('drain report lines', () => {
  it('the header names the lanes, the bound and the backlog', () => {
    expect(formatDrainHeader(spec, { partitions: 8, lanes: 200, backlogRecords: 100_000 })).toBe(
      'drain orders (8 partitions) of group g1 into http://127.0.0.1:28080: fan-out: 200 lanes by FNV-1a hash of the key, at most 10000 pending; 100000 records behind');
    expect(formatDrainHeader({ ...spec, mode: 'serial', distributor: 'partition', batchSize: 1 }, { partitions: 8, lanes: 8, backlogRecords: 5 })).toBe(
      'drain orders (8 partitions) of group g1 into http://127.0.0.1:28080: serial: one call at a time per partition (8 lanes), at most 10000 pending; 5 records behind');
    expect(formatDrainHeader({ ...spec, distributor: 'round-robin', batchSize: 50 }, { partitions: 8, lanes: 4, backlogRecords: 5 })).toBe(
      'drain orders (8 partitions) of group g1 into http://127.0.0.1:28080: fan-out: 4 lanes by round-robin, no per-key order, at most 10000 pending, 50 records per call (v2 batch body); 5 records behind');
  });

  it('the progress line', () => {
    expect(formatDrainProgress({ elapsedMs: 2500, recordsDelivered: 5000, backlogRecords: 100_000, inFlightCalls: 200, pendingRecords: 9800, retries: 3 }))
      .toBe('2.5 s  delivered 5000/100000  2000 records/s  200 calls out  9800 pending  3 retries');
  });

  it('the summary: rate, drain time, latencies per call and per record, statuses and retries, null keys', () => {
    expect(formatDrainSummary(result({ nullKeyRecords: 7, recordsRejected: 2 }))).toEqual([
      'delivered 100000 records in 23.1 s: 4329.0 records/s, 4545.5 calls/s; drain time 24.0 s (start to lag 0)',
      'call latency ms: p50 22.0, p95 28.6, p99 44.0, p99.9 110.0, max 198.0, mean 24.2 (100000)',
      'record latency ms: p50 2700.0, p95 3510.0, p99 5400.0, p99.9 13500.0, max 24300.0, mean 2970.0 (100000)',
      'calls 105000: 200 x100000, 503 x4990, ECONNRESET x10; retries 5000',
      '2 records ended by a --non-retriable-status answer (not delivered)',
      '7 records had no key: they went round-robin over the lanes, their order not kept',
    ]);
    expect(formatDrainSummary(result({ drainMs: null, stopReason: 'interrupted', statuses: {} }))[0]).toBe(
      'delivered 100000 records in 23.1 s: 4329.0 records/s, 4545.5 calls/s; not caught up (interrupted)');
  });

  it('the accounting line, matching and not', () => {
    const { accounting } = result({});
    expect(formatDrainAccounting(accounting, 'g1')).toBe(
      'committed offsets of g1: +100000 records over 2 partitions, equal to the acknowledged prefix, at the end offsets');
    const behind = { ...accounting, committedMatchesAcknowledged: false, committedAtEnd: false,
      partitions: [{ ...accounting.partitions[0], committedOffset: 59_000 }, accounting.partitions[1]] };
    expect(formatDrainAccounting(behind, 'g1')).toBe(
      'committed offsets of g1: +99000 records over 2 partitions, NOT the acknowledged prefix in partition(s) 0, behind the end offsets in 1 partition(s)');
    // A cluster gone by the end: the committed offsets were not read (NaN), and nothing was checked.
    const gone = { ...accounting, committedMatchesAcknowledged: false, committedAtEnd: false, uncheckedBecause: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092',
      partitions: accounting.partitions.map((p) => ({ ...p, committedOffset: Number.NaN })) };
    expect(formatDrainAccounting(gone, 'g1')).toBe('accounting: NOT CHECKED: 100000 records acknowledged by the sink in contiguous prefixes; ' +
      'group g1\'s committed offsets could not be read after the run (Connection error: connect ECONNREFUSED 127.0.0.1:9092)');
  });

  it('serial against fan-out', () => {
    const serial = result({ lanes: 8, drainMs: 312_400, recordsPerSec: 321.5, callLatencyUs: latency(21) });
    expect(formatDrainComparison(serial, result({}))).toEqual([
      'mode      lanes   records   drain s   records/s  call p99 ms',
      'serial        8    100000     312.4       321.5         42.0',
      'fan-out     200    100000      24.0      4329.0         44.0',
      'fan-out drained 13.0x faster than serial (13.5x the records/s)',
    ]);
    expect(formatDrainComparison(result({ drainMs: null }), result({})).at(-1)).toBe('no ratio: a run did not catch up');
  });

  it('the comparison chart draws both runs\' lag with lag\'s chart code', () => {
    const lagOf = (points: Array<[number, number]>): DrainResult['lag'] => ({ ...result({}).lag,
      samples: points.map(([elapsedMs, totalLag]) => ({ elapsedMs, atMs: elapsedMs, partitions: [], totalLag })) });
    const svg = drainComparisonChart(result({ lanes: 8, lag: lagOf([[0, 100_000], [300_000, 0]]) }), result({ lag: lagOf([[0, 100_000], [24_000, 0]]) }));
    expect(svg).toContain('<title>Lag while draining 100000 records into http://127.0.0.1:28080: serial vs fan-out</title>');
    expect(svg).toContain('serial (8 lanes)');
    expect(svg).toContain('fan-out (200 lanes)');
  });
});

describe('calls that keep failing', () => {
  it('are said once none succeeded for FAILING_NOTICE_MS, again every FAILING_REPEAT_MS while it lasts, and the first success after', () => {
    const watch = new FailingCallsWatch();
    expect(watch.failed('ECONNREFUSED', 1000)).toBeUndefined();
    expect(watch.failed('503', 1000 + FAILING_NOTICE_MS - 1)).toBeUndefined();
    const said = watch.failed('ECONNREFUSED', 1000 + FAILING_NOTICE_MS);
    expect(said).toEqual({ failingMs: 3000, calls: 3, outcomes: { ECONNREFUSED: 2, 503: 1 } });
    expect(formatCallsFailing(said!, 100)).toBe('sink: no call succeeded for 3.0 s: 3 calls failed (503 x1, ECONNREFUSED x2); each is retried every 100 ms until it succeeds');
    expect(watch.failed('ECONNREFUSED', 1000 + FAILING_NOTICE_MS + FAILING_REPEAT_MS - 1)).toBeUndefined();
    expect(watch.failed('ECONNREFUSED', 1000 + FAILING_NOTICE_MS + FAILING_REPEAT_MS)?.failingMs).toBe(18_000);
    expect(watch.succeeded(20_500)).toBe(19_500);
    expect(formatCallsRecovered(19_500)).toBe('sink: calls succeed again, after 19.5 s of failures');
    // A success resets it; failures interleaved with successes (a sink failing some calls) are never said.
    for (let t = 30_000; t < 60_000; t += 1000) {
      expect(watch.failed('503', t)).toBeUndefined();
      expect(watch.succeeded(t + 500)).toBeUndefined();
    }
  });
});

describe('sink lines', () => {
  it('says where it listens and how it behaves, and its counts', () => {
    expect(formatSinkListening('http://127.0.0.1:28080', { host: '127.0.0.1', port: 28080, latency: { kind: 'fixed', latencyMs: 500, jitterMs: 50 }, maxConcurrency: 200, errorRate: 0.01, failStatus: 503 }))
      .toBe('sink listening on http://127.0.0.1:28080: latency 500 ms ± 50 ms, 200 calls at once, more queue, 1.0% fail with 503; GET http://127.0.0.1:28080/stats');
    expect(formatSinkListening('http://127.0.0.1:1', { host: '127.0.0.1', port: 1, latency: { kind: 'log-normal', p50Ms: 20, p99Ms: 200 }, maxConcurrency: 0, errorRate: 0, failStatus: 503 }))
      .toBe('sink listening on http://127.0.0.1:1: latency log-normal, p50 20 ms, p99 200 ms, no concurrency limit; GET http://127.0.0.1:1/stats');
    expect(formatSinkStats({ records: 10, deliveries: 12, duplicates: 2, orderViolations: 0, gaps: 0, reorders: 3, nullKeyRecords: 0, calls: 14, failedCalls: 2, badCalls: 0, inService: 0, queued: 0, maxQueued: 5, partitions: [] }))
      .toBe('sink: 10 records (12 deliveries, 2 duplicates), 0 order violations, 0 gaps, 3 reorders within partitions; 14 calls, 2 failed on purpose, 0 bad; most queued 5');
  });
});
