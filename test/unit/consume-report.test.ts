import { describe, expect, it } from 'vitest';
import {
  formatConsumersTable, consumeFigures, DETAILED_HEADER, formatConsumeAccounting, formatConsumeInterruptedLine, formatFailedConsumers, formatIntervalLine, formatProgress, formatSummaryLine,
  formatTimeoutWarning, intervalFigures, SUMMARY_HEADER,
} from '../../src/consume/consume-report.js';
import { formatJavaFixed, formatKafkaDate, parseDatePattern } from '../../src/report/java-format.js';

/** A local wall-clock time as epoch ms (Kafka's tool prints local time, so the test does not depend on TZ). */
const local = (y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number) => new Date(y, mo - 1, d, h, mi, s, ms).getTime();

describe('Java number and date formats', () => {
  it('rounds like String.format("%.4f") and "%.1f" (values checked with java 17)', () => {
    const cases: Array<[number, string, string]> = [
      [0.15, '0.1500', '0.2'],
      [0.05, '0.0500', '0.1'],
      [1.00005, '1.0001', '1.0'],
      [2.5, '2.5000', '2.5'],
      [0.00005, '0.0001', '0.0'],
      [0.000049999, '0.0000', '0.0'],
      [9.99995, '10.0000', '10.0'],
      [28855.25071, '28855.2507', '28855.3'],
      [Number.POSITIVE_INFINITY, 'Infinity', 'Infinity'],
      [Number.NaN, 'NaN', 'NaN'],
      [-0, '-0.0000', '-0.0'],
      [-1.00005, '-1.0001', '-1.0'],
      [123456789.123456789, '123456789.1235', '123456789.1'],
    ];
    for (const [value, four, one] of cases) {
      expect([formatJavaFixed(value, 4), formatJavaFixed(value, 1)]).toEqual([four, one]);
    }
  });

  it('prints dates as yyyy-MM-dd HH:mm:ss:SSS in local time', () => {
    expect(formatKafkaDate(local(2026, 11, 22, 2, 55, 40, 236))).toBe('2026-11-22 02:55:40:236');
    expect(formatKafkaDate(local(2027, 1, 3, 14, 5, 9, 7))).toBe('2027-01-03 14:05:09:007');
    // --date-format: SimpleDateFormat's numeric letters, quoted text, a 2-letter year; letters it cannot print are refused.
    const at = local(2027, 1, 3, 14, 5, 9, 7);
    expect(formatKafkaDate(at, parseDatePattern("dd/MM/yy 'at' H:mm:ss.SSS"))).toBe('03/01/27 at 14:05:09.007');
    expect(formatKafkaDate(at, parseDatePattern("yyyyMMdd''HHmm"))).toBe("20270103'1405");
    expect(() => parseDatePattern('EEE, d MMM yyyy')).toThrow('the letter E is not one of y M d H m s S');
    expect(() => parseDatePattern('d MMM yyyy')).toThrow('month names (MMM) are not printed');
    expect(() => parseDatePattern("HH 'o'clock")).toThrow('the letter c is not one of'); // Java reads it so too
    expect(() => parseDatePattern("HH 'h")).toThrow('unclosed quote');
  });
});

