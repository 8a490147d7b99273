import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FatalMessage } from '../../src/engine/pool-protocol.js';
import { WorkerPool } from '../../src/engine/worker-pool.js';

type Tick = { type: 'tick'; workerId: number; i: number };
type Outcome = { workerId: number; ticks: number };
interface Plan { ticks: number; fatal?: boolean; waitForStop?: boolean; fail?: boolean }

/** A pool of the fixture's workers, each with its plan, and what reached the main thread. */
function echoPool(plans: Plan[], threads: number, inProcess: boolean) {
  const ticks = plans.map(() => 0);
  const fatals: FatalMessage[] = [];
  const pool = new WorkerPool<{ type: 'stop' }, Tick, Outcome>({
    workers: plans.length, threads, inProcess, workerFile: fileURLToPath(new URL('../fixtures/worker-pool/echo-worker.mjs', import.meta.url)),
    taskOf: (workerId) => ({ workerId, ...plans[workerId] }),
    onMessage: (message) => { ticks[message.workerId] += 1; },
    onFatal: (fatal) => {
      fatals.push(fatal);
      pool.broadcast({ type: 'stop' });
    },
  });
  return { pool, ticks, fatals };
}

describe.each([
  { where: 'on 2 threads', threads: 2, inProcess: false },
  { where: 'on 1 thread, 3 tasks to it', threads: 1, inProcess: false },
  { where: 'in process', threads: 1, inProcess: true },
])('the worker pool $where', ({ threads, inProcess }) => {
  it('gives every task\'s outcome once every message it posted has arrived', async () => {
    const { pool, ticks } = echoPool([{ ticks: 2000 }, { ticks: 1 }, { ticks: 0 }], threads, inProcess);
    const settled = await pool.settled();
    expect(settled.map((s) => (s.status === 'fulfilled' ? s.value : s.reason))).toEqual([
      { workerId: 0, ticks: 2000 }, { workerId: 1, ticks: 1 }, { workerId: 2, ticks: 0 },
    ]);
    expect(ticks).toEqual([2000, 1, 0]);
    expect([pool.running, pool.fatal]).toEqual([false, undefined]);
    await pool.destroy();
  });

  it('keeps a worker\'s fatal and hands it to onFatal, not to onMessage; a broadcast stop then ends every worker', async () => {
    const { pool, ticks, fatals } = echoPool([{ ticks: 3, waitForStop: true }, { ticks: 5, fatal: true, waitForStop: true }], threads, inProcess);
    const settled = await pool.settled();
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(pool.fatal).toEqual({ code: 'DS_TEST_FATAL', message: 'worker 1 cannot go on' });
    expect(fatals.map((f) => f.workerId)).toEqual([1]);
    expect(ticks).toEqual([3, 5]);
    await pool.destroy();
  });

  it('a task that fails: firstFailure rejects with its error, settled has it, the others run to their end', async () => {
    const { pool, ticks } = echoPool([{ ticks: 4 }, { ticks: 0, fail: true }], threads, inProcess);
    await expect(pool.firstFailure()).rejects.toThrow('worker 1 could not start');
    const settled = await pool.settled();
    expect(settled[0]).toEqual({ status: 'fulfilled', value: { workerId: 0, ticks: 4 } });
    expect(settled[1].status === 'rejected' && (settled[1].reason as Error).message).toBe('worker 1 could not start');
    expect(ticks).toEqual([4, 0]);
    expect([pool.hasFinished(0), pool.hasFinished(1), pool.running]).toEqual([true, true, false]);
    await pool.destroy();
  });
});

describe('the worker pool\'s module', () => {
  it('missing (not built) is one DS_NOT_BUILT line, before any thread starts', () => {
    expect(() => new WorkerPool({
      workers: 1, threads: 1, inProcess: false, workerFile: fileURLToPath(new URL('../../dist/workers/no-such-worker.js', import.meta.url)), taskOf: (workerId) => ({ workerId }), onMessage: () => undefined,
    })).toThrow(expect.objectContaining({ code: 'DS_NOT_BUILT', message: expect.stringMatching(/dist\/workers\/no-such-worker\.js is missing$/) }));
  });
});
