import { describe, expect, it } from 'vitest';
import { createHistogram, encodeHistogram, recordLatencyUs, summarizeLatency } from '../../src/shared/histograms.js';
import {
  formatAccountingLine, formatBatchesLine, formatErrorsLine, formatIntendedLatencyLine, formatPartialLine, formatProduceProgress, formatResultTable, formatRunHeader, formatTransactionsLine,
  formatMetricsTable, formatSummaryLine, formatWindowLine,
  formatWorkersOverCoresNote,
} from '../../src/report/produce-report.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { PERF_SUMMARY_LINE, PERF_WINDOW_LINE } from '../helpers.js';
import { produceResult } from './bench-fixtures.js';

// Lines Kafka 4.3.1's ProducerPerformance printed on this project's cluster (--reporting-interval 1000, --warmup-records 50000).
const JAVA_WINDOW = '27026 records sent, 26758.4 records/sec (6.38 MB/sec), 4697.0 ms avg latency, 5290.0 ms max latency.';
const JAVA_SUMMARY = '300000 records sent, 21917.007598 records/sec (5.23 MB/sec), 4037.62 ms avg latency, 6836.00 ms max latency, 4424 ms 50th, 6373 ms 95th, 6656 ms 99th, 6811 ms 99.9th.';
const JAVA_STEADY = '250000 steady state records sent, 21065.048871 records/sec (5.02 MB/sec), 4518.69 ms avg latency, 6836.00 ms max latency, 4686 ms 50th, 6417 ms 95th, 6665 ms 99th, 6812 ms 99.9th.';

function latencyOf(valuesUs: number[]) {
  const h = createHistogram();
  for (const v of valuesUs) recordLatencyUs(h, v);
  return { ...summarizeLatency(h), histogram: encodeHistogram(h) };
}

