import { Command, Option } from 'commander';
import { formatCommand } from '../analysis/report-document.js';
import { chaosHtml, formatCellLine, formatChaosHeader, formatChaosSummary, formatChaosTable } from '../chaos/chaos-report.js';
import { runChaos, type ChaosResult } from '../chaos/run-chaos.js';
import { CHAOS_CELL_MS, CHAOS_OPTIONS, CHAOS_RATE_RPS, toChaosRun, type ChaosFlags } from '../run-spec/chaos-options.js';
import { commanderOption } from '../run-spec/option-spec.js';
import { produceOptions, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { DataStormError, formatError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { writeFilesInto } from '../shared/paths.js';
import { interruptible } from './interrupt.js';
import { formatClock } from './progress-line.js';
import { writablePath } from './output-path.js';

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const cells = (n: number) => `${n} cell${n === 1 ? '' : 's'}`;

interface ChaosOutput {
  json: boolean;
  out?: string;
}

/** The report's lines: what ran, a row a cell, the verdict. */
export function chaosReportLines(result: ChaosResult): string[] {
  return [...formatChaosHeader(result), formatChaosTable(result), ...formatChaosSummary(result)];
}

/** The failure a matrix ends with: a violation first, then a cell that could not be judged. */
export function chaosFailure(result: ChaosResult): DataStormError | undefined {
  if (result.verdicts.violation > 0) {
    return new DataStormError('DS_VERIFICATION_FAILED', `${cells(result.verdicts.violation)} lost, duplicated or reordered records their mode promises to keep (see the table)`);
  }
  const incomplete = result.cells.find((cell) => cell.verdict === 'incomplete');
  if (incomplete) {
    return new DataStormError('DS_CHAOS_INCOMPLETE', `${cells(result.verdicts.incomplete)} could not be judged; ${incomplete.scenario} x ${incomplete.mode}: ${incomplete.incompleteBecause}`);
  }
  return undefined;
}

export function chaosCommand(): Command {
  const command = new Command('chaos')
    .description('a matrix of faults x producers on the local cluster, every cell a produce run verified by identity (--verify), judged by what its producer promises')
    .addHelpText('after', `
Each cell is a produce run with --verify and one fault (--fault-at into the run): kill-node (SIGKILL, started
again --fault-for later), pause-node (SIGSTOP for --fault-for), partition-node (nftables cuts the node off for
--fault-for; needs root), kill-controller (the active KRaft controller), kill-leader (partition 0's leader),
restart-all (a rolling restart; its cells run until it is done, and 10 s more). After a cell every node is started again and
every partition back in sync before the next one, and the cell's topic is deleted.

The verdict is by what the producer promises: idempotent (acks=all) and transactions must lose, duplicate and
reorder nothing they acknowledged (a record of an aborted transaction must stay invisible to read_committed);
acks1 (acks=1, idempotence off) may lose records on a leader's failure and duplicate or reorder them on retries:
what it shows is reported as allowed. Cells run ${CHAOS_CELL_MS / 1000} s at ${CHAOS_RATE_RPS.toLocaleString('en-US')} records/s unless --duration and
--throughput say otherwise; every other produce option applies to every cell, but those a cell sets itself.
Exit: 0 when every cell is ok or allowed; DS_VERIFICATION_FAILED on a violation; DS_CHAOS_INCOMPLETE when a
cell's fault was not caused or its records not read back.

Examples:
  datastorm chaos
  datastorm chaos --scenarios kill-leader,pause-node --modes acks1,idempotent --duration 20s
  datastorm chaos --modes idempotent --throughput 50000 --workers 4 --out chaos-report`);
  for (const option of produceOptions()) {
    if (option.attributeName() === 'topic') option.defaultValueDescription = 'datastorm-chaos: each cell\'s topic is <topic>-<scenario>-<mode>-<id>';
    if (option.attributeName() === 'duration') option.defaultValueDescription = `each cell ${CHAOS_CELL_MS / 1000}s`;
    if (option.attributeName() === 'throughput') option.defaultValueDescription = String(CHAOS_RATE_RPS);
    command.addOption(option);
  }
  for (const spec of Object.values(CHAOS_OPTIONS)) command.addOption(commanderOption(spec));
  command.addOption(new Option('--json', 'print the whole result as JSON on stdout (the report goes to stderr)').default(false));
  command.addOption(new Option('--out <dir>', 'write report.html (the matrix, each cell\'s faults as they ran) and results.json into this folder'));
  command.action(async (flags: ProduceFlags & ChaosFlags & ChaosOutput) => {
    const typed = (key: string) => command.getOptionValueSource(key) === 'cli';
    const { run, spec } = toChaosRun(flags, toProduceRun(flags, typed), typed);
    const outDir = flags.out === undefined ? undefined : writablePath(flags.out, '--out', 'folder');
    const out = flags.json ? stderr : (line: string) => process.stdout.write(`${line}\n`);
    const { value: result, interrupted } = await interruptible('ending the cell running, restoring the cluster and printing the cells run', (signal) =>
      runChaos(run, spec, {
        log: stderr, signal,
        onCellStart: (scenario, mode, index, total, elapsedMs) =>
          stderr(`[${formatClock(elapsedMs)}] cell ${index + 1}/${total}: ${scenario} x ${mode}`),
        onCell: (cell, index, total) => stderr(formatCellLine(cell, index, total)),
      }));
    for (const line of chaosReportLines(result)) out(line);
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (outDir) {
      const files = writeFilesInto(outDir, [
        ['report.html', chaosHtml(result, formatCommand(process.argv.slice(3), 'datastorm chaos'))],
        ['results.json', `${JSON.stringify(result, null, 2)}\n`],
      ]);
      for (const path of files) stderr(`wrote ${path}`);
    }
    const failure = chaosFailure(result);
    if (failure && !interrupted) stderr(formatError(failure));
    process.exitCode = interrupted ? INTERRUPTED_EXIT_CODE : failure ? failure.exitCode : 0;
  });
  return command;
}
