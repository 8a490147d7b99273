import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { bootstrapOrLocalCluster, parseBootstrap } from '../cluster/bootstrap.js';
import { Command, InvalidArgumentError } from 'commander';
import { runConsume, wholeNamePattern, type ConsumeConfig } from '../consume/consume.js';
import { formatFaultLines, parseFaultPlan, type FaultStep } from '../faults/fault-plan.js';
import {
  DETAILED_HEADER, formatConsumeAccounting, formatConsumersTable, formatFailedConsumers, formatDriverNote, formatConsumeInterruptedLine, formatIdleConsumersNote, formatIntervalLine, formatProgress,
  formatSummaryLine, formatTimeoutWarning, SUMMARY_HEADER,
} from '../consume/consume-report.js';
import { formatAccountingLine, formatEndToEndPartialLine, formatLatencyLine, formatProducerLine, LATENCY_NOTE } from '../consume/e2e-report.js';
import { runEndToEnd, type EndToEndConfig } from '../consume/end-to-end.js';
import { parseCodec } from '../kafka/codecs.js';
import type { CodecName } from '../kafka/codecs.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { interruptible } from './interrupt.js';
import { resultOrFailure } from './run-outcome.js';
import { writablePath } from './output-path.js';
import { ProgressLine } from './progress-line.js';
import { runLag, type LagConfig } from '../consume/lag.js';
import { formatLagHeader, formatLagRow, formatLagSummary, formatLagUnread, LAG_TABLE_HEAD, lagChart, lagTableRows, partitionsKey } from '../consume/lag-report.js';
import { runReplayCheck, type ReplayConfig } from '../consume/replay.js';
import { formatDiff, formatPassLine, formatVerdict } from '../consume/replay-report.js';
import { readClientProperties } from '../security/client-properties.js';
import { KAFKA_DATE_FORMAT, parseDatePattern, type DatePattern } from '../report/java-format.js';
import type { ClientSecurity } from '../security/client-security.js';
import { createTable } from '../report/table.js';
import { checkTopicName } from '../kafka/topic.js';
import { commanderOption, conflictingOptions, type OptionSpec } from '../run-spec/option-spec.js';
import { parseChoice, parseDurationMs, parseIntegerOption, parseSize } from '../run-spec/parse.js';
import { checkDriverSupport } from '../drivers/driver-support.js';
import { DEFAULT_DRIVER, DRIVER_NAMES, describeDriverChoices, type DriverName } from '../drivers/driver-registry.js';

/**
 * The consuming side: `consume` (kafka-consumer-perf-test's flags and output), `e2e` (produce→consume
 * latency), `lag` (a group's lag over time) and `replay-check` (two passes over a topic compared).
 */

