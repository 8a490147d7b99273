import { InvalidArgumentError, type Command } from 'commander';
import { bootstrapOrLocalCluster, parseBootstrap } from '../cluster/bootstrap.js';
import { randomInt } from 'node:crypto';
import { wholeNamePattern, type ConsumeConfig } from '../consume/consume.js';
import type { ShareConsumeConfig } from '../consume/share-consume.js';
import { ACK_MODES, type AckMode } from '../drivers/share-consumer.js';
import { checkDriverSupport } from '../drivers/driver-support.js';
import { DEFAULT_DRIVER, DRIVER_NAMES, describeDriverChoices, type DriverName } from '../drivers/driver-registry.js';
import { parseFaultPlan, type FaultStep } from '../faults/fault-plan.js';
import { parseCodec, type CodecName } from '../kafka/codecs.js';
import { checkTopicName } from '../kafka/topic.js';
import { KAFKA_DATE_FORMAT, parseDatePattern, type DatePattern } from '../report/java-format.js';
import { readClientProperties } from '../security/client-properties.js';
import type { ClientSecurity } from '../security/client-security.js';
import { isRegistryProperty, parseRegistrySettings, parseRegistryUrl, type RegistrySettings } from '../registry/registry-settings.js';
import { DataStormError } from '../shared/errors.js';
import { commanderOption, conflictingOptions, type OptionSpec } from './option-spec.js';
import { parseChoice, parseDurationMs, parseFraction, parseIntegerOption, parseSize } from './parse.js';

/**
 * The consuming side's options: `consume` (kafka-consumer-perf-test's flags), `e2e`, `lag` and `replay-check`, and the
 * connection options drain and http-produce share. Every option defined once; each command picks its own and may set
 * its own default.
 */
