import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { runConsume } from '../consume/consume.js';
import { formatFaultLines } from '../faults/fault-plan.js';
import {
  DETAILED_HEADER, formatFailedConsumers, formatDriverNote, formatConsumeInterruptedLine, formatIdleConsumersNote, formatIntervalLine, formatProgress, SUMMARY_HEADER,
} from '../consume/consume-report.js';
import { printConsumeReport, printShareConsumeReport } from '../library/print.js';
import { runShareConsume } from '../consume/share-consume.js';
import { SHARE_SUMMARY_HEADER, formatShareIntervalLine, formatSharePartialLine } from '../consume/share-report.js';
import { formatAccountingLine, formatEndToEndPartialLine, formatLatencyLine, formatProducerLine, formatLatencyNote } from '../consume/e2e-report.js';
import { runEndToEnd, type EndToEndConfig } from '../consume/end-to-end.js';
import { formatVerificationDetails, formatVerificationLine } from '../report/verification-report.js';
import { verificationFailure } from '../verify/identity-ledger.js';
import type { CodecName } from '../kafka/codecs.js';
import type { DriverName } from '../drivers/driver-registry.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { interruptible } from './interrupt.js';
import { resultOrFailure } from './run-outcome.js';
import { writablePath } from './output-path.js';
import { ProgressLine } from './progress-line.js';
import { runLag, type LagConfig } from '../consume/lag.js';
import { formatLagHeader, formatLagRow, formatLagSummary, formatLagUnread, lagChart, lagTableHead, lagTableRows, partitionsKey } from '../consume/lag-report.js';
import { runReplayCheck, type ReplayConfig } from '../consume/replay.js';
import { formatDiff, formatPassLine, formatVerdict } from '../consume/replay-report.js';
import { createTable } from '../report/table.js';
import {
  addConsumeOptions, connectionOf, consumersOf, CONSUME_KEYS, defaultConsumeGroup, toConsumeConfig, toShareConsumeConfig, type ConsumeFlags, type EndToEndFlags, type LagFlags, type ReplayFlags,
} from '../run-spec/consume-options.js';

/**
 * The consuming side: `consume` (kafka-consumer-perf-test's flags and output), `e2e` (produce→consume
 * latency), `lag` (a group's lag over time) and `replay-check` (two passes over a topic compared).
 */

/** Another client than the default is named on stderr, as produce's header names it. */
function noteDriver(driver: DriverName): void {
  const note = formatDriverNote(driver);
  if (note) stderr(note);
}

/** The consumers' connection and client, their client named. */
function consumersNoted(flags: Parameters<typeof consumersOf>[0], compression?: CodecName): ReturnType<typeof consumersOf> {
  const consumers = consumersOf(flags, compression);
  noteDriver(consumers.driver);
  return consumers;
}

const stderr = (line: string) => process.stderr.write(`${line}\n`);
const stdout = (line: string) => process.stdout.write(`${line}\n`);
const printJson = (value: unknown) => stdout(JSON.stringify(value, null, 2));

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
  datastorm consume --topic t --num-records 1000000 --driver platformatic
  datastorm consume --topic orders --num-records 20000 --schema-registry http://127.0.0.1:8081/apis/ccompat/v7
  datastorm consume --topic t --num-records 1000000 --share-group sg --workers 3 --release-rate 0.01