/** Every option of these commands, defined once; each command picks its own and may set its own default. */
const OPTIONS = {
  topic: { flags: '--topic <name>', description: 'the topic', parse: checkTopicName },
  numRecords: { flags: '--num-records <n>', description: 'records to consume: exactly this many are counted and committed',
    parse: parseIntegerOption('--num-records', 1) },
  messages: { flags: '--messages <n>', description: 'the same as --num-records (consumer-perf-test\'s deprecated name)',
    parse: parseIntegerOption('--messages', 1) },
  group: { flags: '--group <id>', description: 'consumer group', parse: parseGroupId },
  fetchSize: { flags: '--fetch-size <bytes>', description: 'most bytes fetched from one partition per request (max.partition.fetch.bytes)',
    defaultValue: 1024 * 1024, parse: (v: string) => parseSize('--fetch-size', v) },
  timeout: { flags: '--timeout <ms>', description: 'give up when no record arrives for this long', defaultValue: 10_000,
    parse: parseIntegerOption('--timeout', 1) },
  hideHeader: { flags: '--hide-header', description: 'print no header line above the data lines (as consumer-perf-test)', defaultValue: false },
  dateFormat: { flags: '--date-format <pattern>', description: `Java SimpleDateFormat of the start.time, end.time and time columns, with y M d H m s S and quoted text (default: "${KAFKA_DATE_FORMAT}")`,
    parse: parseDateFormat },
  showDetailedStats: { flags: '--show-detailed-stats', description: 'print a line per consumer (threadId) and reporting interval instead of the summary line',
    defaultValue: false },
  reportingInterval: { flags: '--reporting-interval <ms>', description: 'interval of the detailed-stats lines', defaultValue: 5000,
    parse: parseIntegerOption('--reporting-interval', 1) },
  workers: { flags: '--workers <n>', description: 'consumers in the group, one per worker thread', defaultValue: 1,
    parse: parseIntegerOption('--workers', 1, 256) },
  rate: { flags: '--rate <rps>', description: 'records per second to produce', defaultValue: 1000, parse: parseIntegerOption('--rate', 1) },
  duration: { flags: '--duration <time>', description: 'how long to run (30s, 2m, or seconds)', parse: (v: string) => parseDurationMs('--duration', v) },
  interval: { flags: '--interval <time>', description: 'time between samples (1s, 500ms, or seconds)', defaultValue: 1000, defaultDescription: '1s',
    parse: (v: string) => parseDurationMs('--interval', v) },
  recordSize: { flags: '--record-size <bytes>', description: 'value size of each produced record', defaultValue: 100,
    parse: (v: string) => parseSize('--record-size', v) },
  compression: { flags: '--compression <codec>', description: 'codec of the produced batches: none, gzip, snappy, lz4 or zstd', defaultValue: 'none',
    parse: parseCodec },
  partitions: { flags: '--partitions <n>', description: 'partitions of the topic when it is created', defaultValue: 6,
    parse: parseIntegerOption('--partitions', 1, 10_000) },
  replication: { flags: '--replication <n>', description: 'replication factor of the topic when it is created', defaultValue: 3,
    parse: parseIntegerOption('--replication', 1, 16) },
  chart: { flags: '--chart <file.svg>', description: 'write a chart of total lag over time (SVG) to this file' },
  bootstrapServer: { flags: '--bootstrap-server <hosts>', description: 'the cluster (host:port,...); without it, bootstrap.servers of the config file, else the local cluster `datastorm cluster up` started' },
  consumerConfig: { flags: '--consumer.config <file>', description: 'client properties file, as kafka-consumer-perf-test takes it: security.protocol, ssl.truststore.location, sasl.mechanism, sasl.jaas.config, ... (e.g. the client-sasl-ssl.properties `cluster up --security sasl_ssl` prints), and bootstrap.servers' },
  commandProperty: { flags: '--command-property <prop=value...>', description: 'client properties one by one, as Kafka 4.x\'s tools take them (security.protocol, ssl.*, sasl.*, bootstrap.servers), after the files\'' },
  commandConfig: { flags: '--command-config <file>', description: 'client properties file, as Kafka\'s tools take it: security.protocol, ssl.*, sasl.*, bootstrap.servers (e.g. the client-sasl-ssl.properties `cluster up --security sasl_ssl` prints)' },
  fault: { flags: '--fault <plan>', description: 'faults on the local cluster once the consumers start, e.g. \'kill-node 2 at 5s; start-node 2 at 15s\': the report adds the longest stall and the recovery (raise --timeout past the stall)',
    parse: (v: string) => parseFaultPlan(v) },
  driver: { flags: '--driver <client>', description: `Kafka client the consumers read with: ${describeDriverChoices('consumer')}`,
    defaultValue: DEFAULT_DRIVER, parse: parseChoice('--driver', DRIVER_NAMES) },
  json: { flags: '--json', description: 'print the whole result as JSON on stdout (everything else goes to stderr)', defaultValue: false },
  fromLatest: { flags: '--from-latest', description: 'a partition the group has no committed offset in is read from its end, not its start (consumer-perf-test\'s flag): only records produced after the start are counted',
    defaultValue: false },
  include: { flags: '--include <regex>', description: 'the topic, by a regular expression that must match exactly one topic name whole (consumer-perf-test\'s flag; DataStorm consumes one topic a run)',
    parse: parseTopicPattern },
  socketBufferSize: { flags: '--socket-buffer-size <bytes>', description: 'consumer-perf-test\'s TCP receive buffer size: refused, as Node cannot set it on a socket (the kernel sizes it: net.ipv4.tcp_rmem)',
    parse: refuseSocketBufferSize },
  printMetrics: { flags: '--print-metrics', description: 'print a row per consumer: records, MB, and their rates while it held partitions', defaultValue: false },
} satisfies Record<string, OptionSpec>;

type OptionKey = keyof typeof OPTIONS;

