import { Command, Option } from 'commander';
import { formatLoad } from '../capacity/step-format.js';
import type { StepRequest } from '../capacity/capacity-step.js';
import {
  capacityChart, capacityHtml, formatCapacityHeader, formatCapacitySummary, formatCapacityTable, formatKneeComparison,
} from '../capacity/capacity-report.js';
import { runCapacity, type CapacityResult } from '../capacity/run-capacity.js';
import { javaAtKnee } from '../bench/java-at-knee.js';
import { CAPACITY_OPTIONS, capacityRun, toCapacitySpec, type CapacityFlags } from '../run-spec/capacity-options.js';
import { commanderOption } from '../run-spec/option-spec.js';
import { produceOptions, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { formatError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { formatCommand } from '../analysis/report-document.js';
import { writeFilesInto } from '../shared/paths.js';
import { interruptible } from './interrupt.js';
import { formatClock } from './progress-line.js';
import { writablePath } from './output-path.js';
import { resultOrFailure } from './run-outcome.js';

const stderr = (line: string) => process.stderr.write(`${line}\n`);

interface CapacityOutput {
  json: boolean;
  out?: string;
  vs?: 'java';
}

/** `[0:12 of 10:00] step 4: search 45.0K/s for 15 s` */
export function formatStepStart(request: StepRequest, index: number, elapsedMs: number, budgetMs: number): string {
  return `[${formatClock(elapsedMs)} of ${formatClock(budgetMs)}] step ${index}: ${request.phase} ${formatLoad(request.load)} for ${(request.durationMs / 1000).toFixed(0)} s`;
}

/** The report's lines: what was searched, every step, the answer, and the other client at the knee (--vs). */
export function capacityReportLines(result: CapacityResult): string[] {
  return [...formatCapacityHeader(result), formatCapacityTable(result), ...formatCapacitySummary(result), ...formatKneeComparison(result)];
}

/** report.html, capacity.svg and results.json into the --out folder; returns the paths written. */
function writeCapacityFiles(dir: string, result: CapacityResult, command: string): string[] {
  return writeFilesInto(dir, [
    ['report.html', capacityHtml(result, command)],
    ['capacity.svg', capacityChart(result)],
    ['results.json', `${JSON.stringify(result, null, 2)}\n`],
  ]);
}

export function capacityCommand(): Command {
  const command = new Command('capacity')
    .description('find the highest rate the cluster sustains within a latency SLO: a ceiling, a knee searched below it, confirmed')
    .addHelpText('after', `
The search: an unlimited run that warms the cluster (--warm, not judged), an unlimited probe, then a ramp from 30% to 120% of its rate (the ceiling: the highest rate whose
backlog, records due minus records acknowledged, stays under 1 s of records, as OpenMessaging Benchmark's rate
controller judges a sustainable rate); then fixed-rate steps: one at 10% of the ceiling (if it misses, run again
and then at 1%: if that misses too, no rate meets the SLO), one at the ceiling, and bisection on a log scale until
the highest rate met and the lowest missed are within --precision. Latency is measured from each record's intended send time (coordinated omission
corrected) over each step's windows after its warm-up. A miss that comes from a few windows only, with the rate
achieved and the backlog bounded, looks like a broker's stall: the step is run again, longer, and the repeat
decides. The knee is confirmed by a --confirm run that must meet the SLO, and 1.25x the knee must miss it (or
the rate); if 1.25x meets both, the misses below it were stalls, and the search goes on above it once. Every
produce option applies to every step, but those that set a step's rate and length.

--target e2e runs every step (the probe and the ramp too) as e2e does: a paced kafkajs producer (acks all,
idempotent) while --workers consumers of a group, new each step, read; latency is from each record's creation
to its read, in µs (producer and consumers share this process's clock), and the backlog is records due minus
records consumed: the ceiling is where the producer or the consumers fall behind. The probe produces as fast as
the consumers read (at most 1 MiB ahead of them). Its steps take --topic, --driver, --record-size, --workers,
--compression, --partitions, --replication and the connection's options; the other produce options are refused.

Examples:
  datastorm capacity --slo 'p99<=100ms' --workers 2
  datastorm capacity --slo 'p99<=50ms,p50<=10ms' --acks all --compression lz4 --budget 15m --json > capacity.json
  datastorm capacity --slo 'p99.9<=200ms' --out capacity-report
  datastorm capacity --target e2e --slo 'p99<=100ms' --workers 2
  datastorm capacity --slo 'p99<=50ms' --vs java`);
  for (const option of produceOptions()) {
    if (option.attributeName() === 'topic') option.defaultValueDescription = 'one of the search\'s own, datastorm-capacity-<id>, deleted after it';
    command.addOption(option);
  }
  for (const spec of Object.values(CAPACITY_OPTIONS)) command.addOption(commanderOption(spec));
  command.addOption(new Option('--vs <tool>', 'java: after the search (beyond --budget), Kafka\'s ProducerPerformance at the knee with the same ' +
    'settings for the confirmation\'s length, its p50, p99 and p99.9 beside the confirmation\'s (how much of the latency is the client)')
    .choices(['java']));
  command.addOption(new Option('--json', 'print the whole result as JSON on stdout (the report goes to stderr)').default(false));
  command.addOption(new Option('--out <dir>', 'write report.html (the answer, the chart, every step), capacity.svg and results.json into this folder'));
  command.action(async (flags: ProduceFlags & CapacityFlags & CapacityOutput) => {
    const typed = (key: string) => command.getOptionValueSource(key) === 'cli';
    const produceRun = toProduceRun(flags, typed);
    const spec = toCapacitySpec(flags, typed, produceRun.config);
    const run = capacityRun(produceRun, typed);
    const outDir = flags.out === undefined ? undefined : writablePath(flags.out, '--out', 'folder');
    // What Java cannot run is refused now, before the search.
    const atKnee = flags.vs ? javaAtKnee(run.config, spec) : undefined;
    const out = flags.json ? stderr : (line: string) => process.stdout.write(`${line}\n`);
    let steps = 0;
    const { value: { result, failure }, interrupted } = await interruptible('ending the step running and printing what was found so far', (signal) =>
      resultOrFailure(runCapacity(run, spec, {
        log: stderr, signal, ...(atKnee ? { atKnee } : {}),
        onStepStart: (request, elapsedMs) => stderr(formatStepStart(request, ++steps, elapsedMs, spec.budgetMs)),
      })));
    for (const line of capacityReportLines(result)) out(line);
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    if (outDir) for (const path of writeCapacityFiles(outDir, result, formatCommand(process.argv.slice(3), 'datastorm capacity'))) stderr(`wrote ${path}`);
    if (failure) stderr(formatError(failure));
    process.exitCode = interrupted ? INTERRUPTED_EXIT_CODE : failure ? failure.exitCode : 0;
  });
  return command;
}
