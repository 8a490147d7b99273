import { hostname } from 'node:os';
import { Command, Option } from 'commander';
import type { ProduceRun } from '../produce/run-config.js';
import { produceRun } from '../library/produce.js';
import { printProduceReport } from '../library/print.js';
import { resultOrFailure } from './run-outcome.js';
import { DataStormError, formatError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { interruptible } from './interrupt.js';
import { ProgressLine } from './progress-line.js';
import { formatProduceProgress, formatRunHeader, formatWindowLine } from '../report/produce-report.js';
import { verdictOf } from '../produce/result.js';
import { produceOptions, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import { parseDurationMs, parseIntegerOption } from '../run-spec/parse.js';
import type { LiveFigures } from '../metrics/prometheus-endpoint.js';
import { sleepUntil } from '../shared/sleep.js';

const stderr = (line: string) => process.stderr.write(`${line}\n`);

/** How a produce run is printed: output settings, which stay in the CLI (they do not change what runs). */
export interface ProduceOutput {
  /** The whole result as JSON on stdout; every report line goes to stderr. */
  json: boolean;
  printMetrics: boolean;
  /** Serve the run's metrics for Prometheus on this port (GET /metrics). */
  metricsPort?: number;
  /** Keep serving them this long after the report: a last scrape sees the final figures. */
  metricsHold?: number;
}

const OUTPUT_OPTIONS = [
  new Option('--print-metrics', 'print the producers\' request metrics at the end').default(false),
  new Option('--json', 'print the whole result as JSON on stdout (reports go to stderr)').default(false),
  new Option('--metrics-port <port>', 'serve live metrics in Prometheus text format on http://<host>:<port>/metrics while the run goes: records and value bytes acknowledged, failures by type, requests in flight, bytes buffered (records, requests and bytes also by worker), latency quantiles; docs/grafana/datastorm.json is a Grafana dashboard of them')
    .argParser(parseIntegerOption('--metrics-port', 1, 65_535)),
  new Option('--metrics-hold <time>', 'with --metrics-port: keep serving this long after the report, so a last scrape sees the final figures (10s, 1m)')
    .argParser((v) => parseDurationMs('--metrics-hold', v)),
];

/** Runs a produce load with Ctrl-C handling and the report (and --metrics-port's endpoint); returns the exit code. */
export function produceAndReport(run: ProduceRun, output: ProduceOutput): Promise<number> {
  return withMetricsEndpoint(output, (onMeasuring) => runAndReport(run, output, onMeasuring));
}

/** Runs `produce` with the metrics endpoint up (its port taken before any work), held after the report for --metrics-hold. */
async function withMetricsEndpoint(output: ProduceOutput, produce: (onMeasuring?: (live: LiveFigures) => void) => Promise<number>): Promise<number> {
  if (output.metricsPort === undefined) return produce();
  let live: LiveFigures | undefined;
  // prom-client loads only here: a run without the endpoint does not pay for it.
  const { runRegistry, serveMetrics } = await import('../metrics/prometheus-endpoint.js');
  const server = await serveMetrics(runRegistry(() => live), output.metricsPort);
  stderr(`metrics: http://${hostname()}:${output.metricsPort}/metrics (Prometheus text format)`);
  try {
    return await produce((figures) => { live = figures; });
  } finally {
    if (output.metricsHold) await sleepUntil(Date.now() + output.metricsHold);
    server.close();
  }
}

async function runAndReport(run: ProduceRun, output: ProduceOutput, onMeasuring?: (live: LiveFigures) => void): Promise<number> {
  const progress = new ProgressLine();
  const out = output.json ? stderr : (line: string) => process.stdout.write(`${line}\n`);
  const { value: outcome, interrupted } = await interruptible('finishing in-flight sends and printing the partial report', (signal) =>
    resultOrFailure(produceRun(run, {
      log: (line) => progress.print(line, stderr),
      signal,
      onStart: (header) => stderr(formatRunHeader(header)),
      onInterval: (interval) => progress.print(formatWindowLine(interval), out),
      onProgress: (acknowledged, elapsedMs) => progress.show(formatProduceProgress(acknowledged, elapsedMs, run.config)),
      onMeasuring,
    })));
  progress.clear();
  printProduceReport(outcome.result, { out: process.stdout, err: process.stderr, json: output.json }, output);
  if (outcome.failure) stderr(formatError(outcome.failure));
  if (interrupted) return INTERRUPTED_EXIT_CODE;
  if (outcome.failure) return outcome.failure.exitCode;
  const verdict = verdictOf(outcome.result);
  if (verdict) throw verdict;
  return 0;
}

export function produceCommand(): Command {
  const command = new Command('produce')
    .description('send records to Kafka from worker threads (pre-serialized Avro, one producer each) and report like kafka-producer-perf-test')
    .addHelpText('after', `
Latency is per record, from the moment a record is appended to its batch to the broker's acknowledgement,
merged exactly across workers (HDR histograms). Window lines and the summary line have Kafka's format.
Without --bootstrap-server a local 4-broker cluster is started for the run (or a running one is reused).

Examples:
  datastorm produce --workers 16 --batch 16MB --num-records 2000000
  datastorm produce --topic t --num-records 1000000 --record-size 250 --throughput -1 --producer-props acks=1 linger.ms=5
  datastorm produce --duration 60s --throughput 50000 --compression lz4 --json > result.json
  datastorm produce --num-records 1000000 --verify
  datastorm produce --topic orders --num-records 20000 --schema-registry http://127.0.0.1:8081/apis/ccompat/v7

--verify accounts for every record by identity: each carries its worker and sequence number in a header (ds-id),
and after the run every partition is read back and each record checked: lost, duplicated, reordered, in doubt
(and, with transactions, aborted ones visible). Lost or duplicated records fail the run (DS_VERIFICATION_FAILED).
Measured (2 workers, 250 B records, medians of 3): pre-encoded 0.99x the records/s and +11% CPU per record,
per-record 0.77x the records/s; records are 18 B larger; the read-back comes after the run's figures (docs/results.md).`);
  for (const option of [...produceOptions(), ...OUTPUT_OPTIONS]) command.addOption(option);
  command.action(async (flags: ProduceFlags & ProduceOutput) => {
    const run = toProduceRun(flags, (key) => command.getOptionValueSource(key) === 'cli');
    if (flags.metricsHold !== undefined && flags.metricsPort === undefined) {
      throw new DataStormError('DS_BAD_OPTION', '--metrics-hold keeps --metrics-port serving; there is none');
    }
    process.exitCode = await produceAndReport(run, flags);
  });
  return command;
}