describe('perf-test lines', () => {
  it('the patterns the tests use accept what Kafka\'s Java tool prints', () => {
    expect(JAVA_WINDOW).toMatch(PERF_WINDOW_LINE);
    expect(JAVA_SUMMARY).toMatch(PERF_SUMMARY_LINE);
    expect(JAVA_STEADY).toMatch(PERF_SUMMARY_LINE);
  });

  it('formats a window line exactly like ProducerPerformance', () => {
    expect(formatWindowLine({ elapsedMs: 5000, durationMs: 5000, records: 27026, payloadBytes: 6_686_000,
      recordsPerSec: 26758.41, mbPerSec: 6.3764, avgLatencyMs: 4697.04, maxLatencyMs: 5290 })).toBe(JAVA_WINDOW);
  });

  it('adds the rate a --throughput-profile asked for after Kafka\'s window line', () => {
    expect(formatWindowLine({ elapsedMs: 5000, durationMs: 5000, records: 27026, payloadBytes: 6_686_000,
      recordsPerSec: 26758.41, mbPerSec: 6.3764, avgLatencyMs: 4697.04, maxLatencyMs: 5290, profileRecordsPerSec: 27500 }))
      .toBe(`${JAVA_WINDOW} (profile: 27500.0 records/sec)`);
  });

  it('formats the summary and steady-state lines with whole-millisecond percentiles', () => {
    const latency = latencyOf([1500, 2500, 2999, 120_400]);
    const totals = { records: 4, payloadBytes: 1000, wireBytes: 500, compressionRatio: 2, durationMs: 2,
      recordsPerSec: 2000, mbPerSec: 0.476837, errors: {} };
    expect(formatSummaryLine(totals, latency)).toBe(
      '4 records sent, 2000.000000 records/sec (0.48 MB/sec), 31.85 ms avg latency, 120.45 ms max latency, 2 ms 50th, 120 ms 95th, 120 ms 99th, 120 ms 99.9th.');
    expect(formatSummaryLine(totals, latency, true)).toMatch(/^4 steady state records sent, 2000\.000000 records\/sec/);
    expect(formatIntendedLatencyLine(latency)).toBe(
      'latency from intended send time (coordinated omission corrected): 31.85 ms avg, 2.50 ms 50th, 120.45 ms 99th, 120.45 ms 99.9th, 120.45 ms max.');
  });

  it('says errors by type, and accounting loudly when it does not add up', () => {
    expect(formatErrorsLine({})).toBe('errors: 0');
    expect(formatErrorsLine({ REQUEST_TIMED_OUT: 3, BufferExhaustedTimeout: 10 }))
      .toBe('errors: 13 records failed (BufferExhaustedTimeout: 10, REQUEST_TIMED_OUT: 3)');
    // What happened in a client's words is quoted: its colons are not counts.
    expect(formatErrorsLine({ 'Connection error: connect ECONNREFUSED 127.0.0.1:29792': 3549, NOT_LEADER_OR_FOLLOWER: 2 }))
      .toBe('errors: 3551 records failed ("Connection error: connect ECONNREFUSED 127.0.0.1:29792": 3549, NOT_LEADER_OR_FOLLOWER: 2)');
    const result = { config: { topic: 't' }, accounting: { acknowledgedRecords: 10, brokerOffsetGrowth: 10, match: true } } as unknown as ProduceResult;
    expect(formatAccountingLine(result)).toBe('accounting: 10 records acknowledged = 10 records added to t (broker offsets): OK');
    result.accounting = { ...result.accounting, brokerOffsetGrowth: 9, match: false };
    expect(formatAccountingLine(result)).toBe('accounting: MISMATCH: 10 records acknowledged but t\'s offsets grew by 9');
    // A cluster gone by the end: the offsets were not read, and the line says so rather than a mismatch.
    const gone = { ...result, accounting: { acknowledgedRecords: 10, brokerOffsetGrowth: 0, match: false, uncheckedBecause: 'Connection error: connect ECONNREFUSED 127.0.0.1:9093' } } as unknown as ProduceResult;
    expect(formatAccountingLine(gone)).toBe('accounting: NOT CHECKED: 10 records acknowledged; t\'s offsets could not be read after the run (Connection error: connect ECONNREFUSED 127.0.0.1:9093)');
    // With transactions each commit adds a marker per partition it wrote to: the offsets grow by those too.
    result.accounting = { acknowledgedRecords: 10, brokerOffsetGrowth: 13, transactionMarkers: 3, match: true } as ProduceResult['accounting'];
    expect(formatAccountingLine(result)).toBe('accounting: 10 records acknowledged + 3 transaction markers = 13 offsets added to t (broker offsets): OK');
    result.accounting = { ...result.accounting, brokerOffsetGrowth: 12, match: false };
    expect(formatAccountingLine(result)).toBe('accounting: MISMATCH: 10 records acknowledged and 3 transaction markers but t\'s offsets grew by 12');
  });

  it('says what the transactions came to, and nothing without them', () => {
    const result = { config: { workers: 4, transaction: { id: 'tx', durationMs: 500, abortRate: 0 } }, totals: { durationMs: 3000 },
      transactions: { committed: 9, aborted: 1, committedRecords: 36000, abortedRecords: 4000, markers: 40, commitMsTotal: 108, commitMsMax: 31.25,
        abortMsTotal: 7.5, abortMsMax: 7.5 } } as unknown as ProduceResult;
    // One abort after a failed send: not planned, so no --abort-rate.
    expect(formatTransactionsLine(result)).toBe('transactions: 9 committed (36000 records, what read_committed consumers see), 1 aborted (4000 records); ' +
      '3.0 commits/s, a commit took 12.0 ms on average (longest 31.3 ms); an abort took 7.5 ms on average (longest 7.5 ms); ' +
      'one every 500 ms per producer, transactional ids tx-0..3');
    const planned = { ...result, config: { workers: 1, transaction: { id: 'tx', durationMs: 500, abortRate: 0.25 } } } as unknown as ProduceResult;
    expect(formatTransactionsLine(planned)).toBe('transactions: 9 committed (36000 records, what read_committed consumers see), 1 aborted (4000 records, --abort-rate 0.25); ' +
      '3.0 commits/s, a commit took 12.0 ms on average (longest 31.3 ms); an abort took 7.5 ms on average (longest 7.5 ms); ' +
      'one every 500 ms per producer, transactional ids tx-0');
    const none = { ...result, transactions: { ...result.transactions!, aborted: 0, abortedRecords: 0, abortMsTotal: 0, abortMsMax: 0 } } as ProduceResult;
    expect(formatTransactionsLine(none)).toBe('transactions: 9 committed (36000 records, what read_committed consumers see), 0 aborted; ' +
      '3.0 commits/s, a commit took 12.0 ms on average (longest 31.3 ms); one every 500 ms per producer, transactional ids tx-0..3');
    expect(formatTransactionsLine({ ...result, transactions: undefined })).toBeUndefined();
  });
});

