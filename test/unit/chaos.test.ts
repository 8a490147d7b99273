import { describe, expect, it } from 'vitest';
import { cellVerdict, incompleteBecause, modeConfig, RESTART_BOUND_MS_PER_NODE, scenarioPlan, type ChaosTiming } from '../../src/chaos/chaos-matrix.js';
import { formatCellLine, formatChaosHeader, formatChaosSummary, formatChaosTable } from '../../src/chaos/chaos-report.js';
import type { ChaosCell, ChaosResult } from '../../src/chaos/run-chaos.js';
import { chaosFailure } from '../../src/cli/chaos-command.js';
import { chaos } from '../../src/library/chaos.js';
import type { FaultEvent } from '../../src/faults/fault-plan.js';
import type { VerificationCounts } from '../../src/verify/identity-ledger.js';
import { BASE_CONFIG } from './bench-fixtures.js';

const TIMING: ChaosTiming = { faultAtMs: 5000, faultForMs: 10_000, durationMs: 30_000, node: 2, partition: 0 };
const exact: VerificationCounts = { checked: 600_000, lost: 0, duplicated: 0, reordered: 0, inDoubt: 0, abortedVisible: 0 };
const done = (action: 'kill-leader' | 'pause-node'): FaultEvent => ({ action, atMs: 5000, startedAtMs: 5000, doneAtMs: 5300 });

describe('chaos scenarios and modes', () => {
  it('plans each scenario\'s fault at --fault-at, lasting --fault-for; restart-all runs until its restart is done, 10 s more', () => {
    expect(scenarioPlan('kill-node', TIMING, 4)).toEqual({ durationMs: 30_000, steps: [
      { action: 'kill-node', node: 2, atMs: 5000 }, { action: 'start-node', node: 2, atMs: 15_000 }] });
    expect(scenarioPlan('partition-node', TIMING, 4).steps).toEqual([{ action: 'partition-node', node: 2, atMs: 5000, forMs: 10_000 }]);
    expect(scenarioPlan('kill-leader', { ...TIMING, partition: 3 }, 4).steps).toEqual([{ action: 'kill-leader', partition: 3, atMs: 5000 }]);
    expect(scenarioPlan('restart-all', TIMING, 3)).toEqual({ durationMs: 30_000 + 3 * RESTART_BOUND_MS_PER_NODE, endAfterFaultsMs: 10_000, steps: [{ action: 'restart-all', atMs: 5000 }] });
  });

  it('gives each mode its producer: acks=1 without idempotence, acks=all idempotent, transactions with one in ten aborted', () => {
    expect(modeConfig(BASE_CONFIG, 'acks1', 'id')).toEqual({ acks: 1, idempotent: false, transaction: undefined });
    expect(modeConfig(BASE_CONFIG, 'idempotent', 'id')).toEqual({ acks: -1, idempotent: true, transaction: undefined });
    expect(modeConfig(BASE_CONFIG, 'transactions', 'id')).toEqual({ acks: -1, idempotent: true, transaction: { id: 'id', durationMs: 1000, abortRate: 0.1 } });
  });
});

