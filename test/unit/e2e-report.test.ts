import { describe, expect, it } from 'vitest';
import { formatAccountingLine, formatLatencyLine, formatLatencyNote, formatProducerLine } from '../../src/consume/e2e-report.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import { createHistogram, recordLatencyUs, summarizeLatency } from '../../src/shared/histograms.js';
import { Pacer } from '../../src/produce/pacer.js';

describe('Pacer, the one rate schedule (produce --throughput and e2e)', () => {
  it('makes record i due i / rate after the start, and stops at its total whatever the clock says after it', () => {
    const pacer = new Pacer(1000, 3000); // 3 s at 1000/s
    expect(pacer.dueBy(-5)).toBe(0);
    expect(pacer.dueBy(0)).toBe(1);
    expect(pacer.dueBy(999)).toBe(1);
    expect(pacer.dueBy(1000)).toBe(2);
    expect(pacer.dueBy(1_500_000)).toBe(1501);
    expect(pacer.dueBy(60_000_000)).toBe(3000);
    expect(pacer.dueAtUs(1500)).toBe(1_500_000);
    expect(new Pacer(333, Infinity).dueBy(1_500_000)).toBe(500);
  });

  it('makes every record due at once without a limit', () => {
    const pacer = new Pacer(-1, 42);
    expect(pacer.limited).toBe(false);
    expect(pacer.dueBy(0)).toBe(42);
    expect(pacer.dueAtUs(41)).toBe(0);
  });
});

describe('end-to-end report', () => {
  it('prints latency like kafka-producer-perf-test\'s summary, in whole milliseconds when timed from CreateTime (its resolution)', () => {
    const histogram = createHistogram();
    for (let ms = 1; ms <= 100; ms += 1) recordLatencyUs(histogram, ms * 1000);
    expect(formatLatencyLine({ ...summarizeLatency(histogram), resolutionMs: 1 }))
      .toBe('100 records end to end, 50.50 ms avg latency, 100.00 ms max latency, 50 ms 50th, 95 ms 95th, 99 ms 99th, 100 ms 99.9th.');
  });

  it('prints percentiles to the µs when timed from the creation-time header', () => {
    const histogram = createHistogram();
    for (let us = 401; us <= 500; us += 1) recordLatencyUs(histogram, us);
    expect(formatLatencyLine({ ...summarizeLatency(histogram), resolutionMs: 0.001 }))
      .toBe('100 records end to end, 0.45 ms avg latency, 0.50 ms max latency, 0.450 ms 50th, 0.495 ms 95th, 0.499 ms 99th, 0.500 ms 99.9th.');
  });

  it('says how the latency was measured: the header (1 µs), CreateTime (1 ms), or some of each (1 ms)', () => {
    expect(formatLatencyNote({ resolutionMs: 0.001, headerTimedRecords: 1500, count: 1500 })).toBe(
      'latency = consumer clock − the record\'s creation time in its ds-created-us header (producer and consumers share this process\'s clock); resolution 1 µs');
    expect(formatLatencyNote({ resolutionMs: 1, headerTimedRecords: 0, count: 1500 })).toBe(
      'latency = consumer clock − record CreateTime set by the producer; resolution 1 ms (timestamps are whole milliseconds)');
    expect(formatLatencyNote({ resolutionMs: 1, headerTimedRecords: 1000, count: 1500 })).toBe(
      'latency = consumer clock − record CreateTime set by the producer; resolution 1 ms (timestamps are whole milliseconds) ' +
      '(1000 of 1500 records carried the ds-created-us header; the others did not)');
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
    const gone = { ...result, config: { ...result.config, topic: 'e2e' }, accounting: { ...result.accounting, brokerOffsetGrowth: Number.NaN, match: false,
      uncheckedBecause: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' } } as EndToEndResult;
    expect(formatAccountingLine(gone)).toBe('accounting: NOT CHECKED: 1500 acknowledged, 1500 consumed; ' +
      'e2e\'s end offsets could not be read after the run (Connection error: connect ECONNREFUSED 127.0.0.1:9092)');
  });
});