describe('formatResultTable', () => {
  it('has a row per worker and a total, with wire bytes, compression ratio and latency to p99.99 and max', () => {
    const w0 = latencyOf([1000, 2000]);
    const w1 = latencyOf([3000, 4000]);
    const all = latencyOf([1000, 2000, 3000, 4000]);
    const result = {
      totals: { records: 4, payloadBytes: 2 * 1024 * 1024, wireBytes: 1024 * 1024, compressionRatio: 2, durationMs: 2000,
        recordsPerSec: 2, mbPerSec: 1, errors: { X: 1 } },
      latency: all,
      workers: [
        { workerId: 0, records: 2, payloadBytes: 1024 * 1024, wireBytes: 512 * 1024, requests: 1, errors: 1, latency: w0 },
        { workerId: 1, records: 2, payloadBytes: 1024 * 1024, wireBytes: 512 * 1024, requests: 1, errors: 0, latency: w1 },
      ],
    } as unknown as ProduceResult;
    expect(formatResultTable(result, false)).toBe([
      '┌────────┬─────────┬───────────┬──────┬─────────┬───────┬────────┬──────┬──────┬──────┬───────┬────────┬──────┬────────┐',
      '│ worker │ records │ records/s │ MB/s │ wire MB │ ratio │ avg ms │  p50 │  p95 │  p99 │ p99.9 │ p99.99 │  max │ errors │',
      '├────────┼─────────┼───────────┼──────┼─────────┼───────┼────────┼──────┼──────┼──────┼───────┼────────┼──────┼────────┤',
      '│      0 │       2 │         1 │ 0.50 │    0.50 │  2.00 │   1.50 │ 1.00 │ 2.00 │ 2.00 │  2.00 │   2.00 │ 2.00 │      1 │',
      '├────────┼─────────┼───────────┼──────┼─────────┼───────┼────────┼──────┼──────┼──────┼───────┼────────┼──────┼────────┤',
      '│      1 │       2 │         1 │ 0.50 │    0.50 │  2.00 │   3.50 │ 3.00 │ 4.00 │ 4.00 │  4.00 │   4.00 │ 4.00 │      0 │',
      '├────────┼─────────┼───────────┼──────┼─────────┼───────┼────────┼──────┼──────┼──────┼───────┼────────┼──────┼────────┤',
      '│  total │       4 │         2 │ 1.00 │    1.00 │  2.00 │   2.50 │ 2.00 │ 4.00 │ 4.00 │  4.00 │   4.00 │ 4.00 │      1 │',
      '└────────┴─────────┴───────────┴──────┴─────────┴───────┴────────┴──────┴──────┴──────┴───────┴────────┴──────┴────────┘',
    ].join('\n'));
  });
});