describe('a cell\'s verdict', () => {
  const run = (verification: VerificationCounts | undefined, events: FaultEvent[] = [done('kill-leader')]) => ({ events, acknowledged: 600_000, ...(verification ? { verification } : {}) });

  it('is ok with nothing wrong, and by the mode\'s promise when records were lost, duplicated, reordered or aborted-and-seen', () => {
    expect(cellVerdict('idempotent', run(exact))).toBe('ok');
    expect(cellVerdict('acks1', run(exact))).toBe('ok');
    for (const wrong of [{ lost: 1 }, { duplicated: 1 }, { reordered: 1 }, { abortedVisible: 1 }]) {
      expect(cellVerdict('acks1', run({ ...exact, ...wrong }))).toBe('allowed');
      expect(cellVerdict('idempotent', run({ ...exact, ...wrong }))).toBe('violation');
      expect(cellVerdict('transactions', run({ ...exact, ...wrong }))).toBe('violation');
    }
    // In doubt (read, never acknowledged) is not an anomaly.
    expect(cellVerdict('idempotent', run({ ...exact, inDoubt: 7 }))).toBe('ok');
  });

  it('is incomplete when the fault failed, was not reached or not healed, the records were not read back, or none was acknowledged', () => {
    expect(incompleteBecause(run(exact, [{ ...done('kill-leader'), error: 'partition 0 of t has no leader now' }]))).toBe('partition 0 of t has no leader now');
    expect(incompleteBecause(run(exact, [{ action: 'pause-node', atMs: 5000 }]))).toBe('pause-node was not reached before the run ended');
    expect(incompleteBecause(run(exact, [{ ...done('pause-node'), healError: 'no such process' }]))).toBe('no such process');
    expect(incompleteBecause({ ...run(undefined), error: 'the cluster was gone' })).toBe('the cluster was gone');
    expect(incompleteBecause(run(undefined))).toBe('the records were not read back');
    expect(incompleteBecause({ ...run(exact), acknowledged: 0 })).toBe('no record was acknowledged');
    expect(cellVerdict('idempotent', run(undefined))).toBe('incomplete');
    // A violation found stands even when the fault failed.
    expect(cellVerdict('idempotent', run({ ...exact, lost: 2 }, [{ ...done('kill-leader'), error: 'x' }]))).toBe('violation');
  });
});

const cell = (overrides: Partial<ChaosCell>): ChaosCell => ({
  scenario: 'kill-leader', mode: 'idempotent', topic: 't', plan: 'kill-leader 0 at 5.0 s', durationMs: 30_000, acknowledged: 599_990, recordsPerSec: 19_999.7,
  p99Ms: 120, failed: 0, verification: { ...exact, checked: 599_990, failed: 0, aborted: 0, isolation: 'read_uncommitted', readMs: 9000 },
  events: [{ ...done('kill-leader'), partition: 0, node: 3 }], longestStallMs: 1200, recoveryMs: 2300,
  restored: { startedNodes: [3], tookMs: 11_500, lagging: [] }, verdict: 'ok', ...overrides,
});

const RESULT: ChaosResult = {
  schemaVersion: 1, command: 'chaos', startedAt: '2026-12-07T13:00:00.000Z',
  spec: { scenarios: ['kill-leader', 'pause-node'], modes: ['acks1', 'idempotent', 'transactions'], timing: TIMING, keepTopics: false },
  config: { ...BASE_CONFIG, throughputRps: 20_000, workers: 2, partitions: 8, replication: 3 },
  cluster: { bootstrap: ['127.0.0.1:9092'], nodes: 4, kafkaVersion: '4.3.1' },
  machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 8e9, nodeVersion: 'v20.0.0' },
  cells: [
    cell({ mode: 'acks1', acknowledged: 480_231, verification: { ...exact, checked: 480_231, reordered: 889, failed: 0, aborted: 0, isolation: 'read_uncommitted', readMs: 8000 }, verdict: 'allowed' }),
    cell({}),
    cell({ mode: 'transactions', transactions: { committed: 54, aborted: 6 },
      verification: { ...exact, checked: 540_000, failed: 0, aborted: 59_990, isolation: 'read_committed', readMs: 9000 } }),
    cell({ scenario: 'pause-node', mode: 'acks1', plan: 'pause-node 2 at 5.0 s for 10.0 s', events: [{ action: 'pause-node', node: 2, atMs: 5000, forMs: 10_000 }],
      verification: undefined, longestStallMs: undefined, recoveryMs: undefined, restored: { startedNodes: [], tookMs: 40, lagging: [] },
      error: { code: 'DS_BROKER_LOST', message: 'no acknowledgement for 60 s' }, verdict: 'incomplete', incompleteBecause: 'pause-node was not reached before the run ended' }),
    cell({ scenario: 'pause-node', failed: 12, verification: { ...exact, lost: 3, failed: 12, aborted: 0, isolation: 'read_uncommitted', readMs: 9000 }, verdict: 'violation' }),
  ],
  verdicts: { ok: 2, allowed: 1, violation: 1, incomplete: 1 }, elapsedMs: 301_234, partial: true, stoppedBecause: 'interrupted (Ctrl-C): the cell running was cut short',
};

