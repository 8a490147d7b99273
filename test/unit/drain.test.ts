import { describe, expect, it } from 'vitest';
import { fnv1a32, LaneAssigner } from '../../src/drain/lanes.js';
import { OffsetTracker } from '../../src/drain/offset-tracker.js';
import { batchPath, decodeBatchV2, encodeBatchV2, recordPath } from '../../src/drain/sink-request.js';
import { SinkLedger } from '../../src/drain/sink-ledger.js';
import { sampleLatencyMs } from '../../src/drain/latency-model.js';

describe('fnv1a32', () => {
  it('matches FNV-1a 32-bit reference vectors (Go\'s hash/fnv New32a)', () => {
    const of = (text: string) => fnv1a32(Buffer.from(text));
    expect(of('')).toBe(0x811c9dc5);
    expect(of('a')).toBe(0xe40c292c);
    expect(of('foobar')).toBe(0xbf9cf968);
    expect(fnv1a32(Buffer.from([0xff, 0x00, 0x80]))).toBe(fnv1a32(new Uint8Array([0xff, 0x00, 0x80])));
  });
});

describe('LaneAssigner', () => {
  it('hash: the key\'s FNV-1a mod the lanes, the same lane for the same key whatever its partition', () => {
    const lanes = new LaneAssigner('hash', 200);
    expect(lanes.laneOf(0, Buffer.from('foobar'))).toBe(0xbf9cf968 % 200);
    expect(lanes.laneOf(5, Buffer.from('foobar'))).toBe(0xbf9cf968 % 200);
    expect(lanes.nullKeyRecords).toBe(0);
  });

  it('hash: records without a key go round-robin, and are counted', () => {
    const lanes = new LaneAssigner('hash', 3);
    expect([null, null, null, null].map((key) => lanes.laneOf(0, key))).toEqual([0, 1, 2, 0]);
    expect(lanes.nullKeyRecords).toBe(4);
  });

  it('round-robin spreads every record in turn; partition (serial) is one lane per partition', () => {
    const rr = new LaneAssigner('round-robin', 2);
    expect([Buffer.from('a'), Buffer.from('a'), Buffer.from('a')].map((key) => rr.laneOf(0, key))).toEqual([0, 1, 0]);
    const serial = new LaneAssigner('partition', 8);
    expect([0, 7, 3].map((p) => serial.laneOf(p, Buffer.from('a')))).toEqual([0, 7, 3]);
  });
});

describe('OffsetTracker', () => {
  /** A tracker with partitions started at the given offsets and these [partition, offset] records fetched. */
  function trackerWith(starts: Record<number, number>, fetched: Array<[number, number]>): OffsetTracker {
    const tracker = new OffsetTracker();
    for (const [partition, offset] of Object.entries(starts)) tracker.start(Number(partition), offset);
    for (const [partition, offset] of fetched) tracker.track(partition, offset);
    return tracker;
  }

  it('commits only the contiguous prefix of completed records: one done out of order waits', () => {
    const tracker = trackerWith({ 0: 100 }, [[0, 100], [0, 101], [0, 102], [0, 103]]);
    expect(tracker.pending()).toBe(4);
    tracker.complete(0, 102);
    tracker.complete(0, 101);
    expect(tracker.committable(0)).toBe(100);
    tracker.complete(0, 100);
    expect(tracker.committable(0)).toBe(103);
    expect(tracker.pending()).toBe(1);
    tracker.complete(0, 103);
    expect(tracker.committable(0)).toBe(104);
    expect(tracker.pending()).toBe(0);
  });

  it('passes offsets a fetch skipped (transaction markers) once nothing before them is pending', () => {
    const tracker = trackerWith({ 1: 0 }, [[1, 0], [1, 2]]);
    tracker.fetchedTo(1, 4);
    expect(tracker.committable(1)).toBe(0);
    tracker.complete(1, 0);
    expect(tracker.committable(1)).toBe(1);
    tracker.complete(1, 2);
    expect(tracker.committable(1)).toBe(4);
  });

  it('keeps partitions apart', () => {
    const tracker = trackerWith({ 0: 0, 1: 50 }, [[0, 0], [1, 50]]);
    tracker.complete(1, 50);
    expect([tracker.committable(0), tracker.committable(1)]).toEqual([0, 51]);
    expect(tracker.partitionIds()).toEqual([0, 1]);
  });
});