describe('formatBatchesLine', () => {
  it('gives the records per request and where the batch limits ended, or nothing for results before limits were recorded', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.totals.payloadBytes = 3_000_000;
    result.workers = [
      { ...result.workers[0], workerId: 0, records: 6000, requests: 4, batchLimitEndBytes: 131_072 },
      { ...result.workers[0], workerId: 1, records: 6000, requests: 8, batchLimitEndBytes: 1_048_576 },
    ];
    result.config.queueTargetMs = 50;
    expect(formatBatchesLine(result)).toBe('batches: 12 requests, 1000 records (244 KB of values) per request; batch limits ended at 128-1024 KB (--queue-target 50 ms)');
    result.config.queueTargetMs = 0;
    result.workers[0].batchLimitEndBytes = 1_048_576;
    expect(formatBatchesLine(result)).toBe('batches: 12 requests, 1000 records (244 KB of values) per request; batch limit 1024 KB');
    result.workers = result.workers.map(({ batchLimitEndBytes: _, ...worker }) => worker);
    expect(formatBatchesLine(result)).toBeUndefined();
  });

  it('averages the acknowledged records over the acknowledged requests, not the failed ones too', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.totals.payloadBytes = 3_000_000;
    result.config.queueTargetMs = 50;
    result.workers = [
      { ...result.workers[0], workerId: 0, records: 6000, requests: 6, failedRequests: 2, batchLimitEndBytes: 131_072 },
      { ...result.workers[0], workerId: 1, records: 6000, requests: 10, failedRequests: 2, batchLimitEndBytes: 1_048_576 },
    ];
    // 12000 records in 12 acknowledged requests: 1000 a request (dividing by all 16 read 750).
    expect(formatBatchesLine(result)).toBe('batches: 16 requests (4 failed), 1000 records (244 KB of values) per acknowledged request; ' +
      'batch limits ended at 128-1024 KB (--queue-target 50 ms)');
    result.workers = result.workers.map((w) => ({ ...w, failedRequests: w.requests }));
    expect(formatBatchesLine(result)).toBe('batches: 16 requests (16 failed), none per acknowledged request; batch limits ended at 128-1024 KB (--queue-target 50 ms)');
  });

  it('--print-metrics averages per acknowledged batch too', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.workers = [{ ...result.workers[0], records: 6000, payloadBytes: 1_536_000, requests: 8, failedRequests: 2, wireBytes: 1_600_000 }];
    // 6000 records and 1500 KB in the 6 acknowledged batches of 8.
    expect(formatMetricsTable(result, false)).toBe([
      '┌────────┬──────────────┬───────────────┬──────────────────┬────────────┐',
      '│ worker │ batches sent │ records/batch │ payload KB/batch │ wire bytes │',
      '├────────┼──────────────┼───────────────┼──────────────────┼────────────┤',
      '│      0 │            8 │        1000.0 │            250.0 │    1600000 │',
      '└────────┴──────────────┴───────────────┴──────────────────┴────────────┘',
    ].join('\n'));
  });
});