describe('kafka-consumer-perf-test lines', () => {
  it('has Kafka 4.3\'s two headers, word for word', () => {
    expect(SUMMARY_HEADER).toBe('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ' +
      'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
    expect(DETAILED_HEADER).toBe('time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ' +
      'rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  });

  it('prints the summary line Kafka printed for the same counts (30500 records of 100 bytes, a real run)', () => {
    const figures = consumeFigures({
      records: 30500, payloadBytes: 3_050_000, startMs: local(2026, 11, 22, 2, 55, 40, 236), endMs: local(2026, 11, 22, 2, 55, 41, 293), rebalanceMs: 428,
    });
    expect(figures).toMatchObject({ durationMs: 1057, fetchMs: 629 });
    expect(formatSummaryLine(figures))
      .toBe('2026-11-22 02:55:40:236, 2026-11-22 02:55:41:293, 2.9087, 2.7519, 30500, 28855.2507, 428, 629, 4.6243, 48489.6661');
  });

  it('prints 0, never NaN, for the rates of nothing over no time (every broker gone before the first fetch)', () => {
    const start = local(2026, 1, 1, 0, 0, 0, 0);
    expect(formatSummaryLine(consumeFigures({ records: 0, payloadBytes: 0, startMs: start, endMs: start + 100, rebalanceMs: 100 })))
      .toBe('2026-01-01 00:00:00:000, 2026-01-01 00:00:00:100, 0.0000, 0.0000, 0, 0.0000, 100, 0, 0.0000, 0.0000');
    expect(formatSummaryLine(consumeFigures({ records: 0, payloadBytes: 0, startMs: start, endMs: start, rebalanceMs: 0 })))
      .toBe('2026-01-01 00:00:00:000, 2026-01-01 00:00:00:000, 0.0000, 0.0000, 0, 0.0000, 0, 0, 0.0000, 0.0000');
  });

  it('prints the detailed-stats line Kafka printed for the same counts (1 record of 100 bytes, a real run)', () => {
    const endMs = local(2026, 11, 22, 2, 55, 38, 664);
    const figures = intervalFigures({
      workerId: 0, startMs: endMs - 438, endMs, totalRecords: 1, totalPayloadBytes: 100, records: 1, payloadBytes: 100, rebalanceMs: 281,
    });
    expect(formatIntervalLine(figures)).toBe('2026-11-22 02:55:38:664, 0, 0.0001, 0.0002, 1, 2.2831, 281, 157, 0.0006, 6.3694');
  });

  it('gives fetch rates of 0 for an interval spent rebalancing, as Kafka does', () => {
    const endMs = local(2026, 11, 22, 3, 0, 0, 0);
    const figures = intervalFigures({
      workerId: 3, startMs: endMs - 500, endMs, totalRecords: 2000, totalPayloadBytes: 2_097_152, records: 1000, payloadBytes: 1_048_576, rebalanceMs: 500,
    });
    expect(formatIntervalLine(figures)).toBe('2026-11-22 03:00:00:000, 3, 2.0000, 2.0000, 2000, 2000.0000, 500, 0, 0.0000, 0.0000');
  });

  it('words the timeout warning as Kafka does, and the progress and accounting lines', () => {
    expect(formatTimeoutWarning(10000)).toBe('WARNING: Exiting before consuming the expected number of messages: timeout (10000 ms) exceeded. ' +
      'You can use the --timeout option to increase the timeout.');
    expect(formatProgress(250, 1000, 500)).toBe('consumed 250/1000 records (25%), 500 records/sec, 0.5 s');
    expect(formatConsumeAccounting({ countedRecords: 2500, committedOffsetGrowth: 2500, transactionMarkers: 0, match: true }, 'g1'))
      .toBe('accounting: 2500 records counted, group g1\'s committed offsets grew by 2500: match');
    expect(formatConsumeAccounting({ countedRecords: 2500, committedOffsetGrowth: 2499, transactionMarkers: 0, match: false }, 'g1'))
      .toBe('accounting: 2500 records counted, group g1\'s committed offsets grew by 2499: MISMATCH');
    expect(formatConsumeAccounting({ countedRecords: 22, committedOffsetGrowth: 24, transactionMarkers: 2, match: true }, 'g1'))
      .toBe('accounting: 22 records counted (and 2 transaction markers passed), group g1\'s committed offsets grew by 24: match');
    // A cluster gone by the end: the offsets were not read (NaN), and the line says so rather than a mismatch.
    expect(formatConsumeAccounting({ countedRecords: 2500, committedOffsetGrowth: Number.NaN, transactionMarkers: 0, match: false,
      uncheckedBecause: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092' }, 'g1'))
      .toBe('accounting: NOT CHECKED: 2500 records counted; group g1\'s committed offsets could not be read after the run (Connection error: connect ECONNREFUSED 127.0.0.1:9092)');
  });

  it('says what a Ctrl-C met: a run it cut short, or one whose every record was counted before it', () => {
    expect(formatConsumeInterruptedLine({ interrupted: true, partial: true, records: 400 }, 1000, 'g1'))
      .toBe('PARTIAL RUN: stopped by Ctrl-C after 400 of 1000 records; group g1 committed exactly those');
    expect(formatConsumeInterruptedLine({ interrupted: true, partial: false, records: 1000 }, 1000, 'g1'))
      .toBe('interrupted after the run was complete: all 1000 records were counted before the interrupt');
    // Ended by --timeout before the Ctrl-C came (the timeout's warning said so above).
    expect(formatConsumeInterruptedLine({ interrupted: true, partial: false, records: 700 }, 1000, 'g1'))
      .toBe('interrupted after the run had ended: 700 of 1000 records were counted before the interrupt');
    expect(formatConsumeInterruptedLine({ interrupted: false, partial: false, records: 1000 }, 1000, 'g1')).toBeUndefined();
  });

  it('counts the consumers that failed, whose records counted before are in the figures', () => {
    expect(formatFailedConsumers({ count: 1, firstError: 'a consumer of group g1 failed: Failed to find group coordinator' }, 2))
      .toBe('errors: 1 of 2 consumer(s) failed (a consumer of group g1 failed: Failed to find group coordinator); the figures are of the records counted before');
  });
});

describe('formatConsumersTable', () => {
  it('gives each consumer its records, MB and their rates over the time it held partitions', () => {
    expect(formatConsumersTable([
      { workerId: 0, records: 1000, payloadBytes: 1_048_576, rebalanceMs: 500 },
      { workerId: 1, records: 3000, payloadBytes: 3_145_728, rebalanceMs: 0 },
    ], 2500, false)).toBe([
      '┌──────────┬─────────┬────────┬───────────┬────────┬──────────────┐',
      '│ consumer │ records │     MB │ records/s │   MB/s │ rebalance ms │',
      '├──────────┼─────────┼────────┼───────────┼────────┼──────────────┤',
      '│        0 │    1000 │ 1.0000 │     500.0 │ 0.5000 │          500 │',
      '├──────────┼─────────┼────────┼───────────┼────────┼──────────────┤',
      '│        1 │    3000 │ 3.0000 │    1200.0 │ 1.2000 │            0 │',
      '└──────────┴─────────┴────────┴───────────┴────────┴──────────────┘',
    ].join('\n'));
  });
});