describe('chaos report', () => {
  it('says what ran, on what', () => {
    expect(formatChaosHeader(RESULT)).toEqual([
      'chaos: 2 scenarios x 3 modes on the local cluster (4 nodes, Kafka 4.3.1), every record verified by identity',
      'each cell: 30.0 s at 20,000 records/s, 2 workers, 8 partitions, replication 3; the fault at 5.0 s, lasting 10.0 s (pause, partition, a killed node\'s downtime); restart-all\'s cells run until the restart is done and 10.0 s more',
      'modes: acks1 (acks=1, not idempotent), idempotent (acks=all, idempotent), transactions (transactions)',
    ]);
  });

  it('prints a row a cell, to the byte: what was read back, the stall, the recovery and the verdict', () => {
    expect(formatChaosTable(RESULT)).toBe([
      '┌─────────────┬──────────────┬──────────────┬────────┬──────┬────────────┬───────────┬──────────┬──────────────┬───────────────┬──────────┬──────────────────┐',
      '│ scenario    │ mode         │ acknowledged │ failed │ lost │ duplicated │ reordered │ in doubt │ aborted seen │ longest stall │ recovery │ verdict          │',
      '├─────────────┼──────────────┼──────────────┼────────┼──────┼────────────┼───────────┼──────────┼──────────────┼───────────────┼──────────┼──────────────────┤',
      '│ kill-leader │ acks1        │      480,231 │      0 │    0 │          0 │       889 │        0 │              │         1.2 s │    2.3 s │ allowed (acks=1) │',
      '├─────────────┼──────────────┼──────────────┼────────┼──────┼────────────┼───────────┼──────────┼──────────────┼───────────────┼──────────┼──────────────────┤',
      '│ kill-leader │ idempotent   │      599,990 │      0 │    0 │          0 │         0 │        0 │              │         1.2 s │    2.3 s │ ok               │',
      '├─────────────┼──────────────┼──────────────┼────────┼──────┼────────────┼───────────┼──────────┼──────────────┼───────────────┼──────────┼──────────────────┤',
      '│ kill-leader │ transactions │      599,990 │      0 │    0 │          0 │         0 │        0 │  0 of 59,990 │         1.2 s │    2.3 s │ ok               │',
      '├─────────────┼──────────────┼──────────────┼────────┼──────┼────────────┼───────────┼──────────┼──────────────┼───────────────┼──────────┼──────────────────┤',
      '│ pause-node  │ acks1        │      599,990 │      0 │    - │          - │         - │        - │              │          none │ not back │ incomplete       │',
      '├─────────────┼──────────────┼──────────────┼────────┼──────┼────────────┼───────────┼──────────┼──────────────┼───────────────┼──────────┼──────────────────┤',
      '│ pause-node  │ idempotent   │      599,990 │     12 │    3 │          0 │         0 │        0 │              │         1.2 s │    2.3 s │ VIOLATION        │',
      '└─────────────┴──────────────┴──────────────┴────────┴──────┴────────────┴───────────┴──────────┴──────────────┴───────────────┴──────────┴──────────────────┘',
    ].join('\n'));
  });

  it('sums the verdicts up and says why each cell that is not ok or allowed is so', () => {
    expect(formatChaosSummary(RESULT)).toEqual([
      "verdict: 5 of 6 cells in 301.2 s: 2 ok, 1 with anomalies allowed by acks=1 without idempotence, 1 violating their mode's guarantees, 1 incomplete",
      "lost: acknowledged, never read back; duplicated: read more than once; reordered: a producer's records out of order in a partition; in doubt: read back, never acknowledged (not an error); aborted seen: records of aborted transactions a read_committed reader saw, of those aborted",
      'incomplete pause-node x acks1: pause-node was not reached before the run ended',
      'pause-node x acks1: the run ended with DS_BROKER_LOST: no acknowledgement for 60 s',
      'VIOLATION pause-node x idempotent: acks=all, idempotent promises no lost, duplicated or reordered record',
      'stopped: interrupted (Ctrl-C): the cell running was cut short; 1 cell not run',
    ]);
  });

  it('says each cell as it ends', () => {
    expect(RESULT.cells.map((c, i) => formatCellLine(c, i, 6))).toEqual([
      'cell 1/6 kill-leader x acks1: 480,231 acknowledged, 0 lost, 0 duplicated, 889 reordered: allowed (acks=1); cluster restored in 11.5 s (started 3)',
      'cell 2/6 kill-leader x idempotent: 599,990 acknowledged, 0 lost, 0 duplicated, 0 reordered: ok; cluster restored in 11.5 s (started 3)',
      'cell 3/6 kill-leader x transactions: 599,990 acknowledged, 0 lost, 0 duplicated, 0 reordered: ok; cluster restored in 11.5 s (started 3)',
      'cell 4/6 pause-node x acks1: 599,990 acknowledged, not read back: incomplete; cluster restored in 0.0 s',
      'cell 5/6 pause-node x idempotent: 599,990 acknowledged, 3 lost, 0 duplicated, 0 reordered: VIOLATION; cluster restored in 11.5 s (started 3)',
    ]);
  });
});