/** Adds the options named by keys; a command may make some mandatory or give them its own default ([value, how --help shows it]). */
function addOptions(command: Command, keys: OptionKey[], settings: { required?: OptionKey[]; defaults?: Partial<Record<OptionKey, [unknown, string?]>> } = {}): Command {
  for (const key of keys) {
    command.addOption(commanderOption(OPTIONS[key], { defaults: settings.defaults?.[key], required: settings.required?.includes(key) }));
  }
  return command;
}

export interface ConnectionFlags { bootstrapServer?: string; 'consumer.config'?: string; commandConfig?: string; commandProperty?: string[] }

/** The options that name the cluster and the client security, as the consuming commands take them (drain too). */
export function addConnectionOptions(command: Command): Command {
  return addOptions(command, ['bootstrapServer', 'consumerConfig', 'commandConfig', 'commandProperty']);
}

/** The cluster and the client security: --bootstrap-server, else the config file's bootstrap.servers, else the local cluster. */
export function connectionOf(flags: ConnectionFlags): { bootstrap: string[]; security: ClientSecurity } {
  const { security, bootstrapServers } = readClientProperties([
    { flag: '--consumer.config', file: flags['consumer.config'] }, { flag: '--command-config', file: flags.commandConfig },
    { flag: '--command-property', lines: flags.commandProperty },
  ]);
  // As in produce: a flag and a property that name different clusters are an error, not a silent choice.
  if (flags.bootstrapServer !== undefined && bootstrapServers !== undefined
    && parseBootstrap(flags.bootstrapServer).join(',') !== parseBootstrap(bootstrapServers).join(',')) {
    throw conflictingOptions('--bootstrap-server', flags.bootstrapServer, 'bootstrap.servers', bootstrapServers);
  }
  return { bootstrap: bootstrapOrLocalCluster(flags.bootstrapServer ?? bootstrapServers), security };
}

/**
 * The connection and the Kafka client of a command's consumers; a client that cannot do what the run asks is refused
 * here, before any work. Another client than the default is named on stderr, as produce's header names it.
 */
function consumersOf(flags: ConnectionFlags & { driver: DriverName; fault?: FaultStep[] }, compression?: CodecName):
{ driver: DriverName; bootstrap: string[]; security: ClientSecurity } {
  const connection = connectionOf(flags);
  checkDriverSupport({ driver: flags.driver, compression, security: connection.security, consumersUnderFaults: (flags.fault?.length ?? 0) > 0 });
  const note = formatDriverNote(flags.driver);
  if (note) stderr(note);
  return { driver: flags.driver, ...connection };
}

/** Named so that a pasted consumer-perf-test command gets the reason, not "unknown option". */
function refuseSocketBufferSize(): never {
  throw new InvalidArgumentError('Node cannot set a socket\'s TCP receive buffer (SO_RCVBUF); the kernel sizes it (net.ipv4.tcp_rmem): leave --socket-buffer-size out');
}

/** A Java-style include pattern, checked here; it must match a topic's whole name (wholeNamePattern). */
function parseTopicPattern(value: string): { include: string } {
  try {
    wholeNamePattern(value);
  } catch {
    throw new InvalidArgumentError(`--include takes a regular expression, not "${value}"`);
  }
  return { include: value };
}

function parseDateFormat(value: string): DatePattern {
  try {
    return parseDatePattern(value);
  } catch (error) {
    throw new InvalidArgumentError(`--date-format: ${(error as Error).message}`);
  }
}

/** --num-records, or its old name --messages; both must agree. */
function recordsToConsume(flags: { numRecords?: number; messages?: number }): number {
  const { numRecords, messages } = flags;
  if (numRecords !== undefined && messages !== undefined && numRecords !== messages) {
    throw new DataStormError('DS_CONFLICTING_OPTIONS', `--num-records ${numRecords} and --messages ${messages} disagree`, {
      hint: '--messages is consumer-perf-test\'s old name for --num-records: give one of them',
    });
  }
  // As consumer-perf-test says it (on stdout there; here on stderr, which holds every note).
  if (messages !== undefined) stderr('Warning: --messages is deprecated. Use --num-records instead.');
  const records = numRecords ?? messages;
  if (records === undefined) throw new DataStormError('DS_BAD_OPTIONS', 'how many records to consume: give --num-records (or --messages)');
  return records;
}

/** A group id Kafka accepts: not empty (the broker refuses "" for group operations). */
function parseGroupId(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('--group takes a consumer group id, not an empty one');
  return value;
}

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const stdout = (line: string) => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => stdout(JSON.stringify(value, null, 2));