describe('formatRunHeader', () => {
  it('states the settings that ran, buffer.memory and where batches close included', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.config = { ...result.config, workers: 16, batchBytes: 16 * 1024 * 1024, bufferMemoryBytes: 32 * 1024 * 1024 };
    result.buffers = { batchLimitBytes: 1_048_064, bufferBytes: 1_048_576, buffersPerWorker: 2 };
    expect(formatRunHeader(result)).toBe('topic bench-t (8 partitions) on 4 brokers: 16 workers, 100 B Avro, batch 16777216 B, ' +
      'buffer.memory 33554432 B (2 batch buffers/worker: batches close at 1048064 B), linger 5 ms, 5 in flight/worker, ' +
      'compression lz4, acks all, not idempotent, no rate limit; machine 2 x Test CPU, Node v20.0.0; latency per record, send to ack');
    result.config.idempotent = true;
    expect(formatRunHeader(result)).toContain(', acks all, idempotent, no rate limit;');
    expect(formatRunHeader({ ...result, config: { ...result.config, batchEncoding: 'pre-encoded' } }))
      .toContain(', 5 in flight/worker, pre-encoded batches, compression lz4,');
    expect(formatRunHeader({ ...result, config: { ...result.config, batchEncoding: 'pre-encoded-reused' } }))
      .toContain(', 5 in flight/worker, pre-encoded batches, compressed once and reused (the client\'s compression cost not measured), compression lz4,');
    expect(formatRunHeader({ ...result, config: { ...result.config, batchEncoding: 'per-record' } }))
      .toContain(', 5 in flight/worker, compression lz4,');
    expect(formatRunHeader({ ...result, config: { ...result.config, transaction: { id: 'tx', durationMs: 3000, abortRate: 0 } } }))
      .toContain(', acks all, idempotent, in transactions of 3000 ms, no rate limit;');
    result.config.driver = 'kafkajs';
    expect(formatRunHeader(result)).toContain('on 4 brokers: 16 workers,');
    result.config.driver = 'platformatic';
    expect(formatRunHeader(result)).toContain('on 4 brokers: driver platformatic, 16 workers,');
    // With --queue-target, the limit is where batches close at most.
    result.config.queueTargetMs = 50;
    result.buffers = { batchLimitBytes: 2_096_640, bufferBytes: 2_097_152, buffersPerWorker: 1 };
    expect(formatRunHeader(result)).toContain('buffer.memory 33554432 B (1 batch buffer/worker: batches close at up to 2096640 B, ' +
      'smaller while requests queue over 50 ms at the brokers), linger 5 ms,');
    // Workers beyond the cores share threads, and the header says how many ran them.
    expect(formatRunHeader({ ...result, threads: 2 })).toContain('on 4 brokers: driver platformatic, 16 workers on 2 threads, 100 B Avro,');
    expect(formatRunHeader({ ...result, threads: 16 })).toContain(', 16 workers, 100 B Avro,');
    expect(formatRunHeader({ ...result, threads: 1 })).toContain(', 16 workers on 1 thread, 100 B Avro,');
    // --schema-registry: the framing every value carries.
    const schemaRegistry = { url: 'http://r/apis/ccompat/v7', subject: 'bench-t-value', subjectStrategy: 'topic' as const, id: 4, how: 'registered' as const, registerMs: 3 };
    expect(formatRunHeader({ ...result, schemaRegistry })).toContain(', 100 B Avro in Confluent\'s wire format (+5 B: schema id 4 of subject bench-t-value), batch ');
  });

  it('states the measured sizes of a schema\'s or a file\'s values, not --record-size', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.config = { ...result.config, payload: { kind: 'avro', schemaFile: 'custom.avsc', recordSizeBytes: 250, serializeOnSend: false } };
    result.values = { count: 1024, minBytes: 97, meanBytes: 111.4, maxBytes: 130 };
    expect(formatRunHeader(result)).toContain(': 4 workers, Avro values of custom.avsc (mean 111 B, 97-130 B), batch ');
    result.config = { ...result.config, payload: { kind: 'file', path: 'values.txt', delimiter: '\n' } };
    result.values = { count: 3, minBytes: 40, meanBytes: 40, maxBytes: 40 };
    expect(formatRunHeader(result)).toContain(': 4 workers, values of values.txt (mean 40 B), batch ');
  });
});

describe('several topics', () => {
  it('names them in the run header, and checks the accounting per topic', () => {
    const result = produceResult({ records: 30001, latenciesUs: [1000] });
    result.config = { ...result.config, topic: 'm-0', topics: ['m-0', 'm-1', 'm-2'] };
    expect(formatRunHeader(result)).toMatch(/^3 topics m-0, m-1, m-2 \(8 partitions each\) on 4 brokers: 4 workers, /);
    expect(formatRunHeader({ ...result, config: { ...result.config, topics: Array.from({ length: 10 }, (_, i) => `b-${i}`) } }))
      .toMatch(/^10 topics b-0 \.\.\. b-9 \(8 partitions each\) on /);
    const topics = [
      { topic: 'm-0', acknowledgedRecords: 10001, brokerOffsetGrowth: 10001, match: true },
      { topic: 'm-1', acknowledgedRecords: 10000, brokerOffsetGrowth: 10000, match: true },
      { topic: 'm-2', acknowledgedRecords: 10000, brokerOffsetGrowth: 10000, match: true },
    ];
    result.accounting = { acknowledgedRecords: 30001, brokerOffsetGrowth: 30001, match: true, topicEndOffsetTotalBefore: 0, topicEndOffsetTotalAfter: 30001, topics };
    expect(formatAccountingLine(result)).toBe('accounting: 30001 records acknowledged = 30001 records added to 3 topics (m-0 10001, m-1 10000, m-2 10000) (broker offsets): OK');
    // Totals can agree while topics do not: each is checked.
    result.accounting = { ...result.accounting, match: false, topics: [topics[0], { ...topics[1], brokerOffsetGrowth: 9999, match: false }, { ...topics[2], brokerOffsetGrowth: 10001, match: false }] };
    expect(formatAccountingLine(result)).toBe('accounting: MISMATCH: 30001 records acknowledged, 30001 added to 3 topics ' +
      '(m-0 10001, m-1 10000 acknowledged but grew by 9999, m-2 10000 acknowledged but grew by 10001)');
    result.accounting = { ...result.accounting, uncheckedBecause: 'Connection error' };
    expect(formatAccountingLine(result)).toBe('accounting: NOT CHECKED: 30001 records acknowledged; m-0, m-1, m-2\'s offsets could not be read after the run (Connection error)');
  });
});