describe('chaos exit and options', () => {
  it('fails on a violation first, then on a cell it could not judge; ok and allowed cells pass', () => {
    expect(chaosFailure(RESULT)?.code).toBe('DS_VERIFICATION_FAILED');
    const withoutViolation = { ...RESULT, cells: RESULT.cells.filter((c) => c.verdict !== 'violation'), verdicts: { ...RESULT.verdicts, violation: 0 } };
    expect(chaosFailure(withoutViolation)?.message).toBe('1 cell could not be judged; pause-node x acks1: pause-node was not reached before the run ended');
    const judged = { ...RESULT, cells: RESULT.cells.slice(0, 3), verdicts: { ok: 2, allowed: 1, violation: 0, incomplete: 0 } };
    expect(chaosFailure(judged)).toBeUndefined();
  });

  it('refuses, before any cluster is touched, what a cell sets itself and a fault that leaves no time to recover', async () => {
    await expect(chaos({ acks: '1' })).rejects.toThrow('chaos sets each cell\'s producer, fault, length and cluster itself: --acks cannot be given');
    await expect(chaos({ fault: 'kill-node 2 at 5s' })).rejects.toThrow('--fault cannot be given');
    await expect(chaos({ bootstrapServer: 'kafka:9092' })).rejects.toThrow('--bootstrap-server cannot be given');
    await expect(chaos({ producerProps: ['enable.idempotence=false'] })).rejects.toThrow('enable.idempotence cannot be given');
    await expect(chaos({ faultAt: '20s' })).rejects.toThrow('--fault-at 20s and --fault-for 10s leave 0 s of a 30 s cell to recover in: it needs 5 s at least');
    await expect(chaos({ scenarios: 'kill-node,split-brain' })).rejects.toThrow('--scenarios takes some of kill-node, pause-node, partition-node, kill-controller, kill-leader, restart-all, joined by commas, not "split-brain"');
    await expect(chaos({ modes: 'acks1,acks1' })).rejects.toThrow('--modes names a word twice in "acks1,acks1"');
  });
});