type ConsumeFlags = {
  topic?: string; include?: { include: string }; fromLatest: boolean; printMetrics: boolean; numRecords?: number; messages?: number; hideHeader: boolean; dateFormat?: DatePattern; group: string; fetchSize: number; timeout: number; showDetailedStats: boolean;
  reportingInterval: number; workers: number; bootstrapServer?: string; json: boolean; fault?: FaultStep[]; driver: DriverName;
} & ConnectionFlags

export function consumeCommand(): Command {
  const command = new Command('consume')
    .description('consume with W consumers of one group (one per worker thread) and report like kafka-consumer-perf-test')
    .addHelpText('after', `
Prints kafka-consumer-perf-test's header and data line (same columns, date and number formats) on stdout,
counting exactly --num-records records (Kafka's tool counts to the end of its last poll), then commits exactly
those and checks that the group's committed offsets grew by as many. rebalance.time.ms is the time no consumer
of the group held partitions (joining, rebalancing); fetch.time.ms is the rest of the run. With
--show-detailed-stats, threadId is the consumer's number and each consumer's last line ends at its total.

Examples:
  datastorm consume --topic t --num-records 1000000
  datastorm consume --topic t --num-records 1000000 --workers 4 --group g1 --json
  datastorm consume --topic t --num-records 1000000 --driver platformatic`);
  addOptions(command, ['topic', 'include', 'numRecords', 'messages', 'group', 'fetchSize', 'timeout', 'showDetailedStats', 'reportingInterval', 'hideHeader',
    'dateFormat', 'fromLatest', 'printMetrics', 'socketBufferSize', 'workers', 'driver', 'bootstrapServer', 'consumerConfig', 'commandConfig', 'commandProperty', 'fault', 'json'],
  { defaults: { group: [`perf-consumer-${randomInt(100_000)}`] } });
  command.action(async (flags: ConsumeFlags) => {
    const numRecords = recordsToConsume(flags);
    if ((flags.topic === undefined) === (flags.include === undefined)) {
      throw new DataStormError('DS_BAD_OPTIONS', 'give the topic with --topic or --include (one of them)');
    }
    const config: ConsumeConfig = {
      ...consumersOf(flags), topic: flags.topic ?? flags.include!, numRecords,
      group: flags.group, fetchSizeBytes: flags.fetchSize, timeoutMs: flags.timeout,
      showDetailedStats: flags.showDetailedStats, reportingIntervalMs: flags.reportingInterval, workers: flags.workers,
      faults: flags.fault ?? [], fromLatest: flags.fromLatest,
    };
    // Kafka's lines own stdout, unless the JSON does.
    const out = flags.json ? stderr : stdout;
    const progress = new ProgressLine();
    const { value: { result, failure }, interrupted } = await interruptible('committing what was counted and printing the partial report', (signal) =>
      resultOrFailure(runConsume(config, {
        signal,
        onStart: (partitions) => {
          const note = formatIdleConsumersNote(config.workers, partitions);
          if (note) stderr(note);
          if (!flags.hideHeader) out(config.showDetailedStats ? DETAILED_HEADER : SUMMARY_HEADER);
        },
        onInterval: (interval) => { if (config.showDetailedStats) progress.print(formatIntervalLine(interval, flags.dateFormat), out); },
        onProgress: (records, elapsedMs) => progress.show(formatProgress(records, config.numRecords, elapsedMs)),
        onFault: (line) => progress.print(line, stderr),
      })));
    progress.clear();
    if (result.timedOut) out(formatTimeoutWarning(config.timeoutMs));
    if (!config.showDetailedStats) out(formatSummaryLine(result.totals, flags.dateFormat));
    if (config.workers > 1 || flags.printMetrics) stderr(formatConsumersTable(result.workers, result.totals.durationMs));
    if (result.failedConsumers) stderr(formatFailedConsumers(result.failedConsumers, config.workers));
    stderr(formatConsumeAccounting(result.accounting, config.group));
    if (result.faults) for (const line of formatFaultLines(result.faults)) stderr(line);
    const interruptedLine = formatConsumeInterruptedLine({ interrupted, partial: result.partial, records: result.totals.records }, config.numRecords, config.group);
    if (interruptedLine) stderr(interruptedLine);
    if (flags.json) printJson(result);
    if (failure) throw failure;
    if (!result.accounting.match) {
      throw new DataStormError('DS_ACCOUNTING_MISMATCH', 'the records counted and the group\'s committed offsets disagree (see the accounting line)');
    }
    if (interrupted) {
      process.exitCode = INTERRUPTED_EXIT_CODE;
      return;
    }
    if (result.timedOut) {
      throw new DataStormError('DS_CONSUME_TIMEOUT', `consumed ${result.totals.records} of ${config.numRecords} records: ` +
        `none arrived for ${config.timeoutMs} ms`, { hint: `the topic had ${result.accounting.availableRecords} records past the group's offsets; raise --timeout or produce more` });
    }
  });
  return command;
}

