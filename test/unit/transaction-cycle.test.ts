import { describe, expect, it } from 'vitest';
import type { TransactionalDriver } from '../../src/drivers/producer-driver.js';
import type { ProducerBatch } from '../../src/produce/accumulator.js';
import { TransactionCycle, plannedAbort } from '../../src/produce/transaction-cycle.js';

/** A driver that only records the transaction calls made on it. */
function recordingDriver() {
  const calls: string[] = [];
  const driver = {
    beginTransaction: async () => { calls.push('begin'); },
    commitTransaction: async () => { calls.push('commit'); },
    abortTransaction: async () => { calls.push('abort'); },
  } as unknown as TransactionalDriver;
  return { driver, calls };
}

const batch = (partition: number, recordCount: number) => ({ destination: partition, partition, recordCount }) as ProducerBatch;
/** A clock that moves 4 ms each time it is read: every commit takes 4 ms. */
function steppingClock() {
  let us = 0;
  return () => (us += 4000);
}

const NO_ABORTS = { committed: 0, aborted: 0, committedRecords: 0, abortedRecords: 0, markers: 0, commitMsTotal: 0, commitMsMax: 0, abortMsTotal: 0, abortMsMax: 0 };

describe('plannedAbort', () => {
  it('aborts the given fraction of transactions, spread evenly', () => {
    const plan = (rate: number, n: number) => Array.from({ length: n }, (_, i) => plannedAbort(i, rate));
    expect(plan(0.25, 8)).toEqual([false, false, false, true, false, false, false, true]);
    expect(plan(0.5, 4)).toEqual([false, true, false, true]);
    expect(plan(0, 5).some(Boolean)).toBe(false);
    expect(plan(1, 3)).toEqual([true, true, true]);
    expect(plan(0.1, 1000).filter(Boolean)).toHaveLength(100);
  });
});

describe('TransactionCycle', () => {
  it('takes batches for its duration, then commits once nothing is in flight and opens the next', async () => {
    const { driver, calls } = recordingDriver();
    const clock = steppingClock();
    const cycle = new TransactionCycle(driver, 1000, clock);
    await cycle.begin(0);
    expect(cycle.accepts(999)).toBe(true);
    cycle.sent(batch(0, 10));
    cycle.sent(batch(3, 5));
    cycle.acknowledged(batch(0, 10));
    expect(cycle.accepts(1000)).toBe(false);
    await cycle.roll(1000, 1, false); // one still in flight: no commit yet
    expect(calls).toEqual(['begin']);
    cycle.acknowledged(batch(3, 5));
    await cycle.roll(1200, 0, false);
    expect(calls).toEqual(['begin', 'commit', 'begin']);
    expect(cycle.counts).toEqual({ ...NO_ABORTS, committed: 1, committedRecords: 15, markers: 2, commitMsTotal: 4, commitMsMax: 4 });
    expect(cycle.accepts(2199)).toBe(true); // the next one runs from when it was opened
  });

  it('keeps an empty transaction open, and commits the last one at the end without opening another', async () => {
    const { driver, calls } = recordingDriver();
    const clock = steppingClock();
    const cycle = new TransactionCycle(driver, 1000, clock);
    await cycle.begin(0);
    await cycle.roll(5000, 0, false);
    expect(calls).toEqual(['begin']);
    expect(cycle.accepts(5999)).toBe(true);
    cycle.sent(batch(1, 7));
    cycle.acknowledged(batch(1, 7));
    await cycle.roll(5500, 0, true);
    expect(calls).toEqual(['begin', 'commit']);
    expect(cycle.counts).toEqual({ ...NO_ABORTS, committed: 1, committedRecords: 7, markers: 1, commitMsTotal: 4, commitMsMax: 4 });
  });

  it('aborts after a failure: its markers count, its records are never committed', async () => {
    const { driver, calls } = recordingDriver();
    const clock = steppingClock();
    const cycle = new TransactionCycle(driver, 1000, clock);
    await cycle.begin(0);
    cycle.sent(batch(2, 4));
    cycle.acknowledged(batch(2, 4));
    await cycle.abort();
    await cycle.abort(); // nothing open: nothing to abort
    expect(calls).toEqual(['begin', 'abort']);
    expect(cycle.counts).toEqual({ ...NO_ABORTS, aborted: 1, abortedRecords: 4, markers: 1, abortMsTotal: 4, abortMsMax: 4 });
    expect(cycle.accepts(1)).toBe(false);
  });

  it('aborts the transactions --abort-rate plans, timing each abort, and counts their records apart', async () => {
    const { driver, calls } = recordingDriver();
    const cycle = new TransactionCycle(driver, 1000, steppingClock(), 0.5);
    await cycle.begin(0);
    for (const [atUs, records] of [[1000, 3], [2000, 5], [3000, 7]]) {
      cycle.sent(batch(0, records));
      cycle.acknowledged(batch(0, records));
      await cycle.roll(atUs, 0, atUs === 3000);
    }
    expect(calls).toEqual(['begin', 'commit', 'begin', 'abort', 'begin', 'commit']);
    expect(cycle.counts).toEqual({ ...NO_ABORTS, committed: 2, aborted: 1, committedRecords: 10, abortedRecords: 5, markers: 3,
      commitMsTotal: 8, commitMsMax: 4, abortMsTotal: 4, abortMsMax: 4 });
  });
});
