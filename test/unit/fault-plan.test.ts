import { describe, expect, it } from 'vitest';
import { faultReport, formatFaultLines, parseFaultPlan } from '../../src/faults/fault-plan.js';
import { errorOf } from '../helpers.js';

describe('parseFaultPlan', () => {
  it('reads steps in time order, with ms, s or m', () => {
    expect(parseFaultPlan(' start-node 2 at 25s;kill-node  2 at 10s ; stop-node 3 at 1.5m; kill-node 1 at 500ms;')).toEqual([
      { action: 'kill-node', node: 1, atMs: 500 }, { action: 'kill-node', node: 2, atMs: 10_000 },
      { action: 'start-node', node: 2, atMs: 25_000 }, { action: 'stop-node', node: 3, atMs: 90_000 },
    ]);
  });

  it('refuses anything else in one line that shows the form', () => {
    const error = errorOf(() => parseFaultPlan('kill-node 2 at 10s; reboot 3 at 5s'));
    expect([error.code, error.message]).toEqual(['DS_BAD_OPTION', '--fault "kill-node 2 at 10s; reboot 3 at 5s": "reboot 3 at 5s" is not "<kill-node|stop-node|start-node> <node> at <time>"']);
    expect(errorOf(() => parseFaultPlan(' ; ')).message).toBe('--fault " ; ": it names no fault');
    expect(errorOf(() => parseFaultPlan('kill-node 2 at 10')).code).toBe('DS_BAD_OPTION');
  });
});

describe('faultReport', () => {
  // 100 ms slots: 1000 records per slot (10,000/s) for 6 s, a kill at 6 s, 3 s of nothing, then back.
  const slots = [...Array(60).fill(1000), 400, ...Array(29).fill(0), 200, 600, ...Array(30).fill(1000)];
  const events = [{ action: 'kill-node' as const, node: 2, atMs: 6000, startedAtMs: 6001, doneAtMs: 6080 },
    { action: 'start-node' as const, node: 2, atMs: 20_000 }];

  it('finds the longest stall, the pre-fault rate and the time back to 90% of it', () => {
    const report = faultReport(events, slots, 'acknowledged');
    expect(report.longestStall).toEqual({ fromMs: 6100, toMs: 9000 });
    expect(report.preFaultRecordsPerSec).toBe(10_000);
    // The first full second with 9,000 or more after the dip: slots 91-100 (600 + 9 x 1000), ending 4.1 s after the kill.
    expect(report.recoveryMs).toBe(4100);
    expect(formatFaultLines(report)).toEqual([
      'faults: kill-node 2 at 6.0 s: done at 6.1 s; start-node 2 at 20.0 s: not reached (the run ended first)',
      'longest stall: 2.9 s with no acknowledgement (from 6.1 s to 9.0 s)',
      'recovery: back to 90% of the pre-fault 10,000 records/s 4.1 s after kill-node 2',
    ]);
  });

  it('says so when the rate never fell, or never came back', () => {
    const steady = faultReport(events.slice(0, 1), Array(100).fill(500), 'consumed');
    expect([steady.longestStall, steady.recoveryMs]).toEqual([undefined, 0]);
    expect(formatFaultLines(steady).slice(1)).toEqual([
      'longest stall: none (every 100 ms had a record consumed)',
      'recovery: the rate never fell below 90% of the pre-fault 5,000 records/s',
    ]);
    const gone = faultReport([{ ...events[0], error: 'node 2 is not running' }], [...Array(60).fill(1000), ...Array(40).fill(100)], 'acknowledged');
    expect(gone.recoveryMs).toBeUndefined();
    expect(formatFaultLines(gone)).toEqual([
      'faults: kill-node 2 at 6.0 s: failed (node 2 is not running)',
      'longest stall: none (every 100 ms had an acknowledgement)',
      'recovery: the rate did not come back to 90% of the pre-fault 10,000 records/s before the run ended',
    ]);
  });

  it('says no recovery from a fault the run ended before', () => {
    const late = faultReport([{ action: 'kill-node', node: 2, atMs: 30_000 }], Array(100).fill(500), 'acknowledged');
    expect(late.recoveryMs).toBeUndefined();
    expect(formatFaultLines(late)).toEqual([
      'faults: kill-node 2 at 30.0 s: not reached (the run ended first)',
      'longest stall: none (every 100 ms had an acknowledgement)',
    ]);
  });
});