describe('headers in the run header', () => {
  it('names the headers every record carries and their bytes a record, after the values', () => {
    const result = produceResult({ records: 10, latenciesUs: [1000] });
    result.config = { ...result.config, headers: [{ key: 'trace', value: 'abc' }] };
    // count 1, key length 5 + 'trace', value length 3 + 'abc': 1 + 1 + 5 + 1 + 3 = 11 bytes.
    expect(formatRunHeader(result)).toContain(': 4 workers, 100 B Avro, 1 header (trace: 11 B a record), batch ');
    result.config.headers = Array.from({ length: 6 }, (_, h) => ({ key: `header-${h}`, value: 'x'.repeat(16) }));
    // 1 + 6 x (1 + 8 + 1 + 16) = 157 bytes.
    expect(formatRunHeader(result)).toContain(', 100 B Avro, 6 headers (header-0 ... header-5: 157 B a record), batch ');
  });
});

describe('partial runs and the progress line', () => {
  it('say what a stopped run\'s figures cover', () => {
    const result = produceResult({ records: 1500, latenciesUs: [1000], durationMs: 2500 });
    result.config = { ...result.config, numRecords: 10_000 };
    expect(formatPartialLine(result.totals, result.config.numRecords)).toBe('PARTIAL RUN: stopped after 2.5 s with 1500 records acknowledged of 10000: the figures are of those');
  });

  it('shows acknowledged records, the share of the target and the time left, or the time of the duration', () => {
    expect(formatProduceProgress(250_000, 2000, { numRecords: 1_000_000 }))
      .toBe('250000 records acknowledged (25.0% of 1000000), 2.0 s, about 6.0 s left, 125000 records/sec');
    expect(formatProduceProgress(0, 100, { numRecords: 10 })).toBe('0 records acknowledged (0.0% of 10), 0.1 s, 0 records/sec');
    expect(formatProduceProgress(5000, 12_000, { durationMs: 60_000 })).toBe('5000 records acknowledged, 12.0 s of 60.0 s, 417 records/sec');
  });
});

describe('formatWorkersOverCoresNote', () => {
  it('says so when the workers outnumber the cores, with the cores the load leaves free', () => {
    expect(formatWorkersOverCoresNote(16, 2, 0.4)).toBe('note: 16 workers on 2 cores, about 2 free (load average 0.4): workers beyond ' +
      'the cores share threads and take turns on them, and each costs CPU of its own (connections, batches, acknowledgements); ' +
      '`datastorm sweep --workers 1,2,4,8,16` measures the cost here (docs/produce.md, "More workers than cores")');
    expect(formatWorkersOverCoresNote(3, 2, 1.6)).toBe('note: 3 workers on 2 cores, about 1 free (load average 1.6): workers beyond ' +
      'the cores share threads and take turns on them, and each costs CPU of its own (connections, batches, acknowledgements); ' +
      '`datastorm sweep --workers 1,2,4,8,16` measures the cost here (docs/produce.md, "More workers than cores")');
  });

  it('says nothing when every worker has a thread of its own, however busy the machine (the default: a worker per core)', () => {
    expect(formatWorkersOverCoresNote(2, 2, 0.4)).toBeUndefined();
    expect(formatWorkersOverCoresNote(2, 2, 1.6)).toBeUndefined();
    expect(formatWorkersOverCoresNote(2, 2, 9)).toBeUndefined();
    expect(formatWorkersOverCoresNote(1, 2, 9)).toBeUndefined();
  });
});