type EndToEndFlags = {
  topic: string; rate: number; duration: number; recordSize: number; compression: CodecName; workers: number; group: string; fetchSize: number;
  partitions: number; replication: number; timeout: number; bootstrapServer?: string; json: boolean; fault?: FaultStep[]; driver: DriverName;
} & ConnectionFlags

export function endToEndCommand(): Command {
  const command = new Command('e2e')
    .description('produce at a steady rate while W consumers of one group read, and report produce→consume latency per record')
    .addHelpText('after', `
Latency is the consumer's clock minus the record's CreateTime timestamp, set by the producer when it hands the
record to the client: whole milliseconds, so the resolution is 1 ms. Consumers record into HDR histograms
that are merged exactly. The group starts at the end of the topic and waits until it has settled before the
first send; --timeout is how long to wait, after the last send, for the consumers to read everything.

Example:
  datastorm e2e --topic e2e --rate 2000 --duration 30s --workers 2`);
  addOptions(command, ['topic', 'rate', 'duration', 'recordSize', 'compression', 'workers', 'group', 'fetchSize', 'partitions', 'replication', 'timeout',
    'driver', 'bootstrapServer', 'consumerConfig', 'commandConfig', 'commandProperty', 'fault', 'json'], {
    required: ['topic'],
    defaults: { duration: [10_000, '10s'], group: [`datastorm-e2e-${randomInt(100_000)}`], timeout: [30_000] },
  });
  command.action(async (flags: EndToEndFlags) => {
    const config: EndToEndConfig = {
      ...consumersOf(flags, flags.compression), topic: flags.topic, ratePerSec: flags.rate, durationMs: flags.duration,
      recordSizeBytes: flags.recordSize, compression: flags.compression, workers: flags.workers, group: flags.group,
      fetchSizeBytes: flags.fetchSize, partitions: flags.partitions, replication: flags.replication, drainTimeoutMs: flags.timeout,
      faults: flags.fault ?? [],
    };
    const { value: { result, failure }, interrupted } = await interruptible('reading, committing and accounting what was acknowledged, then the partial report',
      (signal) => resultOrFailure(runEndToEnd(config, { log: stderr, signal })));
    if (result.partial) stderr(formatEndToEndPartialLine(result));
    (flags.json ? stderr : stdout)(formatLatencyLine(result.latency));
    stderr(LATENCY_NOTE);
    stderr(formatProducerLine(result));
    if (result.failedConsumers) stderr(formatFailedConsumers(result.failedConsumers, config.workers));
    stderr(formatAccountingLine(result));
    if (result.faults) for (const line of formatFaultLines(result.faults)) stderr(line);
    if (flags.json) printJson(result);
    if (failure) throw failure;
    if (result.producer.failedRecords > 0) {
      throw new DataStormError('DS_RECORDS_FAILED', `${result.producer.failedRecords} records failed to send: ${result.producer.firstError}`);
    }
    if (!result.accounting.match) {
      throw new DataStormError('DS_ACCOUNTING_MISMATCH', 'produced, consumed and the topic\'s offsets disagree (see the accounting line)', {
        hint: 'records still unread after --timeout count as missing: raise --timeout',
      });
    }
    if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
  });
  return command;
}

type LagFlags = {
  group: string; topic?: string; interval: number; duration: number; chart?: string; bootstrapServer?: string; json: boolean;
} & ConnectionFlags

