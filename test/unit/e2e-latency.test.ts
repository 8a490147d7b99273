import { describe, expect, it } from 'vitest';
import { LatencyRecorder, latencyResolutionMs } from '../../src/consume/e2e-latency.js';
import { BatchCollector } from '../../src/drivers/platformatic-consumer.js';
import type { FetchedBatch } from '../../src/drivers/consumer-driver.js';
import { CREATED_US_HEADER, createdUsOf, createdUsValue } from '../../src/kafka/created-header.js';
import { decodeHistogram } from '../../src/shared/histograms.js';

describe('the creation-time header (ds-created-us)', () => {
  it('carries µs on the process\'s clock as decimal digits, read back from a Buffer, a string or a repeated header\'s first value', () => {
    expect(CREATED_US_HEADER).toBe('ds-created-us');
    expect(createdUsValue(1_796_622_556_824_383.25)).toBe('1796622556824383');
    expect(createdUsOf(Buffer.from('1796622556824383'))).toBe(1_796_622_556_824_383);
    expect(createdUsOf('1796622556824383')).toBe(1_796_622_556_824_383);
    expect(createdUsOf([Buffer.from('12'), Buffer.from('34')])).toBe(12);
  });

  it('is no creation time when absent, or when another producer\'s header of that name holds something else', () => {
    expect(createdUsOf(undefined)).toBeUndefined();
    expect(createdUsOf(Buffer.from('2024-01-01T00:00:00Z'))).toBeUndefined();
    expect(createdUsOf(Buffer.from(''))).toBeUndefined();
    expect(createdUsOf(Buffer.from('-5'))).toBeUndefined();
  });

  it('reaches a consumer through platformatic\'s messages (its headers a Map of Buffers)', () => {
    const batches: FetchedBatch[] = [];
    const collector = new BatchCollector((batch) => batches.push(batch), () => 2);
    const message = (offset: number, headers?: Map<Buffer, Buffer>) =>
      ({ partition: 0, offset: BigInt(offset), timestamp: 1_700_000_000_000n, key: Buffer.from('k'), value: Buffer.from('v'), headers }) as Parameters<BatchCollector['add']>[0];
    collector.add(message(0, new Map([[Buffer.from('trace'), Buffer.from('x')], [Buffer.from(CREATED_US_HEADER), Buffer.from('1700000000000123')]])));
    collector.add(message(1, new Map()));
    collector.flush();
    expect(batches[0].records.map((r) => r.createdUs)).toEqual([1_700_000_000_000_123, undefined]);
  });
});

describe('LatencyRecorder, a consumer\'s produce→consume latencies', () => {
  const receivedMs = 1_700_000_010_000;
  const receivedUs = receivedMs * 1000 + 250;

  it('times a record from its creation-time header in µs, else from its CreateTime in whole ms, and counts the first kind', () => {
    const recorder = new LatencyRecorder();
    recorder.recordBatch([
      { timestamp: receivedMs - 1, createdUs: receivedUs - 412 },
      { timestamp: receivedMs - 1 },
      { timestamp: receivedMs - 1, createdUs: receivedUs - 900 },
    ], 0, 3, receivedUs, receivedMs);
    const outcome = recorder.outcome();
    const histogram = decodeHistogram(outcome.latencyHistogram);
    expect(outcome.headerTimedRecords).toBe(2);
    expect(outcome.latencyWindows).toBeUndefined();
    expect([histogram.totalCount, histogram.minNonZeroValue, histogram.getValueAtPercentile(50), histogram.maxValue]).toEqual([3, 412, 900, 1000]);
  });

  it('records only the batch\'s claimed records [from, to)', () => {
    const recorder = new LatencyRecorder();
    const records = [{ timestamp: 0, createdUs: receivedUs - 10 }, { timestamp: 0, createdUs: receivedUs - 20 }, { timestamp: 0, createdUs: receivedUs - 30 }];
    recorder.recordBatch(records, 1, 2, receivedUs, receivedMs);
    recorder.recordBatch(records, 3, 3, receivedUs, receivedMs);
    const histogram = decodeHistogram(recorder.outcome().latencyHistogram);
    expect([histogram.totalCount, histogram.maxValue]).toEqual([1, 20]);
  });

  it('with a window length, keeps a histogram per window of the shared clock in which records were read, and their merge', () => {
    const recorder = new LatencyRecorder(1000);
    const atMs = (ms: number) => ms * 1000;
    recorder.recordBatch([{ timestamp: 0, createdUs: atMs(5_000) - 100 }], 0, 1, atMs(5_000), 0); // window 5 starts at 5000 ms
    recorder.recordBatch([{ timestamp: 0, createdUs: atMs(5_999) }, { timestamp: 0, createdUs: atMs(5_999) }], 0, 2, atMs(5_999) + 700, 0);
    recorder.recordBatch([{ timestamp: 0, createdUs: atMs(7_000) }], 0, 1, atMs(7_000) + 50, 0);
    const outcome = recorder.outcome();
    expect(outcome.latencyWindows!.map((w) => [w.window, decodeHistogram(w.histogram).totalCount, decodeHistogram(w.histogram).maxValue]))
      .toEqual([[5, 3, 700], [7, 1, 50]]);
    expect(decodeHistogram(outcome.latencyHistogram).totalCount).toBe(4);
    expect(outcome.headerTimedRecords).toBe(4);
  });

  it('says µs resolution only when every record was timed from the header', () => {
    expect(latencyResolutionMs(1500, 1500)).toBe(0.001);
    expect(latencyResolutionMs(1499, 1500)).toBe(1);
    expect(latencyResolutionMs(0, 0)).toBe(1);
  });
});