With --share-group, the workers are share consumers (KIP-932, Kafka 4.2 or newer) of that group, and the lines are
kafka-share-consumer-perf-test's (nMsg: records delivered, a redelivered one each time); the run ends once exactly
--num-records records are settled (accepted, or rejected), releases what it still holds, and checks each record's
deliveries and settling, and the fall of the group's lag on the broker. It sets the group's share.auto.offset.reset
(earliest; latest with --from-latest). The acknowledgement latency is per record, from the fetch that acquired it
to the broker's confirmation of its acknowledgement. datastorm lag --share-group follows the group's lag.`);
  addConsumeOptions(command, [...CONSUME_KEYS], { defaults: { group: [defaultConsumeGroup()] } });
  command.action(async (flags: ConsumeFlags) => {
    if (flags.shareGroup !== undefined) {
      await shareConsume(flags, command.getOptionValueSource('group') === 'cli');
      return;
    }
    const config = toConsumeConfig(flags);
    // As consumer-perf-test says it (on stdout there; here on stderr, which holds every note).
    if (flags.messages !== undefined) stderr('Warning: --messages is deprecated. Use --num-records instead.');
    noteDriver(config.driver);
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
    printConsumeReport(result, { out: process.stdout, err: process.stderr, json: flags.json }, flags);
    const interruptedLine = formatConsumeInterruptedLine({ interrupted, partial: result.partial, records: result.totals.records }, config.numRecords, config.group);
    if (interruptedLine) stderr(interruptedLine);
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
    const decodes = result.schemaRegistry;
    if (decodes && decodes.decoded < result.totals.records) {
      throw new DataStormError('DS_UNDECODABLE_VALUES', `${result.totals.records - decodes.decoded} of ${result.totals.records} values did not decode (see the schema registry line)`);
    }
  });
  return command;
}



/** `consume --share-group`: share-consumer-perf-test's lines as it goes and at the end, DataStorm's after them. */
async function shareConsume(flags: ConsumeFlags, groupGiven: boolean): Promise<void> {
  const config = toShareConsumeConfig(flags, groupGiven);
  if (flags.messages !== undefined) stderr('Warning: --messages is deprecated. Use --num-records instead.');
  const out = flags.json ? stderr : stdout;
  const progress = new ProgressLine();
  const { value: { result, failure }, interrupted } = await interruptible('releasing the records held and printing the partial report', (signal) =>
    resultOrFailure(runShareConsume(config, {
      signal,
      onStart: () => { if (!flags.hideHeader) out(SHARE_SUMMARY_HEADER); },
      onInterval: (interval) => { if (config.showDetailedStats) progress.print(formatShareIntervalLine(interval, flags.dateFormat), out); },
      onProgress: (settled, elapsedMs) => progress.show(formatProgress(settled, config.numRecords, elapsedMs)),
    })));
  progress.clear();
  printShareConsumeReport(result, { out: process.stdout, err: process.stderr, json: flags.json }, {
    showConsumerStats: flags.showConsumerStats || flags.printMetrics, dateFormat: flags.dateFormat,
  });
  if (result.partial) stderr(formatSharePartialLine(result.accounting.settled, config.numRecords, config.shareGroup, result.acknowledgements.released));
  if (failure) throw failure;
  if (!result.accounting.match) {
    throw new DataStormError('DS_ACCOUNTING_MISMATCH', 'the records settled and the share group\'s state on the broker disagree (see the accounting lines)');
  }
  if (interrupted) {
    process.exitCode = INTERRUPTED_EXIT_CODE;
    return;
  }
  if (result.timedOut) {
    throw new DataStormError('DS_CONSUME_TIMEOUT', `settled ${result.accounting.settled} of ${config.numRecords} records: none arrived for ${config.timeoutMs} ms`, {
      hint: `the topic had ${result.accounting.availableRecords} records past the share group's start; raise --timeout or produce more`,
    });
  }
}