export const CONSUME_OPTIONS = {
  topic: { flags: '--topic <name>', description: 'the topic', parse: checkTopicName },
  numRecords: { flags: '--num-records <n>', description: 'records to consume: exactly this many are counted and committed',
    parse: parseIntegerOption('--num-records', 1) },
  messages: { flags: '--messages <n>', description: 'the same as --num-records (consumer-perf-test\'s deprecated name)',
    parse: parseIntegerOption('--messages', 1) },
  group: { flags: '--group <id>', description: 'consumer group', parse: parseGroupIdOf('--group', 'consumer group') },
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
  fault: { flags: '--fault <plan>', description: 'faults on the local cluster once the consumers start, e.g. \'kill-node 2 at 5s; start-node 2 at 15s\' or \'partition-node 2 at 5s for 20s\' (the kinds of produce --fault; kill-leader P names a partition of the topic read): the report adds the longest stall and the recovery (raise --timeout past the stall)',
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
  verify: { flags: '--verify', description: 'account for every record by identity: each produced record carries its sequence number in a header (ds-id), and the consumers\' reads are checked against what was acknowledged: records lost (acknowledged, never read), duplicated, reordered within a partition and in doubt (read, never acknowledged); lost or duplicated records fail the run',
    defaultValue: false },
  schemaRegistry: { flags: '--schema-registry <url>', description: 'decode every value counted in Confluent\'s wire format (byte 0, a 4-byte schema id, an Avro body) with the schema the registry has for its id, each id looked up once per consumer: the report counts values decoded, of an unknown id, that do not decode or are not framed, and the look-ups\' and decoding\'s time; credentials and TLS as Confluent\'s clients take them, among the client properties (basic.auth.user.info=user:password, schema.registry.ssl.*)',
    parse: parseRegistryUrl },
  shareGroup: { flags: '--share-group <id>', description: 'read as this share group (KIP-932, Kafka 4.2 or newer) instead of a consumer group: the workers are share consumers that acquire records and acknowledge each one; reports like kafka-share-consumer-perf-test (whose --group this is)',
    parse: parseGroupIdOf('--share-group', 'share group') },
  lagShareGroup: { flags: '--share-group <id>', description: 'a share group (KIP-932, Kafka 4.2 or newer) instead of a consumer group: its start offset per partition and the lag its brokers count (records past it not yet acknowledged, those in flight too)',
    parse: parseGroupIdOf('--share-group', 'share group') },
  ackMode: { flags: '--ack-mode <mode>', description: 'with --share-group: how acknowledgements travel, as Java\'s share.acknowledgement.mode: implicit (on the next ShareFetch to the same broker) or explicit (a ShareAcknowledge sent and awaited before the next fetch, as commitSync)',
    defaultValue: 'implicit', parse: parseChoice('--ack-mode', ACK_MODES) },
  releaseRate: { flags: '--release-rate <fraction>', description: 'with --share-group: release this fraction of the records on their first delivery (0.01: one in a hundred), so that the group delivers them again; a redelivered record is accepted',
    defaultValue: 0, parse: parseFraction('--release-rate', 'the records') },
  rejectRate: { flags: '--reject-rate <fraction>', description: 'with --share-group: reject this fraction of the records on their first delivery (archived: never delivered again, settled all the same)',
    defaultValue: 0, parse: parseFraction('--reject-rate', 'the records') },
  threads: { flags: '--threads <n>', description: 'with --share-group: the same as --workers (share-consumer-perf-test\'s name)', parse: parseIntegerOption('--threads', 1, 256) },
  showConsumerStats: { flags: '--show-consumer-stats', description: 'with --share-group: a line per share consumer before the group\'s (share-consumer-perf-test\'s flag)', defaultValue: false },
  printMetrics: { flags: '--print-metrics', description: 'print a row per consumer: records, MB, and their rates while it held partitions', defaultValue: false },
} satisfies Record<string, OptionSpec>;

export type ConsumeOptionKey = keyof typeof CONSUME_OPTIONS;

/** Adds the options named by keys; a command may make some mandatory or give them its own default ([value, how --help shows it]). */
export function addConsumeOptions(command: Command, keys: ConsumeOptionKey[], settings: { required?: ConsumeOptionKey[]; defaults?: Partial<Record<ConsumeOptionKey, [unknown, string?]>> } = {}): Command {
  for (const key of keys) {
    command.addOption(commanderOption(CONSUME_OPTIONS[key], { defaults: settings.defaults?.[key], required: settings.required?.includes(key) }));
  }
  return command;
}

export interface ConnectionFlags { bootstrapServer?: string; 'consumer.config'?: string; commandConfig?: string; commandProperty?: string[] }

/** The options that name the cluster and the client security, as the consuming commands take them (drain too). */
export function addConnectionOptions(command: Command): Command {
  return addConsumeOptions(command, ['bootstrapServer', 'consumerConfig', 'commandConfig', 'commandProperty']);
}

/** The cluster and the client security: --bootstrap-server, else the config file's bootstrap.servers, else the local cluster. */
export function connectionOf(flags: ConnectionFlags, schemaRegistry?: { url?: string }): { bootstrap: string[]; security: ClientSecurity; registry?: RegistrySettings } {
  const { security, bootstrapServers, otherProps } = readClientProperties([
    { flag: '--consumer.config', file: flags['consumer.config'] }, { flag: '--command-config', file: flags.commandConfig },
    { flag: '--command-property', lines: flags.commandProperty },
  ], schemaRegistry && { takes: isRegistryProperty, what: 'and the schema registry\'s (basic.auth.*, schema.registry.*)' });
  const registry = schemaRegistry && parseRegistrySettings(schemaRegistry.url, otherProps).settings;
  // As in produce: a flag and a property that name different clusters are an error, not a silent choice.
  if (flags.bootstrapServer !== undefined && bootstrapServers !== undefined
    && parseBootstrap(flags.bootstrapServer).join(',') !== parseBootstrap(bootstrapServers).join(',')) {
    throw conflictingOptions('--bootstrap-server', flags.bootstrapServer, 'bootstrap.servers', bootstrapServers);
  }
  return { bootstrap: bootstrapOrLocalCluster(flags.bootstrapServer ?? bootstrapServers), security, ...(registry ? { registry } : {}) };
}

/**
 * The connection and the Kafka client of a command's consumers; a client that cannot do what the run asks is refused
 * here, before any work.
 */
export function consumersOf(flags: ConnectionFlags & { driver: DriverName; fault?: FaultStep[] }, compression?: CodecName, schemaRegistry?: { url?: string }):
{ driver: DriverName; bootstrap: string[]; security: ClientSecurity; registry?: RegistrySettings } {
  const connection = connectionOf(flags, schemaRegistry);
  checkDriverSupport({ driver: flags.driver, compression, security: connection.security, consumersUnderFaults: (flags.fault?.length ?? 0) > 0 });
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

/** --num-records, or its old name --messages; both must agree (the CLI warns that --messages is deprecated). */
export function recordsToConsume(flags: { numRecords?: number; messages?: number }): number {
  const { numRecords, messages } = flags;
  if (numRecords !== undefined && messages !== undefined && numRecords !== messages) {
    throw new DataStormError('DS_BAD_OPTION', `--num-records ${numRecords} and --messages ${messages} disagree`, {
      hint: '--messages is consumer-perf-test\'s old name for --num-records: give one of them',
    });
  }
  const records = numRecords ?? messages;
  if (records === undefined) throw new DataStormError('DS_BAD_OPTION', 'how many records to consume: give --num-records (or --messages)');
  return records;
}

/** A group id Kafka accepts: not empty (the broker refuses "" for group operations). */
function parseGroupIdOf(flag: string, kind: string) {
  return (value: string): string => {
    if (value.trim() === '') throw new InvalidArgumentError(`${flag} takes a ${kind} id, not an empty one`);
    return value;
  };
}

export type ConsumeFlags = {
  topic?: string; include?: { include: string }; fromLatest: boolean; printMetrics: boolean; numRecords?: number; messages?: number; hideHeader: boolean; dateFormat?: DatePattern; group: string; fetchSize: number; timeout: number; showDetailedStats: boolean;
  reportingInterval: number; workers: number; bootstrapServer?: string; json: boolean; fault?: FaultStep[]; driver: DriverName; schemaRegistry?: string;
  shareGroup?: string; ackMode: AckMode; releaseRate: number; rejectRate: number; threads?: number; showConsumerStats: boolean;
} & ConnectionFlags;

export type EndToEndFlags = {
  topic: string; rate: number; duration: number; recordSize: number; compression: CodecName; workers: number; group: string; fetchSize: number;
  partitions: number; replication: number; timeout: number; bootstrapServer?: string; json: boolean; fault?: FaultStep[]; driver: DriverName;
  verify: boolean;
} & ConnectionFlags;

export type LagFlags = {
  group?: string; shareGroup?: string; topic?: string; interval: number; duration: number; chart?: string; bootstrapServer?: string; json: boolean;
} & ConnectionFlags;

export type ReplayFlags = { topic: string; group: string; timeout: number; bootstrapServer?: string; json: boolean; driver: DriverName } & ConnectionFlags;

/** The options of `consume`, in --help's order. */
export const CONSUME_KEYS = [
  'topic', 'include', 'numRecords', 'messages', 'group', 'fetchSize', 'timeout', 'showDetailedStats', 'reportingInterval', 'hideHeader',
  'dateFormat', 'fromLatest', 'printMetrics', 'socketBufferSize', 'workers', 'driver', 'bootstrapServer', 'consumerConfig', 'commandConfig',
  'commandProperty', 'schemaRegistry', 'fault', 'shareGroup', 'ackMode', 'releaseRate', 'rejectRate', 'threads', 'showConsumerStats', 'json',
] as const satisfies readonly ConsumeOptionKey[];

/** consume's options that say how its report prints, not what runs. */
export const CONSUME_OUTPUT_KEYS = ['hideHeader', 'dateFormat', 'printMetrics', 'showConsumerStats', 'json'] as const satisfies readonly ConsumeOptionKey[];

/** A group of its own for a run that names none, as consumer-perf-test makes one. */
export const defaultConsumeGroup = () => `perf-consumer-${randomInt(100_000)}`;

/** The share-group options given without --share-group: each is refused, not silently ignored. */
function shareOnlyFlags(flags: ConsumeFlags): string[] {
  return [
    flags.ackMode !== 'implicit' ? '--ack-mode' : '', flags.releaseRate > 0 ? '--release-rate' : '', flags.rejectRate > 0 ? '--reject-rate' : '',
    flags.threads !== undefined ? '--threads' : '', flags.showConsumerStats ? '--show-consumer-stats' : '',
  ].filter(Boolean);
}

/** The consume run the flags ask for; contradictions are refused here, before any work. */
export function toConsumeConfig(flags: ConsumeFlags): ConsumeConfig {
  if (flags.shareGroup !== undefined) throw new DataStormError('DS_BAD_OPTION', '--share-group runs share consumers: the share run\'s config is toShareConsumeConfig\'s');
  const shareOnly = shareOnlyFlags(flags);
  if (shareOnly.length > 0) {
    throw new DataStormError('DS_BAD_OPTION', `${shareOnly.join(', ')} ${shareOnly.length === 1 ? 'is' : 'are'} for share groups: give --share-group <id>`, {
      hint: 'a consumer group (--group) commits offsets; only a share group acknowledges record by record',
    });
  }
  const numRecords = recordsToConsume(flags);
  if ((flags.topic === undefined) === (flags.include === undefined)) {
    throw new DataStormError('DS_BAD_OPTION', 'give the topic with --topic or --include (one of them)');
  }
  const { registry, ...consumers } = consumersOf(flags, undefined, { url: flags.schemaRegistry });
  return {
    ...consumers, ...(registry ? { schemaRegistry: registry } : {}), topic: flags.topic ?? flags.include!, numRecords,
    group: flags.group, fetchSizeBytes: flags.fetchSize, timeoutMs: flags.timeout,
    showDetailedStats: flags.showDetailedStats, reportingIntervalMs: flags.reportingInterval, workers: flags.workers,
    faults: flags.fault ?? [], fromLatest: flags.fromLatest,
  };
}

/**
 * The share-group run the flags ask for (--share-group); contradictions are refused here, before any work. `groupGiven`:
 * whether --group was on the command line (a pasted share-consumer-perf-test command names its share group with it).
 */
export function toShareConsumeConfig(flags: ConsumeFlags, groupGiven: boolean): ShareConsumeConfig {
  const shareGroup = flags.shareGroup;
  if (shareGroup === undefined) throw new DataStormError('DS_BAD_OPTION', 'a share run needs --share-group <id>');
  const refuse = (message: string, hint: string) => new DataStormError('DS_BAD_OPTION', message, { hint });
  if (groupGiven) throw refuse('--group cannot be given with --share-group: it names a consumer group', 'share-consumer-perf-test\'s --group is --share-group here');
  if (flags.topic === undefined) throw refuse('a share run reads the topic given with --topic (not --include)', 'name the topic with --topic');
  if (flags.driver !== DEFAULT_DRIVER) throw refuse(`--driver ${flags.driver} cannot be given with --share-group`, 'share consumers speak the share-group protocol themselves: leave --driver out');
  if ((flags.fault?.length ?? 0) > 0) throw refuse('--fault cannot be given with --share-group', 'stop a node with `datastorm cluster stop-node` beside the run instead');
  // The share consumers count record batches without decoding their values: a registry's decoding would be ignored.
  if (flags.schemaRegistry !== undefined) throw refuse('--schema-registry cannot be given with --share-group: share consumers count records without decoding their values', 'decode the topic with a consumer group run: leave --share-group out');
  if (flags.releaseRate + flags.rejectRate > 1) throw refuse(`--release-rate ${flags.releaseRate} and --reject-rate ${flags.rejectRate} add up to more than 1`, 'give rates whose sum is at most 1');
  if (flags.threads !== undefined && flags.workers !== 1 && flags.threads !== flags.workers) {
    throw new DataStormError('DS_BAD_OPTION', `--threads ${flags.threads} and --workers ${flags.workers} disagree`, { hint: '--threads is share-consumer-perf-test\'s name for --workers: give one of them' });
  }
  return {
    ...connectionOf(flags), topic: flags.topic, shareGroup, numRecords: recordsToConsume(flags), fetchSizeBytes: flags.fetchSize, timeoutMs: flags.timeout,
    showDetailedStats: flags.showDetailedStats, reportingIntervalMs: flags.reportingInterval, workers: flags.threads ?? flags.workers,
    ackMode: flags.ackMode, releaseRate: flags.releaseRate, rejectRate: flags.rejectRate, fromLatest: flags.fromLatest,
  };
}
