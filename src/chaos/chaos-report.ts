import { formatEvent } from '../faults/fault-plan.js';
import { renderHtmlReport, type ReportTable } from '../report/html-report.js';
import { createTable } from '../report/table.js';
import { MODE_GUARANTEES, RESTART_TAIL_MS, type CellVerdict } from './chaos-matrix.js';
import type { ChaosCell, ChaosResult } from './run-chaos.js';

/**
 * `chaos`'s report, in the manner of Jepsen's results: a row a cell (scenario x mode), what the read-back by
 * identity found, how long acknowledgements stopped and came back, and the verdict by what the mode promises.
 * Pure: tested to the byte.
 */

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString('en-US');

/** What was run, on what: the first lines. */
export function formatChaosHeader(result: Pick<ChaosResult, 'spec' | 'config' | 'cluster'>): string[] {
  const { spec, config: c, cluster } = result;
  const { timing } = spec;
  const rate = c.throughputRps > 0 ? `${count(c.throughputRps)} records/s` : 'as fast as it goes';
  return [
    `chaos: ${spec.scenarios.length} scenario${spec.scenarios.length === 1 ? '' : 's'} x ${spec.modes.length} mode${spec.modes.length === 1 ? '' : 's'} ` +
      `on the local cluster (${cluster.nodes} nodes${cluster.kafkaVersion ? `, Kafka ${cluster.kafkaVersion}` : ''}), every record verified by identity`,
    `each cell: ${seconds(timing.durationMs)} at ${rate}, ${c.workers} workers, ${c.partitions} partitions, replication ${c.replication}; ` +
      `the fault at ${seconds(timing.faultAtMs)}, lasting ${seconds(timing.faultForMs)} (pause, partition, a killed node's downtime); ` +
      `restart-all's cells run until the restart is done and ${seconds(RESTART_TAIL_MS)} more`,
    `modes: ${spec.modes.map((mode) => `${mode} (${MODE_GUARANTEES[mode].label})`).join(', ')}`,
  ];
}

const dash = (value: number | undefined, format: (n: number) => string) => (value === undefined ? '-' : format(value));

const VERDICT_WORDS: Record<CellVerdict, string> = {
  ok: 'ok',
  allowed: 'allowed (acks=1)',
  violation: 'VIOLATION',
  incomplete: 'incomplete',
};

/** A row a cell. */
export function chaosTable(result: Pick<ChaosResult, 'cells'>): ReportTable {
  return {
    head: ['scenario', 'mode', 'acknowledged', 'failed', 'lost', 'duplicated', 'reordered', 'in doubt', 'aborted seen', 'longest stall', 'recovery', 'verdict'],
    rows: result.cells.map((cell) => {
      const v = cell.verification;
      return [
        cell.scenario, cell.mode, count(cell.acknowledged), count(cell.failed),
        dash(v?.lost, count), dash(v?.duplicated, count), dash(v?.reordered, count), dash(v?.inDoubt, count),
        cell.transactions && v ? `${count(v.abortedVisible)} of ${count(v.aborted)}` : cell.transactions ? '-' : '',
        // No stall: every 100 ms had an acknowledgement (the other partitions' leaders kept answering).
        cell.longestStallMs === undefined ? 'none' : seconds(cell.longestStallMs), cell.recoveryMs === undefined ? 'not back' : seconds(cell.recoveryMs),
        VERDICT_WORDS[cell.verdict],
      ];
    }),
  };
}

/** The table as printed (no colour: the same bytes everywhere). */
export function formatChaosTable(result: Pick<ChaosResult, 'cells'>, colour = false): string {
  const { head, rows } = chaosTable(result);
  const table = createTable(head, { colAligns: ['left', 'left', ...Array<'right'>(9).fill('right'), 'left'], colour });
  table.push(...rows);
  return table.toString();
}

/** A cell's fault as it went: `kill-controller × idempotent: kill-controller at 5.0 s: node 2, done at 5.3 s`. */
export function formatCellFaults(cell: ChaosCell): string {
  return `${cell.scenario} x ${cell.mode}: ${cell.events.map(formatEvent).join('; ')}`;
}

/** The verdict in all, and a line for each cell that is not ok or allowed. */
export function formatChaosSummary(result: Pick<ChaosResult, 'cells' | 'verdicts' | 'elapsedMs' | 'partial' | 'stoppedBecause' | 'spec'>): string[] {
  const { verdicts } = result;
  const planned = result.spec.scenarios.length * result.spec.modes.length;
  const lines = [
    `verdict: ${result.cells.length}${result.partial ? ` of ${planned}` : ''} cells in ${seconds(result.elapsedMs)}: ${verdicts.ok} ok, ` +
      `${verdicts.allowed} with anomalies allowed by acks=1 without idempotence, ${verdicts.violation} violating their mode's guarantees, ${verdicts.incomplete} incomplete`,
    'lost: acknowledged, never read back; duplicated: read more than once; reordered: a producer\'s records out of order in a partition; ' +
      'in doubt: read back, never acknowledged (not an error); aborted seen: records of aborted transactions a read_committed reader saw, of those aborted',
  ];
  for (const cell of result.cells) {
    if (cell.verdict === 'violation') lines.push(`VIOLATION ${cell.scenario} x ${cell.mode}: ${MODE_GUARANTEES[cell.mode].label} promises no lost, duplicated or reordered record`);
    if (cell.verdict === 'incomplete') lines.push(`incomplete ${cell.scenario} x ${cell.mode}: ${cell.incompleteBecause}`);
    if (cell.error) lines.push(`${cell.scenario} x ${cell.mode}: the run ended with ${cell.error.code}: ${cell.error.message}`);
  }
  const left = planned - result.cells.length;
  if (result.stoppedBecause) lines.push(`stopped: ${result.stoppedBecause}; ${left} cell${left === 1 ? '' : 's'} not run`);
  return lines;
}

/** A cell's one progress line as it ends. */
export function formatCellLine(cell: ChaosCell, index: number, total: number): string {
  const v = cell.verification;
  const found = v ? `${count(v.lost)} lost, ${count(v.duplicated)} duplicated, ${count(v.reordered)} reordered` : 'not read back';
  const restored = cell.restored ? `; cluster restored in ${seconds(cell.restored.tookMs)}${cell.restored.startedNodes.length ? ` (started ${cell.restored.startedNodes.join(', ')})` : ''}` : '';
  return `cell ${index + 1}/${total} ${cell.scenario} x ${cell.mode}: ${count(cell.acknowledged)} acknowledged, ${found}: ${VERDICT_WORDS[cell.verdict]}${restored}`;
}

export function chaosHtml(result: ChaosResult, command: string): string {
  return renderHtmlReport({
    title: 'DataStorm chaos: every record verified by identity under faults',
    machine: result.machine,
    command,
    sections: [
      { heading: 'Matrix', text: [...formatChaosHeader(result), ...formatChaosSummary(result)].join('\n\n'), table: chaosTable(result) },
      { heading: 'Faults as they ran', text: result.cells.map(formatCellFaults).join('\n\n') },
    ],
  });
}