describe('sink requests', () => {
  it('a record\'s path is /{topic}/{partition}/{key}/{offset}, the key percent-encoded, empty when null', () => {
    expect(recordPath('orders', { partition: 3, offset: 42, key: Buffer.from('k/1 é'), value: null })).toBe('/orders/3/k%2F1%20%C3%A9/42');
    expect(recordPath('orders', { partition: 0, offset: 7, key: null, value: null })).toBe('/orders/0//7');
    expect(batchPath('orders')).toBe('/orders');
  });

  it('the v2 batch body is go-dmux\'s, byte for byte, and reads back', () => {
    const records = [
      { partition: 2, offset: 5, key: Buffer.from('ab'), value: Buffer.from('xyz') },
      { partition: 2, offset: 0x1_0000_0001, key: null, value: Buffer.from('') },
    ];
    const body = encodeBatchV2(2, records);
    expect(body.toString('hex')).toBe([
      '00000002', '00000002',
      '00000003', '0000000000000005', '00000002', '6162', '78797a',
      '00000000', '0000000100000001', '00000000',
    ].join(''));
    expect(decodeBatchV2(body)).toEqual([
      { partition: 2, offset: 5, key: Buffer.from('ab'), value: Buffer.from('xyz') },
      { partition: 2, offset: 0x1_0000_0001, key: null, value: Buffer.alloc(0) },
    ]);
    expect(() => decodeBatchV2(body.subarray(0, 20))).toThrow('ends inside record 0 of 2');
  });
});

describe('SinkLedger', () => {
  it('counts records, duplicates, per-key order violations, gaps and reorders within a partition', () => {
    const ledger = new SinkLedger();
    ledger.acknowledge('t', 0, 'a', 0);
    ledger.acknowledge('t', 0, 'b', 2);
    ledger.acknowledge('t', 0, 'a', 1);
    ledger.acknowledge('t', 0, 'a', 1);
    ledger.acknowledge('t', 0, 'b', 5);
    ledger.acknowledge('t', 0, 'b', 4);
    ledger.acknowledge('t', 1, null, 9);
    ledger.acknowledge('u', 0, 'a', 0);
    expect(ledger.counts('t')).toEqual({ records: 6, deliveries: 7, duplicates: 1, orderViolations: 1, gaps: 1, reorders: 2, nullKeyRecords: 1 });
    expect(ledger.partitionStats('t')[0]).toEqual({
      topic: 't', partition: 0, records: 5, minOffset: 0, maxOffset: 5, gaps: 1, duplicates: 1, minDuplicateOffset: 1, orderViolations: 1, reorders: 2,
    });
    expect(ledger.counts().deliveries).toBe(8);
  });
});

describe('sampleLatencyMs', () => {
  it('fixed: latency ± jitter, uniform', () => {
    const model = { kind: 'fixed', latencyMs: 500, jitterMs: 50 } as const;
    expect([0, 0.5, 1].map((u) => sampleLatencyMs(model, () => u))).toEqual([450, 500, 550]);
  });

  it('log-normal: the median at p50, the 99th percentile at p99', () => {
    const model = { kind: 'log-normal', p50Ms: 20, p99Ms: 200 } as const;
    // u2 = 0.25: cos(π/2) = 0, the median.
    expect(sampleLatencyMs(model, (() => { const u = [0.5, 0.25]; return () => u.shift()!; })())).toBeCloseTo(20, 9);
    let seed = 1;
    const random = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647; };
    const samples = Array.from({ length: 20_000 }, () => sampleLatencyMs(model, random)).sort((a, b) => a - b);
    expect(samples[10_000]).toBeGreaterThan(18);
    expect(samples[10_000]).toBeLessThan(22);
    expect(samples[19_800]).toBeGreaterThan(170);
    expect(samples[19_800]).toBeLessThan(235);
  });
});
