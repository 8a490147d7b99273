import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { lagChart, formatLagSummary, formatLagUnread } from '../consume/lag-report.js';
import { runDrain, verdictOfDrain } from '../drain/drain.js';
import {
  formatCallsFailing, formatCallsRecovered, formatDrainAccounting, formatDrainHeader, formatDrainProgress, formatDrainSummary, formatSinkListening, formatSinkStats,
} from '../drain/drain-report.js';
import { startSink } from '../drain/sink-server.js';
import {
  DRAIN_OPTIONS, SINK_OPTIONS, toDrainSpec, toSinkSpec, type DrainFlags, type SinkFlags,
} from '../run-spec/drain-options.js';
import { addOptionTable } from '../run-spec/option-spec.js';
import { INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { addConnectionOptions, connectionOf, type ConnectionFlags } from '../run-spec/consume-options.js';
import { interruptible } from './interrupt.js';
import { resultOrFailure } from './run-outcome.js';
import { writablePath } from './output-path.js';
import { ProgressLine } from './progress-line.js';

/** `datastorm drain` (a topic into an HTTP service, as go-dmux) and `datastorm sink` (a checking HTTP service to drain into). */

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const stdout = (line: string) => process.stdout.write(`${line}\n`);

export function drainCommand(): Command {
  const command = new Command('drain')
    .description('drain a topic into an HTTP service as go-dmux does (per-key lanes, retries, contiguous commits) and measure it')
    .addHelpText('after', `
Each record is sent to {sink}/{topic}/{partition}/{key}/{offset} with its raw value as body
(Content-Type: application/octet-stream); with --batch-size > 1, one partition's records go to {sink}/{topic} in
go-dmux's v2 batch body. A record goes to lane FNV-1a(key) mod --size; each lane makes one call at a time, so a
key's records arrive in offset order. A call succeeds on 2xx (or a --non-retriable-status) and is otherwise
retried after --retry-interval until it does. Offsets are committed only up to the contiguous prefix of
completed records per partition, so a crash re-delivers and never skips. Records without a key go
round-robin (no order kept for them). The drain time runs from the start until the group's committed offsets
reach the end offsets seen at the start (lag 0). Ctrl-C stops the calls, commits what was acknowledged,
prints the partial report and exits 130.

Examples:
  datastorm sink --port 28080 --latency 20ms
  datastorm drain --topic orders --group orders-http --sink http://127.0.0.1:28080 --size 200 --from-beginning
  datastorm drain --topic orders --group orders-serial --sink http://127.0.0.1:28080 --mode serial --from-beginning`);
  addOptionTable(command, DRAIN_OPTIONS, ['topic', 'group', 'sink']);
  addConnectionOptions(command);
  command.action(async (flags: DrainFlags & ConnectionFlags) => {
    const spec = toDrainSpec(flags, connectionOf(flags), (key) => command.getOptionValueSource(key) === 'cli');
    const chartFile = flags.chart === undefined ? undefined : writablePath(flags.chart, '--chart', 'file');
    const progress = new ProgressLine();
    const { value: { result, failure }, interrupted } = await interruptible('stopping the calls, committing what the sink acknowledged and printing the partial report',
      (signal) => resultOrFailure(runDrain(spec, {
        signal,
        onStart: (start) => stderr(formatDrainHeader(spec, start)),
        onProgress: (p) => progress.show(formatDrainProgress(p)),
        onCallsFailing: (failing) => progress.print(formatCallsFailing(failing, spec.retryIntervalMs), stderr),
        onCallsRecovered: (failedMs) => progress.print(formatCallsRecovered(failedMs), stderr),
      })));
    progress.clear();
    const out = flags.json ? stderr : stdout;
    for (const line of formatDrainSummary(result)) out(line);
    stderr(formatLagSummary(result.lag.summary));
    const lagUnread = formatLagUnread(result.lag);
    if (lagUnread) stderr(lagUnread);
    stderr(formatDrainAccounting(result.accounting, spec.group));
    if (chartFile) {
      writeFileSync(chartFile, lagChart(result.lag));
      stderr(`chart of the group's lag written to ${chartFile}`);
    }
    if (flags.json) stdout(JSON.stringify({ ...result, chartFile }, null, 2)); // bin/datastorm.js waits for it to be written
    if (failure) throw failure;
    const verdict = verdictOfDrain(result);
    if (verdict) throw verdict;
    if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
  });
  return command;
}

export function sinkCommand(): Command {
  const command = new Command('sink')
    .description('an HTTP service to drain into: answers after a latency, queues beyond a concurrency, fails a share, and checks what it receives')
    .addHelpText('after', `
Takes drain's calls (POST /{topic}/{partition}/{key}/{offset}, or /{topic} with a v2 batch body) and counts,
per partition and key, the records acknowledged, duplicates (a record acknowledged twice), order violations
(a key's offset below one acknowledged before) and gaps (offsets never acknowledged between the lowest and
highest of a partition). GET /stats serves them as JSON (?topic=T for one topic). With --max-concurrency C at
most C calls are served at once and the rest queue: C / latency is its capacity (200 / 500ms = 400 calls/s).
Runs until Ctrl-C or SIGTERM, then prints the counts (as JSON with --json).

Example:
  datastorm sink --port 28080 --latency 500ms --max-concurrency 200 --error-rate 0.01`);
  addOptionTable(command, SINK_OPTIONS, []);
  command.option('--json', 'print the counts as JSON on stdout when stopped', false);
  command.action(async (flags: SinkFlags & { json: boolean }) => {
    const spec = toSinkSpec(flags, (key) => command.getOptionValueSource(key) === 'cli');
    const sink = await startSink(spec);
    stderr(formatSinkListening(sink.url, spec));
    // A service's normal end: either signal stops it, prints the counts and exits 0.
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    const stats = sink.stats();
    await sink.close();
    stderr(formatSinkStats(stats));
    if (flags.json) stdout(JSON.stringify(stats, null, 2));
  });
  return command;
}