export function lagCommand(): Command {
  const command = new Command('lag')
    .description('sample a consumer group\'s lag per partition over time; report its peak, drain rate and time to catch up, and chart it')
    .addHelpText('after', `
Lag = end offset − the group's committed offset, per partition (with no commit: every record still in the
log; --topic also watches a topic the group has not committed on yet). Works for any group, whoever created
it. The drain rate is the fall in total lag per second from the peak (the last sample at it) to the first
sample back at 0; the time to catch up is from the peak to that sample. Ctrl-C stops early, still prints
the summary and writes the chart (--chart), and exits 130.

Example:
  datastorm lag --group g1 --interval 1 --duration 120 --chart lag.svg`);
  addOptions(command, ['group', 'topic', 'interval', 'duration', 'chart', 'bootstrapServer', 'commandConfig', 'commandProperty', 'json'], {
    required: ['group'], defaults: { duration: [60_000, '60s'] },
  });
  command.action(async (flags: LagFlags) => {
    if (flags.interval > flags.duration) {
      throw new DataStormError('DS_BAD_OPTIONS', `--interval ${flags.interval / 1000} s is longer than --duration ${flags.duration / 1000} s: ` +
        'the lag would be sampled once, at the start', { hint: 'give a shorter --interval or a longer --duration' });
    }
    const config: LagConfig = {
      ...connectionOf(flags), group: flags.group, intervalMs: flags.interval, durationMs: flags.duration,
      topics: flags.topic ? [flags.topic] : [],
    };
    const chartFile = flags.chart === undefined ? undefined : writablePath(flags.chart, '--chart', 'file');
    let shownPartitions: string | undefined;
    const { value: result, interrupted } = await interruptible('printing the summary of the samples taken', (signal) => runLag(config, (sample, previous) => {
      if (!previous && sample.partitions.length === 0) {
        stderr(`group ${config.group} has no committed offsets (yet): its lag shows once it commits, or name a topic with --topic`);
      }
      if (partitionsKey(sample) !== shownPartitions) {
        shownPartitions = partitionsKey(sample);
        stderr(formatLagHeader(sample));
      }
      stderr(formatLagRow(sample, previous));
    }, signal));
    const table = createTable(LAG_TABLE_HEAD, { colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
    table.push(...lagTableRows(result.samples));
    stderr(table.toString());
    if (chartFile) {
      writeFileSync(chartFile, lagChart(result));
      stderr(`chart of total lag written to ${chartFile}`);
    }
    (flags.json ? stderr : stdout)(formatLagSummary(result.summary));
    const unread = formatLagUnread(result);
    if (unread) stderr(unread);
    if (flags.json) printJson({ ...result, chartFile });
    if (result.unreadBecause !== undefined) {
      throw new DataStormError('DS_ACCOUNTING_UNCHECKED', `group ${config.group}'s offsets could not be read after ${result.samples.length} samples: ${result.unreadBecause}`);
    }
    if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
  });
  return command;
}

type ReplayFlags = { topic: string; group: string; timeout: number; bootstrapServer?: string; json: boolean; driver: DriverName } & ConnectionFlags;

export function replayCheckCommand(): Command {
  const command = new Command('replay-check')
    .description('read a topic twice through one group (reset to the earliest offsets before each pass) and check both passes read the same')
    .addHelpText('after', `
Each pass resets the group to the log start offsets, reads up to the end offsets it found when it began, and
reduces what it read to a SHA-256 digest (records in partition, offset order: key and value) and per-key
counts. Exits 1, listing the partitions and keys that differ, when the passes do not match. The group must
have no active members.

Example:
  datastorm replay-check --topic orders --group replay-orders`);
  addOptions(command, ['topic', 'group', 'timeout', 'driver', 'bootstrapServer', 'commandConfig', 'commandProperty', 'json'], { required: ['topic', 'group'] });
  command.action(async (flags: ReplayFlags) => {
    const config: ReplayConfig = {
      ...consumersOf(flags), topic: flags.topic, group: flags.group, timeoutMs: flags.timeout,
    };
    const { value: result } = await interruptible('stopping the pass that is reading: no verdict',
      (signal) => runReplayCheck(config, { log: stderr, signal }));
    const out = flags.json ? stderr : stdout;
    result.passes.forEach((pass, i) => out(formatPassLine(i + 1, pass)));
    out(formatVerdict(result));
    for (const line of formatDiff(result.diff)) stderr(line);
    if (flags.json) printJson(result);
    if (!result.match) {
      throw new DataStormError('DS_REPLAY_MISMATCH', 'the two passes over the topic differ (see the partitions and keys above)');
    }
  });
  return command;
}
