import { describe, expect, it } from 'vitest';
import { ConsumeCounters } from '../../src/consume/consume-counters.js';
import type { GroupEvent } from '../../src/consume/consume-protocol.js';
import { groupRebalanceMs } from '../../src/consume/group-timeline.js';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('ConsumeCounters', () => {
  it('counts a partition\'s records once, even when a new owner reads them again after a rebalance', () => {
    const counters = ConsumeCounters.create({ workers: 2, partitions: 2, recordLimit: 1000 }, [100, 0]);
    expect(counters.nextOffset(0)).toBe(100);
    expect(counters.claim(0, range(100, 110))).toEqual({ skip: 0, count: 10 });
    // The partition moved: the new owner starts again at 105.
    expect(counters.claim(0, range(105, 115))).toEqual({ skip: 5, count: 5 });
    expect(counters.claim(0, range(100, 115))).toEqual({ skip: 15, count: 0 });
    expect(counters.claim(1, [0, 1, 2])).toEqual({ skip: 0, count: 3 });
    expect(counters.highestOffsets()).toEqual([114, 2]);
    expect(counters.nextOffset(0)).toBe(115);
    expect(counters.stopped()).toBe(false);
  });

  it('stops at exactly the record limit and gives back the offsets past it', () => {
    const counters = ConsumeCounters.create({ workers: 1, partitions: 2, recordLimit: 25 }, [0, 0]);
    expect(counters.claim(0, range(0, 20))).toEqual({ skip: 0, count: 20 });
    expect(counters.limitReachedAtMs()).toBeUndefined();
    expect(counters.claim(1, range(0, 20))).toEqual({ skip: 0, count: 5 });
    expect(counters.stopped()).toBe(true);
    expect(counters.limitReachedAtMs()).toBeGreaterThan(0);
    // Partition 1 is committed after its 5th record (offset 4), not after the 20 that were fetched.
    expect(counters.highestOffsets()).toEqual([19, 4]);
    expect(counters.claim(0, range(20, 30))).toEqual({ skip: 0, count: 0 });
    expect(counters.highestOffsets()).toEqual([19, 4]);
  });

  it('claims a run of offsets as it claims the same offsets one by one, at a rebalance\'s overlap and at the limit', () => {
    const layout = { workers: 1, partitions: 1, recordLimit: 25 };
    const byRun = ConsumeCounters.create(layout, [100]);
    const byOffset = ConsumeCounters.create(layout, [100]);
    const claims: Array<[number, number]> = [[90, 5], [95, 10], [100, 10], [105, 10], [100, 3], [115, 20], [135, 5]];
    for (const [first, count] of claims) {
      expect(byRun.claimRun(0, first, count)).toEqual(byOffset.claim(0, range(first, first + count)));
      expect(byRun.highestOffsets()).toEqual(byOffset.highestOffsets());
    }
    // 15 counted before the run at 115, which gives 10 of its 20: committed after offset 124.
    expect(byRun.highestOffsets()).toEqual([124]);
    expect(byRun.stopped()).toBe(true);
  });

  it('passes a transaction marker right after the counted records, and counts it apart from them', () => {
    const counters = ConsumeCounters.create({ workers: 2, partitions: 1, recordLimit: 100 }, [0]);
    counters.claimRun(0, 0, 10);
    counters.passMarker(1, 0, 10);
    counters.passMarker(0, 0, 10); // passed already, by the other consumer
    counters.passMarker(0, 0, 12); // records 11 are not counted yet
    expect([counters.nextOffset(0), counters.totalMarkers()]).toEqual([11, 1]);
  });

  it('keeps per-worker counts, rebalance time and the commit barrier, seen the same from another thread\'s view', () => {
    const layout = { workers: 3, partitions: 1, recordLimit: Number.MAX_SAFE_INTEGER };
    const counters = ConsumeCounters.create(layout, [0]);
    const view = ConsumeCounters.attach(counters.buffer, layout);
    view.addCounted(2, 7, 700);
    view.addCounted(2, 3, 300);
    view.addCounted(0, 1, 50);
    view.addRebalanceMs(1, 120);
    view.markCommitted();
    expect([counters.records(2), counters.payloadBytes(2), counters.records(0), counters.totalRecords()]).toEqual([10, 1000, 1, 11]);
    expect(counters.rebalanceMs(1)).toBe(120);
    expect(counters.committedWorkers()).toBe(1);
    view.stop();
    expect(counters.stopped()).toBe(true);
  });
});

describe('groupRebalanceMs', () => {
  const assigned = (workerId: number, atMs: number, partitions: number[]): GroupEvent =>
    ({ type: 'assigned', workerId, atMs, memberId: `m${workerId}`, partitions });

  it('is Kafka\'s join time for one consumer: start to assignment, plus each rebalance', () => {
    const events: GroupEvent[] = [
      { type: 'started', workerId: 0, atMs: 1000 },
      assigned(0, 1300, [0, 1]),
      { type: 'rebalancing', workerId: 0, atMs: 2000 },
      assigned(0, 2250, [0, 1]),
    ];
    expect(groupRebalanceMs(events, 1000, 5000)).toBe(300 + 250);
  });

  it('does not count a late joiner\'s wait while another consumer fetches, nor time after the end', () => {
    const events: GroupEvent[] = [
      assigned(1, 1100, [0, 1, 2]),
      { type: 'started', workerId: 0, atMs: 1000 },
      { type: 'started', workerId: 1, atMs: 1000 },
      // Worker 0 joins late; the rebalance it causes takes both away for 100 ms.
      { type: 'rebalancing', workerId: 1, atMs: 1500 },
      assigned(0, 1600, [0, 1]),
      assigned(1, 1600, [2]),
      { type: 'rebalancing', workerId: 0, atMs: 1900 },
      { type: 'rebalancing', workerId: 1, atMs: 1950 },
    ];
    expect(groupRebalanceMs(events, 1000, 2000)).toBe(100 + 100 + 50);
  });

  it('counts a consumer given no partitions as not fetching', () => {
    expect(groupRebalanceMs([assigned(0, 1200, []), assigned(1, 1500, [0])], 1000, 2000)).toBe(500);
  });
});
