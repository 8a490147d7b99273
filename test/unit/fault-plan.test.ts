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

  it('reads the kinds that last, and those that name a partition or nothing', () => {
    expect(parseFaultPlan('pause-node 2 at 5s for 15s; partition-node 3 at 1m for 500ms; restart-all at 2s; kill-controller at 3.5s; kill-leader 0 at 4s'))
      .toEqual([
        { action: 'restart-all', atMs: 2000 }, { action: 'kill-controller', atMs: 3500 }, { action: 'kill-leader', partition: 0, atMs: 4000 },
        { action: 'pause-node', node: 2, atMs: 5000, forMs: 15_000 }, { action: 'partition-node', node: 3, atMs: 60_000, forMs: 500 },
      ]);
  });

  it('refuses anything else in one line that names the grammar, or the form of the kind it names', () => {
    const error = errorOf(() => parseFaultPlan('kill-node 2 at 10s; reboot 3 at 5s'));
    expect([error.code, error.message, error.hint]).toEqual(['DS_BAD_OPTION', '--fault "kill-node 2 at 10s; reboot 3 at 5s": "reboot 3 at 5s" is not one of ' +
      'kill-node|stop-node|start-node <node> at <time>; pause-node|partition-node <node> at <time> for <duration>; ' +
      'restart-all|kill-controller at <time>; kill-leader <partition> at <time>',
    'for example --fault \'kill-node 2 at 10s; start-node 2 at 25s\' or \'pause-node 2 at 5s for 15s\' (times since the run\'s start: ms, s or m)']);
    expect(errorOf(() => parseFaultPlan(' ; ')).message).toBe('--fault " ; ": it names no fault');
    for (const [plan, why] of [
      ['kill-node 2 at 10', '"kill-node 2 at 10" is not "kill-node <node> at <time>"'],
      ['pause-node 2 at 5s', '"pause-node 2 at 5s" is not "pause-node <node> at <time> for <duration>"'],
      ['kill-node 2 at 5s for 3s', '"kill-node 2 at 5s for 3s" is not "kill-node <node> at <time>"'],
      ['restart-all 2 at 5s', '"restart-all 2 at 5s" is not "restart-all at <time>"'],
      ['kill-leader at 5s', '"kill-leader at 5s" is not "kill-leader <partition> at <time>"'],
      ['partition-node 2 at 5s for 0s', '"partition-node 2 at 5s for 0s" is not "partition-node <node> at <time> for <duration>" with a duration above 0'],
    ]) {
      const refused = errorOf(() => parseFaultPlan(plan));
      expect([refused.code, refused.message]).toEqual(['DS_BAD_OPTION', `--fault "${plan}": ${why}`]);
    }
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

  it('says what became of each kind: the node found, the healing, a failure', () => {
    const report = faultReport([
      { action: 'kill-controller', atMs: 6000, startedAtMs: 6001, doneAtMs: 6080, node: 1 },
      { action: 'pause-node', node: 2, atMs: 7000, forMs: 15_000, startedAtMs: 7002, doneAtMs: 7040, healedAtMs: 22_060 },
      { action: 'kill-leader', partition: 0, atMs: 8000, startedAtMs: 8001, doneAtMs: 8230, node: 3 },
      { action: 'restart-all', atMs: 8500, startedAtMs: 8500, error: '2 partitions still under-replicated 120 s after node 2 started again (t-0, t-1)' },
      { action: 'partition-node', node: 3, atMs: 9000, forMs: 20_000, startedAtMs: 9001, doneAtMs: 9100, healedAtMs: 9990, healedAtRunEnd: true },
      { action: 'partition-node', node: 4, atMs: 9500, forMs: 1000, startedAtMs: 9501, doneAtMs: 9600, healError: 'could not remove the rules' },
    ], slots, 'acknowledged');
    expect(formatFaultLines(report)).toEqual([
      'faults: kill-controller at 6.0 s: node 1, done at 6.1 s; pause-node 2 at 7.0 s for 15.0 s: done at 7.0 s, healed at 22.1 s; ' +
        'kill-leader 0 at 8.0 s: node 3, done at 8.2 s; restart-all at 8.5 s: failed (2 partitions still under-replicated 120 s after node 2 started again (t-0, t-1)); ' +
        'partition-node 3 at 9.0 s for 20.0 s: done at 9.1 s, healed at 10.0 s (the run ended); ' +
        'partition-node 4 at 9.5 s for 1.0 s: done at 9.6 s, healing failed (could not remove the rules)',
      'longest stall: 2.9 s with no acknowledgement (from 6.1 s to 9.0 s)',
      'recovery: back to 90% of the pre-fault 10,000 records/s 4.1 s after kill-controller (node 1)',
    ]);
    const pausedFirst = faultReport([{ action: 'pause-node', node: 2, atMs: 6000, forMs: 3000, startedAtMs: 6001, doneAtMs: 6010, healedAtMs: 9020 }], slots, 'acknowledged');
    expect(formatFaultLines(pausedFirst)[2]).toBe('recovery: back to 90% of the pre-fault 10,000 records/s 4.1 s after pause-node 2');
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
