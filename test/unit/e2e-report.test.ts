import { describe, expect, it } from 'vitest';
import { formatAccountingLine, formatLatencyLine, formatProducerLine } from '../../src/consume/e2e-report.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import { createHistogram, recordLatencyUs, summarizeLatency } from '../../src/report/histograms.js';
import { recordsDue } from '../../src/consume/paced-producer.js';

describe('recordsDue', () => {
  it('spreads the rate evenly and stops at the duration, whatever the clock says after it', () => {
    expect(recordsDue(0, 1000, 3000)).toBe(0);
    expect(recordsDue(0.999, 1000, 3000)).toBe(0);
    expect(recordsDue(1, 1000, 3000)).toBe(1);
    expect(recordsDue(1500, 333, 3000)).toBe(499);
    expect(recordsDue(3000, 500, 3000)).toBe(1500);
    expect(recordsDue(60_000, 500, 3000)).toBe(1500);
  });
});

describe('end-to-end report', () => {
  it('prints latency like kafka-producer-perf-test\'s summary, in whole milliseconds (the timestamps\' resolution)', () => {
    const histogram = createHistogram();
    for (let ms = 1; ms <= 100; ms += 1) recordLatencyUs(histogram, ms * 1000);
    expect(formatLatencyLine(summarizeLatency(histogram)))
      .toBe('100 records end to end, 50.50 ms avg latency, 100.00 ms max latency, 50 ms 50th, 95 ms 95th, 99 ms 99th, 100 ms 99.9th.');
  });

  it('prints the producer and accounting lines', () => {
    const result = {
      config: { ratePerSec: 500, workers: 2 },
      groupBalanceMs: 640,
      producer: { records: 1500, failedRecords: 0, durationMs: 3004, recordsPerSec: 499.33 },
      accounting: { producedRecords: 1500, consumedRecords: 1500, brokerOffsetGrowth: 1500, match: true },
    } as EndToEndResult;
    expect(formatProducerLine(result)).toBe('produced 1500 records in 3.0 s: 499.3 records/sec (target 500); ' +
      'the group of 2 consumer(s) settled in 640 ms before the first send');
    expect(formatAccountingLine(result)).toBe('accounting: 1500 acknowledged, 1500 consumed, topic end offsets grew by 1500: match');
    const failed = { ...result, producer: { ...result.producer, failedRecords: 3, firstError: 'boom' },
      accounting: { ...result.accounting, consumedRecords: 1497, match: false } } as EndToEndResult;
    expect(formatProducerLine(failed)).toContain('(target 500), 3 FAILED (boom);');
    expect(formatAccountingLine(failed)).toBe('accounting: 1500 acknowledged, 1497 consumed, topic end offsets grew by 1500: MISMATCH');
  });
});