export function endToEndCommand(): Command {
  const command = new Command('e2e')
    .description('produce at a steady rate while W consumers of one group read, and report produce→consume latency per record')
    .addHelpText('after', `
Latency is the consumer's clock minus the time the producer handed the record to the client: producer and
consumers run in this process and share its clock, so each record carries that time in µs in a header
(ds-created-us) and the resolution is 1 µs; a record without it (another producer's) is timed from its
CreateTime timestamp, whole milliseconds (1 ms). Consumers record into HDR histograms that are merged exactly. The group starts at the end of the topic and waits until it has settled before the
first send; --timeout is how long to wait, after the last send, for the consumers to read everything.

Example:
  datastorm e2e --topic e2e --rate 2000 --duration 30s --workers 2`);
  addConsumeOptions(command, ['topic', 'rate', 'duration', 'recordSize', 'compression', 'workers', 'group', 'fetchSize', 'partitions', 'replication', 'timeout',
    'driver', 'bootstrapServer', 'consumerConfig', 'commandConfig', 'commandProperty', 'fault', 'verify', 'json'], {
    required: ['topic'],
    defaults: { duration: [10_000, '10s'], group: [`datastorm-e2e-${randomInt(100_000)}`], timeout: [30_000] },
  });
  command.action(async (flags: EndToEndFlags) => {
    const config: EndToEndConfig = {
      ...consumersNoted(flags, flags.compression), topic: flags.topic, ratePerSec: flags.rate, durationMs: flags.duration,
      recordSizeBytes: flags.recordSize, compression: flags.compression, workers: flags.workers, group: flags.group,
      fetchSizeBytes: flags.fetchSize, partitions: flags.partitions, replication: flags.replication, drainTimeoutMs: flags.timeout,
      faults: flags.fault ?? [], ...(flags.verify ? { verify: true } : {}),
    };
    const { value: { result, failure }, interrupted } = await interruptible('reading, committing and accounting what was acknowledged, then the partial report',
      (signal) => resultOrFailure(runEndToEnd(config, { log: stderr, signal })));
    if (result.partial) stderr(formatEndToEndPartialLine(result));
    (flags.json ? stderr : stdout)(formatLatencyLine(result.latency));
    stderr(formatLatencyNote(result.latency));
    stderr(formatProducerLine(result));
    if (result.failedConsumers) stderr(formatFailedConsumers(result.failedConsumers, config.workers));
    stderr(formatAccountingLine(result));
    if (result.verification) for (const line of [formatVerificationLine(result.verification), ...formatVerificationDetails(result.verification)]) stderr(line);
    if (result.faults) for (const line of formatFaultLines(result.faults)) stderr(line);
    if (flags.json) printJson(result);
    if (failure) throw failure;
    const unverified = result.verification && verificationFailure(result.verification);
    if (unverified) throw unverified;
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



export function lagCommand(): Command {
  const command = new Command('lag')
    .description('sample a consumer group\'s or a share group\'s lag per partition over time; report its peak, drain rate and time to catch up, and chart it')
    .addHelpText('after', `
Lag = end offset − the group's committed offset, per partition (with no commit: every record still in the
log; --topic also watches a topic the group has not committed on yet). A share group's (--share-group) is the
brokers' own count: records past its start offset not yet acknowledged, in-flight ones too. Works for any
group, whoever created it. The drain rate is the fall in total lag per second from the peak (the last sample
at it) to the first sample back at 0; the time to catch up is from the peak to that sample. Ctrl-C stops early, still prints
the summary and writes the chart (--chart), and exits 130.

Example:
  datastorm lag --group g1 --interval 1 --duration 120 --chart lag.svg
  datastorm lag --share-group workers --topic jobs --duration 5m`);
  addConsumeOptions(command, ['group', 'lagShareGroup', 'topic', 'interval', 'duration', 'chart', 'bootstrapServer', 'commandConfig', 'commandProperty', 'json'], {
    defaults: { duration: [60_000, '60s'] },
  });
  command.action(async (flags: LagFlags) => {
    if (flags.interval > flags.duration) {
      throw new DataStormError('DS_BAD_OPTION', `--interval ${flags.interval / 1000} s is longer than --duration ${flags.duration / 1000} s: ` +
        'the lag would be sampled once, at the start', { hint: 'give a shorter --interval or a longer --duration' });
    }
    if ((flags.group === undefined) === (flags.shareGroup === undefined)) {
      throw new DataStormError('DS_BAD_OPTION', flags.group === undefined ? 'lag needs a group: --group ID (a consumer group) or --share-group ID'
        : '--group and --share-group name one group each: give one', { hint: 'datastorm lag --group g1, or datastorm lag --share-group workers' });
    }
    const config: LagConfig = {
      ...connectionOf(flags), group: (flags.group ?? flags.shareGroup)!, groupType: flags.group === undefined ? 'share' : 'consumer',
      intervalMs: flags.interval, durationMs: flags.duration,
      topics: flags.topic ? [flags.topic] : [],
    };
    const chartFile = flags.chart === undefined ? undefined : writablePath(flags.chart, '--chart', 'file');
    let shownPartitions: string | undefined;
    const { value: result, interrupted } = await interruptible('printing the summary of the samples taken', (signal) => runLag(config, (sample, previous) => {
      if (!previous && sample.partitions.length === 0) {
        stderr(config.groupType === 'share'
          ? `share group ${config.group} has not started on any partition (yet): its lag shows once its consumers fetch, or name a topic with --topic`
          : `group ${config.group} has no committed offsets (yet): its lag shows once it commits, or name a topic with --topic`);
      }
      if (partitionsKey(sample) !== shownPartitions) {
        shownPartitions = partitionsKey(sample);
        stderr(formatLagHeader(sample));
      }
      stderr(formatLagRow(sample, previous));
    }, signal));
    const table = createTable(lagTableHead(config.groupType), { colAligns: ['left', 'right', 'right', 'right', 'right', 'right'] });
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
  addConsumeOptions(command, ['topic', 'group', 'timeout', 'driver', 'bootstrapServer', 'commandConfig', 'commandProperty', 'json'], { required: ['topic', 'group'] });
  command.action(async (flags: ReplayFlags) => {
    const config: ReplayConfig = {
      ...consumersNoted(flags), topic: flags.topic, group: flags.group, timeoutMs: flags.timeout,
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
