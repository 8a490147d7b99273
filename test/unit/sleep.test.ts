import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { callAt, MAX_TIMER_MS, sleepUntil } from '../../src/shared/sleep.js';

const DAY_MS = 24 * 3_600_000;

/** Vitest's fake timers do as Node does with a timer longer than 2^31-1 ms: they fire it after 1 ms. */
describe('a wait longer than Node\'s longest timer', () => {
  beforeEach(() => { vi.useFakeTimers({ now: 1_700_000_000_000 }); });
  afterEach(() => { vi.useRealTimers(); });

  it('sleepUntil waits in steps until the time, 100 days ahead, and not a millisecond less', async () => {
    const atMs = Date.now() + 100 * DAY_MS;
    let woke = false;
    void sleepUntil(atMs).then(() => { woke = true; });
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(3 * MAX_TIMER_MS);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(atMs - Date.now() - 1);
    expect(woke).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(woke).toBe(true);
    expect(Date.now()).toBe(atMs);
  });

  it('ends at once on an abort, at any step of the wait', async () => {
    const stop = new AbortController();
    let woke = false;
    void sleepUntil(Date.now() + 60 * DAY_MS, stop.signal).then(() => { woke = true; });
    await vi.advanceTimersByTimeAsync(30 * DAY_MS);
    expect(woke).toBe(false);
    stop.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(woke).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('callAt reads the clock it is given (a worker\'s performance clock), and its cancel leaves no timer', async () => {
    let clockMs = 0;
    const fire = vi.fn();
    callAt(40 * DAY_MS, fire, () => clockMs);
    await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS);
    expect(fire).not.toHaveBeenCalled();
    clockMs = 40 * DAY_MS; // the clock reached the time: the next step fires
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 1);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
    const never = vi.fn();
    callAt(Date.now() + 50 * DAY_MS, never)();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(60 * DAY_MS);
    expect(never).not.toHaveBeenCalled();
  });
});
