import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { InvalidArgumentError, Option } from 'commander';
import { parseBootstrap } from '../cluster/bootstrap.js';
import { parseCodec } from '../kafka/codecs.js';
import type { RatePoint } from '../produce/rate-profile.js';
import type { RecordHeader } from '../kafka/record-batch.js';
import { parseHeader, runHeaders } from '../produce/record-headers.js';
import { DEFAULT_KEY_RANGE } from '../produce/record-placer.js';
import {
  BATCH_ENCODINGS, KEY_MODES, isPreEncoded, perRecordReason, type BatchEncoding, type PayloadSource, type ProduceRun, type RunConfig, type ValueRegistry,
} from '../produce/run-config.js';
import { SUBJECT_STRATEGIES, isRegistryProperty, parseRegistrySettings, parseRegistryUrl, type SubjectStrategy } from '../registry/registry-settings.js';
import { type Acks } from '../drivers/producer-driver.js';
import { DataStormError } from '../shared/errors.js';
import { describeStep, parseFaultPlan, type FaultStep } from '../faults/fault-plan.js';
import { checkTopicName } from '../kafka/topic.js';
import { readPropertiesFile, splitProperty } from '../shared/properties-file.js';
import { isSecurityProperty, parseClientSecurity } from '../security/client-security.js';
import { commanderOption, conflictingOptions, longFlag, type OptionSpec } from './option-spec.js';
import { DEFAULT_DRIVER, DRIVER_NAMES, describeDriverChoices, driverOf, driverThatCan } from '../drivers/driver-registry.js';
import { checkDriverSupport } from '../drivers/driver-support.js';
import { parseChoice, parseDurationMs, parseFraction, parseIntegerOption, parseSize, parseStartAt } from './parse.js';


const parseAcks = (value: string): Acks => {
  const acks = value === 'all' ? -1 : Number(value);
  if (acks !== -1 && acks !== 0 && acks !== 1) throw new InvalidArgumentError(`--acks takes all, -1, 0 or 1, not "${value}"`);
  return acks;
};
const parseThroughput = (value: string): number => {
  const rate = Number(value);
  if (!Number.isFinite(rate) || (rate <= 0 && rate !== -1)) {
    throw new InvalidArgumentError(`--throughput takes records per second (> 0), or -1 for no limit, not "${value}"`);
  }
  return rate === -1 ? -1 : Math.round(rate);
};

/** The driver pre-encoded batches need, one that sends batches as written, as --help and refusals name it. */
const AS_WRITTEN_DRIVER = driverThatCan((driver) => driver.takes === 'encoded').name;

/**
 * Every `produce` option, defined once: flag, help, default and parser. Kafka's kafka-producer-perf-test flags
 * are accepted as they are; the rest are DataStorm's. Other commands that run a produce load reuse this table.
 */
const PRODUCE_OPTION_TABLE = {
  topic: { flags: '--topic <name>', description: 'topic to produce to (created if missing)', defaultValue: 'datastorm-perf', parse: checkTopicName },
  topics: { flags: '--topics <names>', description: 'produce to several topics, e.g. a,b,c (each created if missing, with --partitions): record i goes to the i-th topic in turn, so they get the same number of records; the accounting is checked per topic',
    parse: parseTopicList },
  topicCount: { flags: '--topic-count <n>', description: 'produce to n topics named after --topic: <topic>-0 ... <topic>-<n-1> (as --topics)',
    parse: parseIntegerOption('--topic-count', 1, 1000) },
  driver: { flags: '--driver <client>', description: `Kafka client each worker sends with: ${describeDriverChoices('producer')}`,
    defaultValue: DEFAULT_DRIVER, parse: parseChoice('--driver', DRIVER_NAMES) },
  numRecords: { flags: '--num-records <n>', description: 'records to send in all (or use --duration)', defaultValue: 1_000_000,
    parse: parseIntegerOption('--num-records', 1) },
  duration: { flags: '--duration <time>', description: 'send for this long instead of a count (30s, 2m)',
    parse: (v) => parseDurationMs('--duration', v) },
  recordSize: { flags: '--record-size <bytes>', description: 'encoded size of each Avro value (default schema)', defaultValue: 250,
    parse: (v) => parseSize('--record-size', v) },
  payloadFile: { flags: '--payload-file <file>', description: 'send values read from this file instead of Avro events' },
  payloadDelimiter: { flags: '--payload-delimiter <text>', description: 'separator of values in --payload-file', defaultValue: '\\n' },
  payloadMonotonic: { flags: '--payload-monotonic', description: 'values are the record numbers 0, 1, 2, ... as text, each made as it is sent (perf-test\'s --payload-monotonic; across workers every number up to --num-records once)', defaultValue: false },
  schema: { flags: '--schema <file.avsc>', description: 'Avro schema of the values (default: a click event sized to --record-size)' },
  batchEncoding: { flags: '--batch-encoding <mode>', description: `how batches are made: pre-encoded (each batch copied from records encoded before the run, then checksummed and compressed as any producer does; a record costs about its copy; needs unkeyed records from the value pool, one topic and the ${AS_WRITTEN_DRIVER} driver), pre-encoded-reused (the same, but each batch length's checksum and compressed bytes are made once and reused: the most broker load per client core, the client's compression cost left out and batches starting at a few values only; named in every report), per-record (each record written into its batch as it is appended, the v4 path), or auto (pre-encoded whenever the run allows it)`,
    defaultValue: 'auto', parse: parseChoice('--batch-encoding', ['auto', ...BATCH_ENCODINGS]) },
  serializeOnSend: { flags: '--serialize-on-send', description: 'encode each Avro value as it is sent instead of once before the run (to measure what pre-serializing saves)', defaultValue: false },
  throughput: { flags: '--throughput <rps>', description: 'records per second for the whole run, -1 for no limit', defaultValue: -1,
    parse: parseThroughput },
  throughputProfile: { flags: '--throughput-profile <points>', description: 'a rate that changes over the run, all workers together: time:rate points from 0s, e.g. \'0s:1000,30s:50000,60s:50000,90s:0\' (straight lines between points, the last rate after the last point; two points at one time are a step: \'0s:1000,30s:1000,30s:5000\'); the window lines add the rate the profile asked for; latency is also measured from each record\'s intended time',
    parse: parseThroughputProfile },
  workers: { flags: '--workers <n>', description: 'workers, each with its own producer: a thread each up to the cores, then several to a thread', defaultValue: availableParallelism(),
    defaultDescription: `CPU cores: ${availableParallelism()}`, parse: parseIntegerOption('--workers', 1, 256) },
  batch: { flags: '--batch <bytes>', description: 'the most bytes a partition\'s batch holds (Kafka\'s batch.size; 16MB, 512KB): a batch leaves when its next record would not fit (smaller while requests queue at the brokers: --queue-target), when it has waited --linger, or at once when --buffer-memory is full',
    defaultValue: 512 * 1024, defaultDescription: '512KB', parse: (v) => parseSize('--batch', v) },
  linger: { flags: '--linger <ms>', description: 'a batch leaves once its first record has waited this long, full or not, even while the worker is busy appending (checked every 32 records); until a request slot is free it keeps taking records', defaultValue: 5,
    parse: parseIntegerOption('--linger', 0, 60_000) },
  queueTarget: { flags: '--queue-target <ms>', description: 'how long a batch may queue at the brokers beyond the quickest round trip each worker has seen lately: above it the worker closes smaller batches, below it larger ones up to --batch (so latency measures the cluster, not a full --buffer-memory); 0: batches always close at --batch or the worker\'s share of --buffer-memory, as in Kafka\'s producer',
    defaultValue: 50, parse: parseIntegerOption('--queue-target', 0, 60_000) },
  maxInFlight: { flags: '--max-in-flight <n>', description: 'produce requests each worker keeps in flight', defaultValue: 5,
    parse: parseIntegerOption('--max-in-flight', 1, 1000) },
  bufferMemory: { flags: '--buffer-memory <bytes>', description: 'memory for batches, all workers together (Kafka\'s buffer.memory): each worker writes its batches into its share and waits for acknowledgements when it is full',
    defaultValue: 32 * 1024 * 1024, defaultDescription: '32MB, Kafka\'s default', parse: (v) => parseSize('--buffer-memory', v) },
  maxBlock: { flags: '--max-block <ms>', description: 'how long a record may wait for buffer memory before it fails (Kafka\'s max.block.ms)', defaultValue: 60_000,
    parse: parseIntegerOption('--max-block', 0) },
  compression: { flags: '--compression <codec>', description: 'none, gzip, snappy, lz4 or zstd', defaultValue: 'none', parse: parseCodec },
  acks: { flags: '--acks <acks>', description: 'all (-1), 1 or 0', defaultValue: -1, defaultDescription: 'all', parse: parseAcks },
  idempotent: { flags: '--idempotent', description: 'idempotent producer: a retried send cannot write a record twice; one request in flight per broker (default, as Kafka\'s Java producer: on with --acks all, off with --acks 0 or 1)' },
  noIdempotent: { flags: '--no-idempotent', description: 'turn idempotence off (also enable.idempotence=false)' },
  partitions: { flags: '--partitions <n>', description: 'partitions of the topic when it is created', defaultValue: 8,
    parse: parseIntegerOption('--partitions', 1, 10_000) },
  replication: { flags: '--replication <n>', description: 'replication factor of the topic when it is created', defaultValue: 3,
    parse: parseIntegerOption('--replication', 1, 16) },
  keys: { flags: '--keys <mode>', description: 'record keys: none; round-robin (key-0, key-1, ... in turn over --message-key-range keys); random (uniform over them); zipf (skewed: the key of rank k has weight 1/(k+1)^--zipf-exponent); sequential (every record its own key, key-0 up to the run\'s last record); each record to the partition Java\'s partitioner gives its key (murmur2)', defaultValue: 'none',
    parse: parseChoice('--keys', KEY_MODES) },
  keyDistribution: { flags: '--key-distribution <mode>', description: 'the same as --keys, under KIP-1299\'s name: none, range (= round-robin), random, zipf, sequential',
    parse: parseKeyDistribution },
  messageKeyRange: { flags: '--message-key-range <n>', description: 'how many keys round-robin, random and zipf draw from (KIP-1299\'s flag; up to 100000: each worker holds them with their partitions)',
    defaultValue: DEFAULT_KEY_RANGE, parse: parseIntegerOption('--message-key-range', 1, 100_000) },
  zipfExponent: { flags: '--zipf-exponent <s>', description: 'the exponent of --keys zipf: 0 spreads keys evenly, 1 is Zipf\'s law (the top key gets 13% of the records), higher is more skewed',
    defaultValue: 1, parse: parseZipfExponent },
  header: { flags: '--header <key=value...>', description: 'a header every record carries (repeatable: --header trace=abc --header team=x); counted in the bytes on the wire, not in MB/s (values only, as perf-test)' },
  headers: { flags: '--headers <n>', description: 'this many generated headers on every record (header-0, header-1, ...), each value --header-size bytes', defaultValue: 0,
    parse: parseIntegerOption('--headers', 0, 1000) },
  headerSize: { flags: '--header-size <bytes>', description: 'bytes of each generated header\'s value (--headers)', defaultValue: 16,
    parse: (v) => parseSize('--header-size', v) },
  startAt: { flags: '--start-at <time>', description: 'a start barrier: prepare (topic, workers connected, values built), then start at this instant, an ISO time (2026-11-30T20:00:00Z) or a delay (+30s), so that shards on several machines start together; the result says how late the start was',
    parse: (v) => parseStartAt('--start-at', v) },
  warmupRecords: { flags: '--warmup-records <n>', description: 'records left out of the steady-state summary', defaultValue: 0,
    parse: parseIntegerOption('--warmup-records', 0) },
  reportingInterval: { flags: '--reporting-interval <ms>', description: 'how often to print a window line', defaultValue: 5000,
    parse: parseIntegerOption('--reporting-interval', 100) },
  fault: { flags: '--fault <plan>', description: 'faults on the local cluster during the run, e.g. \'kill-node 2 at 10s; start-node 2 at 25s\' or \'pause-node 2 at 5s for 15s\' (kill-node, stop-node, start-node, pause-node and partition-node N [for D], kill-controller, kill-leader P of the topic, restart-all; times since the start; a fault still on at the end is healed): the report adds when each happened, the longest stall, the recovery to the pre-fault rate',
    parse: (v) => parseFaultPlan(v) },
  transactionalId: { flags: '--transactional-id <id>', description: 'produce in transactions (perf-test\'s flag; also transactional.id): each worker\'s producer gets the id <id>-<worker> and commits every --transaction-duration-ms; needs --acks all and idempotence' },
  transactionDurationMs: { flags: '--transaction-duration-ms <ms>', description: 'how long each transaction stays open before it is committed (perf-test\'s flag); alone it turns transactions on with the id performance-producer-<uuid>',
    defaultDescription: '3000 with --transactional-id', parse: parseIntegerOption('--transaction-duration-ms', 1) },
  abortRate: { flags: '--abort-rate <fraction>', description: 'abort this fraction of the transactions instead of committing them, spread evenly (0.25: every 4th), to measure what aborted work costs: the report counts aborted records and abort time; read_committed consumers never see them',
    defaultValue: 0, parse: parseFraction('--abort-rate', 'the transactions') },
  verify: { flags: '--verify', description: 'account for every record by identity: each carries its worker and sequence number in a header (ds-id, 18 bytes a record), and after the run every partition of the run\'s topics is read back between its offsets before and after (read_committed with transactions): the report counts records lost (acknowledged, never read), duplicated, reordered (a worker\'s records out of order in a partition), in doubt (read, never acknowledged) and, with transactions, aborted ones visible; lost or duplicated records fail the run. The send\'s figures are the run\'s; reading back comes after them',
    defaultValue: false },
  sharedTopic: { flags: '--shared-topic', description: 'other processes produce to the topic too: the accounting is checked when their results are merged (datastorm merge)', defaultValue: false },
  producerProps: { flags: '--producer-props <prop=value...>', description: 'producer settings, as perf-test takes them (acks, batch.size, linger.ms, compression.type, ...; and security: security.protocol, ssl.*, sasl.*)' },
  producerConfig: { flags: '--producer.config <file>', description: 'producer settings from a properties file, e.g. the client-sasl-ssl.properties of `cluster up --security sasl_ssl` (security.protocol PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL, ssl.truststore.location (PEM), ssl.keystore.*, ssl.endpoint.identification.algorithm, sasl.mechanism PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER, sasl.jaas.config)' },
  commandProperty: { flags: '--command-property <prop=value...>', description: 'the same as --producer-props: Kafka 4.x\'s name for it (KIP-1147)' },
  commandConfig: { flags: '--command-config <file>', description: 'the same as --producer.config: Kafka 4.x\'s name for it (KIP-1147)' },
  bootstrapServer: { flags: '--bootstrap-server <hosts>', description: 'an external cluster (host:port,...); without it an embedded local cluster runs' },
  schemaRegistry: { flags: '--schema-registry <url>', description: 'a schema registry speaking Confluent\'s API (`datastorm registry up`: http://127.0.0.1:8081/apis/ccompat/v7): the run\'s Avro schema is registered under --subject-strategy\'s subject before the run, and every value framed in Confluent\'s wire format (byte 0, the schema id as 4 bytes, the Avro body), as part of the pre-serialized values (nothing added per record); credentials and TLS as Confluent\'s clients take them, among --producer-props / --producer.config: basic.auth.user.info=user:password, schema.registry.ssl.truststore.location (PEM), schema.registry.ssl.keystore.*',
    parse: parseRegistryUrl },
  subjectStrategy: { flags: '--subject-strategy <strategy>', description: 'the subject the schema is registered under, as Confluent\'s strategies name it: topic (<topic>-value), record (the record\'s full name), topic-record (<topic>-<full name>); also value.subject.name.strategy',
    defaultValue: 'topic', parse: parseChoice('--subject-strategy', SUBJECT_STRATEGIES) },
  noAutoRegister: { flags: '--no-auto-register', description: 'only look the schema up under its subject, never register it (auto.register.schemas=false): a schema the registry lacks is refused before the run' },
  schemaChange: { flags: '--schema-change <change>', description: 'change the values\' schema mid-run: \'v2.avsc at 30s\' checks v2.avsc\'s compatibility with the subject before the run (an incompatible schema is refused then), registers it at 30 s, and switches the values to it (records are then written one by one, each value framed with the id of its schema); the report says when',
    parse: parseSchemaChange },
} satisfies Record<string, OptionSpec>;

export type ProduceOptionKey = keyof typeof PRODUCE_OPTION_TABLE;
export const PRODUCE_OPTIONS: Record<ProduceOptionKey, OptionSpec> = PRODUCE_OPTION_TABLE;

export function produceOptions(): Option[] {
  return Object.values(PRODUCE_OPTIONS).map((spec) => commanderOption(spec));
}

/** What commander hands back for the table above. */
export interface ProduceFlags {
  topic: string;
  topics?: string[];
  topicCount?: number;
  driver: RunConfig['driver'];
  numRecords: number;
  duration?: number;
  recordSize: number;
  payloadFile?: string;
  payloadDelimiter: string;
  schema?: string;
  payloadMonotonic: boolean;
  batchEncoding: BatchEncoding | 'auto';
  serializeOnSend: boolean;
  throughput: number;
  throughputProfile?: RatePoint[];
  workers: number;
  batch: number;
  linger: number;
  maxInFlight: number;
  queueTarget: number;
  bufferMemory: number;
  maxBlock: number;
  compression: RunConfig['compression'];
  acks: Acks;
  /** undefined: as Kafka's Java producer, idempotent exactly when acks is all. */
  idempotent?: boolean;
  partitions: number;
  replication: number;
  keys: RunConfig['keys'];
  keyDistribution?: RunConfig['keys'];
  messageKeyRange: number;
  zipfExponent: number;
  header?: string[];
  headers: number;
  headerSize: number;
  startAt?: number;
  warmupRecords: number;
  reportingInterval: number;
  fault?: FaultStep[];
  verify: boolean;
  sharedTopic: boolean;
  transactionalId?: string;
  transactionDurationMs?: number;
  abortRate: number;
  producerProps?: string[];
  'producer.config'?: string;
  commandProperty?: string[];
  commandConfig?: string;
  bootstrapServer?: string;
  schemaRegistry?: string;
  subjectStrategy: SubjectStrategy;
  /** --no-auto-register: false; undefined (the library's default) or true: register. */
  autoRegister?: boolean;
  schemaChange?: { schemaFile: string; atMs: number };
}

/** Producer settings that map onto the run; any other is an error, never silently ignored. */
const PRODUCER_PROPS: Record<string, (flags: ProduceFlags, value: string) => void> = {
  'bootstrap.servers': (f, v) => { f.bootstrapServer = v; },
  acks: (f, v) => { f.acks = parseAcks(v); },
  'batch.size': (f, v) => { f.batch = parseSize('batch.size', v); },
  'linger.ms': (f, v) => { f.linger = parseIntegerOption('linger.ms', 0, 60_000)(v); },
  'compression.type': (f, v) => { f.compression = parseCodec(v); },
  'enable.idempotence': (f, v) => { f.idempotent = parseChoice('enable.idempotence', ['true', 'false'])(v) === 'true'; },
  'buffer.memory': (f, v) => { f.bufferMemory = parseSize('buffer.memory', v); },
  'max.block.ms': (f, v) => { f.maxBlock = parseIntegerOption('max.block.ms', 0)(v); },
  'max.in.flight.requests.per.connection': (f, v) => { f.maxInFlight = parseIntegerOption('max.in.flight.requests.per.connection', 1, 1000)(v); },
  'transactional.id': (f, v) => { f.transactionalId = v; },
  // Accepted for perf-test command lines; the client id is DataStorm's own per worker.
  'client.id': () => undefined,
};

/** The flag of an option, as typed: `--acks` of '--acks <acks>'. */
const flagOf = (key: keyof ProduceFlags) => longFlag((PRODUCE_OPTIONS as Record<string, OptionSpec>)[key]);

/**
 * Producer settings from --producer.config then --producer-props (a later one wins, as in Kafka's tools). A
 * property that sets what a flag the user typed also sets is an error naming both when they disagree: the run
 * must not silently do other than either says.
 */
function applyProducerProps(parsed: ProduceFlags, typed: (key: keyof ProduceFlags) => boolean): {
  flags: ProduceFlags; props: Record<string, string>; securityProps: Record<string, string>; registryProps: Record<string, string>;
} {
  // Files first, then properties (Kafka's order); the 4.x names (--command-config, --command-property) after the old ones.
  const fileLines = (file: string | undefined, flag: string) => (file ? readPropertiesFile(file, flag) : []);
  const lines = [
    ...fileLines(parsed['producer.config'], '--producer.config'), ...fileLines(parsed.commandConfig, '--command-config'),
    ...(parsed.producerProps ?? []), ...(parsed.commandProperty ?? []),
  ];
  const props: Record<string, string> = {};
  // Kept apart from the producer settings: they hold secrets, and the result shows producerProps.
  const securityProps: Record<string, string> = {};
  // The registry's client's, as Confluent's serializers take them among the producer's (basic.auth.user.info holds a secret).
  const registryProps: Record<string, string> = {};
  const merged = { ...parsed };
  for (const line of lines) {
    const [key, value] = splitProperty(line, 'producer property');
    if (isSecurityProperty(key)) {
      securityProps[key] = value;
      continue;
    }
    if (isRegistryProperty(key)) {
      registryProps[key] = value;
      continue;
    }
    const apply = PRODUCER_PROPS[key];
    if (!apply) {
      throw new DataStormError('DS_BAD_CLIENT_CONFIG', `producer property ${key} is not supported by DataStorm's kafkajs producer`, {
        hint: `supported: ${Object.keys(PRODUCER_PROPS).join(', ')}, security.protocol, ssl.*, sasl.*, and the schema registry's (basic.auth.*, schema.registry.*)`,
      });
    }
    props[key] = value;
    const before = { ...merged };
    apply(merged, value);
    for (const k of Object.keys(merged) as Array<keyof ProduceFlags>) {
      if (typed(k) && merged[k] !== before[k]) throw conflictingOptions(flagOf(k), String(parsed[k]), key, value);
    }
  }
  return { flags: merged, props, securityProps, registryProps };
}

function unescapeDelimiter(text: string): string {
  return text.replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\r/g, '\r');
}

export function payloadOf(flags: Pick<ProduceFlags, 'payloadMonotonic' | 'payloadFile' | 'payloadDelimiter' | 'recordSize' | 'schema' | 'serializeOnSend'>): PayloadSource {
  if (flags.payloadMonotonic) return { kind: 'monotonic' };
  if (flags.payloadFile) return { kind: 'file', path: flags.payloadFile, delimiter: unescapeDelimiter(flags.payloadDelimiter) };
  return { kind: 'avro', schemaFile: flags.schema, recordSizeBytes: flags.recordSize, serializeOnSend: flags.serializeOnSend };
}

/** '0s:1000,30s:50000,90s:0': points from 0 s, times rising, rates of 0 or more records per second. */
function parseThroughputProfile(value: string): RatePoint[] {
  const points = value.split(',').map((point) => {
    const [time, rate, extra] = point.trim().split(':');
    const recordsPerSec = Number(rate);
    if (extra !== undefined || time === undefined || rate === undefined || !Number.isFinite(recordsPerSec) || recordsPerSec < 0) {
      throw new InvalidArgumentError(`--throughput-profile takes time:rate points such as '0s:1000,30s:50000', not "${point.trim()}"`);
    }
    // parseDurationMs takes no zero: the start, 0s, is read here.
    return { atMs: /^0+(ms|s|m)?$/.test(time.trim()) ? 0 : parseDurationMs('--throughput-profile', time.trim()), recordsPerSec };
  });
  if (points[0].atMs !== 0) throw new InvalidArgumentError('--throughput-profile starts at 0s (its first point says the starting rate)');
  for (let i = 1; i < points.length; i++) {
    if (points[i].atMs < points[i - 1].atMs || (i > 1 && points[i].atMs === points[i - 2].atMs)) {
      throw new InvalidArgumentError('--throughput-profile\'s times must rise from one point to the next (two points at one time make a step)');
    }
  }
  return points;
}

/** KIP-1299's names: 'range' is DataStorm's round-robin. */
function parseKeyDistribution(value: string): RunConfig['keys'] {
  return value === 'range' ? 'round-robin' : parseChoice('--key-distribution', ['none', 'range', ...KEY_MODES.filter((m) => m !== 'none')])(value) as RunConfig['keys'];
}

/** The key mode from --keys or --key-distribution (one name for it each); the key range only where keys are drawn from it. */
function keysOf(flags: ProduceFlags, typed: (key: keyof ProduceFlags) => boolean): { keys: RunConfig['keys']; keyRange: number } {
  if (flags.keyDistribution !== undefined && typed('keys') && flags.keyDistribution !== flags.keys) {
    throw conflictingOptions('--keys', flags.keys, '--key-distribution', flags.keyDistribution);
  }
  const keys = flags.keyDistribution ?? flags.keys;
  if (typed('messageKeyRange') && (keys === 'none' || keys === 'sequential')) {
    throw new DataStormError('DS_BAD_OPTION', `--message-key-range sets how many keys round-robin, random and zipf draw from; the keys are ${keys}`, {
      hint: 'add --key-distribution range (or random, zipf)',
    });
  }
  return { keys, keyRange: flags.messageKeyRange };
}

function parseTopicList(value: string): string[] {
  const names = value.split(',').map((name) => checkTopicName(name.trim()));
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new InvalidArgumentError(`--topics names ${repeated} twice`);
  return names;
}

/**
 * The run's topics: --topics, --topic-count's names after --topic, or --topic alone. Transactions
 * and --shared-topic are not taken with several yet: their commit markers and merged results are counted per run,
 * not per topic.
 */
function topicsOfFlags(flags: ProduceFlags, typed: (key: keyof ProduceFlags) => boolean): string[] {
  if (flags.topics && (typed('topic') || flags.topicCount !== undefined)) {
    throw new DataStormError('DS_BAD_OPTION', '--topics names every topic: it excludes --topic and --topic-count', { hint: '--topic-count N names them after --topic' });
  }
  const topics = flags.topics ?? (flags.topicCount !== undefined ? Array.from({ length: flags.topicCount }, (_, i) => checkTopicName(`${flags.topic}-${i}`)) : [flags.topic]);
  if (topics.length > 1 && (flags.transactionalId !== undefined || flags.transactionDurationMs !== undefined || flags.sharedTopic)) {
    throw new DataStormError('DS_BAD_OPTION', 'several topics (--topics, --topic-count) do not take transactions or --shared-topic yet', {
      hint: 'their commit markers and merged results are counted for one topic',
    });
  }
  return topics;
}

function parseZipfExponent(value: string): number {
  const exponent = Number(value);
  if (!Number.isFinite(exponent) || exponent < 0 || exponent > 10) {
    throw new InvalidArgumentError(`--zipf-exponent takes a number from 0 to 10, not "${value}"`);
  }
  return exponent;
}

/** The headers of every record: the fixed ones (--header k=v) then the generated ones (--headers, --header-size). */
export function headersOf(flags: Pick<ProduceFlags, 'header' | 'headers' | 'headerSize'>, typed: (key: 'headerSize') => boolean): RecordHeader[] {
  if (typed('headerSize') && flags.headers === 0) {
    throw new DataStormError('DS_BAD_OPTION', '--header-size sizes the generated headers; there are none', { hint: 'add --headers N' });
  }
  const fixed = (flags.header ?? []).map((text) => {
    const header = parseHeader(text);
    if (!header) throw new DataStormError('DS_BAD_OPTION', `--header takes key=value, not "${text}"`);
    return header;
  });
  return runHeaders(fixed, flags.headers, flags.headerSize);
}

/** The default duration of a transaction when only an id is given, as in perf-test. */
const DEFAULT_TRANSACTION_DURATION_MS = 3000;

/**
 * Transactions as perf-test turns them on: by a transactional id (flag or transactional.id), a duration, or both;
 * undefined when neither is given. They need what Kafka's transactional producer needs: acks=all and idempotence.
 */
function transactionOf(flags: ProduceFlags): RunConfig['transaction'] {
  if (flags.transactionalId === undefined && flags.transactionDurationMs === undefined) {
    if (flags.abortRate > 0) {
      throw new DataStormError('DS_BAD_OPTION', '--abort-rate aborts transactions; this run has none', { hint: 'add --transactional-id ID or --transaction-duration-ms MS' });
    }
    return undefined;
  }
  if (flags.acks !== -1 || flags.idempotent === false) {
    throw new DataStormError('DS_BAD_OPTION', 'transactions (--transactional-id, --transaction-duration-ms) need --acks all and idempotence', {
      hint: 'leave out --acks and --no-idempotent (enable.idempotence=false): both are on by default',
    });
  }
  if (flags.transactionalId === '') throw new DataStormError('DS_BAD_OPTION', '--transactional-id is empty');
  if (!driverOf(flags.driver).transactions) {
    const transactional = driverThatCan((driver) => driver.transactions);
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--driver ${flags.driver} does not produce in transactions here`, {
      hint: `use --driver ${transactional.name}${transactional.isDefault ? ' (the default)' : ''}`,
    });
  }
  if (flags.sharedTopic) {
    throw new DataStormError('DS_BAD_OPTION', '--shared-topic does not take transactions yet: merged results do not count their commit markers');
  }
  return { id: flags.transactionalId ?? `performance-producer-${randomUUID()}`, durationMs: flags.transactionDurationMs ?? DEFAULT_TRANSACTION_DURATION_MS, abortRate: flags.abortRate };
}

/**
 * --throughput is split exactly across the workers, each pacing its share: a rate below the workers would give some a
 * share of 0, which a pacer reads as no limit at all (those workers would send as fast as they can).
 */
export function checkRatePerWorker(throughputRps: number, workers: number): void {
  if (throughputRps > 0 && throughputRps < workers) {
    throw new DataStormError('DS_BAD_OPTION', `--throughput ${throughputRps} is less than one record per second for each of the ${workers} workers`, {
      hint: `give --throughput ${workers} or more, or fewer --workers`,
    });
  }
}

/** The typed run from parsed flags; cross-option rules are checked here. */
export function toProduceRun(parsed: ProduceFlags, typed: (key: keyof ProduceFlags) => boolean): ProduceRun {
  const { flags, props, securityProps, registryProps } = applyProducerProps(parsed, typed);
  const security = parseClientSecurity(securityProps);
  if (typed('duration') && typed('numRecords')) {
    throw new DataStormError('DS_BAD_OPTION', '--num-records and --duration exclude each other', { hint: 'give one of them' });
  }
  if (flags.payloadFile && (typed('recordSize') || flags.schema || flags.serializeOnSend)) {
    throw new DataStormError('DS_BAD_OPTION', '--payload-file excludes --record-size, --schema and --serialize-on-send');
  }
  if (flags.payloadMonotonic && (flags.payloadFile || typed('recordSize') || flags.schema || flags.serializeOnSend)) {
    throw new DataStormError('DS_BAD_OPTION', '--payload-monotonic excludes --payload-file, --record-size, --schema and --serialize-on-send', {
      hint: 'its values are the record numbers as text: their size is their digits\'',
    });
  }
  if (flags.schema && typed('recordSize')) {
    throw new DataStormError('DS_BAD_OPTION', '--record-size sizes the default schema\'s events; a --schema\'s values are the size the schema makes them', {
      hint: 'leave out --record-size: the header states the values\' measured sizes',
    });
  }
  if (typed('payloadDelimiter') && !flags.payloadFile) {
    throw new DataStormError('DS_BAD_OPTION', '--payload-delimiter splits a --payload-file; there is none');
  }
  if (flags.payloadDelimiter === '') {
    throw new DataStormError('DS_BAD_OPTION', '--payload-delimiter is empty: the file would be split into 1-byte values', {
      hint: 'give the separator of the values, e.g. \'\\n\' (the default) or \',\'',
    });
  }
  if (flags.idempotent === true && flags.acks !== -1) {
    throw new DataStormError('DS_BAD_OPTION', 'idempotence (--idempotent or enable.idempotence=true) needs --acks all', {
      hint: 'idempotence is on by default with acks=all; leave it out to produce with --acks 0 or 1',
    });
  }
  if (flags.warmupRecords > 0 && flags.duration === undefined && flags.warmupRecords >= flags.numRecords) {
    throw new DataStormError('DS_BAD_OPTION', `--warmup-records ${flags.warmupRecords} leaves no records of --num-records ${flags.numRecords} to measure`);
  }
  checkRatePerWorker(flags.throughput, flags.workers);
  if (flags.throughputProfile && (typed('throughput') || flags.throughput > 0)) {
    throw new DataStormError('DS_BAD_OPTION', '--throughput and --throughput-profile exclude each other', { hint: 'a profile of one point, \'0s:RATE\', is a constant rate' });
  }
  if (flags.throughputProfile && flags.throughputProfile.at(-1)!.recordsPerSec === 0 && flags.duration === undefined) {
    throw new DataStormError('DS_BAD_OPTION', '--throughput-profile ends at rate 0: give --duration, or --num-records would never be reached', {
      hint: `e.g. --duration ${flags.throughputProfile.at(-1)!.atMs / 1000}s`,
    });
  }
  const late = flags.duration === undefined ? undefined : flags.fault?.find((step) => step.atMs >= flags.duration!);
  if (late) {
    throw new DataStormError('DS_BAD_OPTION', `--fault "${describeStep(late)}" is at or after the run's end (--duration ${flags.duration! / 1000} s): it would not happen`, {
      hint: 'time the faults within --duration',
    });
  }
  const { keys, keyRange } = keysOf(flags, typed);
  if (typed('zipfExponent') && keys !== 'zipf') {
    throw new DataStormError('DS_BAD_OPTION', `--zipf-exponent shapes --keys zipf; the keys are ${keys}`, { hint: 'add --keys zipf' });
  }
  checkDriverSupport({ driver: flags.driver, compression: flags.compression, security });
  const transaction = transactionOf(flags);
  const topics = topicsOfFlags(flags, typed);
  const config: RunConfig = {
    topic: topics[0],
    ...(topics.length > 1 ? { topics } : {}),
    driver: flags.driver,
    numRecords: flags.duration === undefined ? flags.numRecords : undefined,
    durationMs: flags.duration,
    payload: payloadOf(flags),
    throughputRps: flags.throughput,
    ...(flags.throughputProfile ? { throughputProfile: flags.throughputProfile } : {}),
    workers: flags.workers,
    batchBytes: flags.batch,
    lingerMs: flags.linger,
    maxInFlight: flags.maxInFlight,
    queueTargetMs: flags.queueTarget,
    bufferMemoryBytes: flags.bufferMemory,
    maxBlockMs: flags.maxBlock,
    compression: flags.compression,
    acks: flags.acks,
    idempotent: flags.idempotent ?? flags.acks === -1,
    partitions: flags.partitions,
    replication: flags.replication,
    keys,
    keyRange,
    zipfExponent: flags.zipfExponent,
    headers: headersOf(flags, typed),
    batchEncoding: 'per-record',
    warmupRecords: flags.warmupRecords,
    reportingIntervalMs: flags.reportingInterval,
    ...(flags.startAt !== undefined ? { startAtEpochMs: flags.startAt } : {}),
    faults: flags.fault ?? [],
    sharedTopic: flags.sharedTopic,
    ...(transaction ? { transaction } : {}),
    ...(flags.verify ? { verify: true } : {}),
    producerProps: props,
    security,
  };
  const schemaRegistry = valueRegistryOf(flags, registryProps, config, typed);
  if (schemaRegistry) config.schemaRegistry = schemaRegistry;
  config.batchEncoding = batchEncodingOf(flags.batchEncoding, config);
  if (config.verify) checkVerifiable(config);
  return { config, bootstrap: flags.bootstrapServer ? parseBootstrap(flags.bootstrapServer) : undefined };
}

/**
 * --schema-registry and what goes with it (the flags, or Confluent's properties: schema.registry.url,
 * value.subject.name.strategy, auto.register.schemas); a flag and a property that disagree are refused. Values of
 * the run's Avro schema only: other values have no schema to register.
 */
function valueRegistryOf(flags: ProduceFlags, registryProps: Record<string, string>, config: RunConfig,
  typed: (key: keyof ProduceFlags) => boolean): ValueRegistry | undefined {
  const { settings, choices } = parseRegistrySettings(flags.schemaRegistry, registryProps);
  const autoRegisterFlag = flags.autoRegister === false ? false : undefined;
  if (!settings) {
    const named = [typed('subjectStrategy') && '--subject-strategy', autoRegisterFlag === false && '--no-auto-register', flags.schemaChange && '--schema-change']
      .filter(Boolean);
    if (named.length > 0) throw new DataStormError('DS_BAD_OPTION', `${named.join(', ')} need${named.length === 1 ? 's' : ''} a schema registry`, { hint: 'add --schema-registry URL' });
    return undefined;
  }
  const payload = config.payload;
  if (payload.kind !== 'avro' || payload.serializeOnSend) {
    const what = payload.kind === 'file' ? '--payload-file' : payload.kind === 'monotonic' ? '--payload-monotonic' : '--serialize-on-send';
    throw new DataStormError('DS_BAD_OPTION', `--schema-registry frames the run's pre-serialized Avro values; ${what} makes other values`, {
      hint: `leave out ${what}`,
    });
  }
  if (config.topics) throw new DataStormError('DS_BAD_OPTION', '--schema-registry takes one topic (a subject is named after it)', { hint: 'leave out --topics and --topic-count' });
  if (typed('subjectStrategy') && choices.subjectStrategy !== undefined && choices.subjectStrategy !== flags.subjectStrategy) {
    throw conflictingOptions('--subject-strategy', flags.subjectStrategy, 'value.subject.name.strategy', registryProps['value.subject.name.strategy']);
  }
  if (autoRegisterFlag === false && choices.autoRegister === true) throw conflictingOptions('--no-auto-register', '', 'auto.register.schemas', 'true');
  if (flags.schemaChange && flags.duration !== undefined && flags.schemaChange.atMs >= flags.duration) {
    throw new DataStormError('DS_BAD_OPTION', `--schema-change at ${flags.schemaChange.atMs / 1000} s is at or after the run's end (--duration ${flags.duration / 1000} s): it would not happen`, {
      hint: 'time the change within --duration',
    });
  }
  return {
    settings,
    subjectStrategy: typed('subjectStrategy') ? flags.subjectStrategy : choices.subjectStrategy ?? flags.subjectStrategy,
    autoRegister: autoRegisterFlag ?? choices.autoRegister ?? true,
    ...(flags.schemaChange ? { schemaChange: flags.schemaChange } : {}),
  };
}

/** --schema-change: '<file.avsc> at <time>', the time since the run's start. */
function parseSchemaChange(value: string): { schemaFile: string; atMs: number } {
  const match = /^\s*(.+?)\s+at\s+(\S+)\s*$/.exec(value);
  if (!match) throw new InvalidArgumentError(`--schema-change takes '<file.avsc> at <time>', e.g. 'v2.avsc at 30s', not "${value}"`);
  return { schemaFile: match[1], atMs: parseDurationMs('--schema-change', match[2]) };
}

/** --batch-encoding: auto is pre-encoded unless the run needs its records written one by one (perRecordReason). */
function batchEncodingOf(asked: BatchEncoding | 'auto', config: RunConfig): BatchEncoding {
  const reason = perRecordReason(config);
  if (isPreEncoded(asked) && reason) {
    throw new DataStormError('DS_BAD_OPTION', `--batch-encoding ${asked} needs unkeyed records from the value pool, one topic and the ${AS_WRITTEN_DRIVER} driver; this run has ${reason}`, {
      hint: 'leave --batch-encoding out (auto) to write such records one by one',
    });
  }
  if (asked !== 'auto') return asked;
  return reason ? 'per-record' : 'pre-encoded';
}

/** What --verify cannot account for, refused in one line each. */
function checkVerifiable(config: RunConfig): void {
  if (config.sharedTopic) {
    throw new DataStormError('DS_BAD_OPTION', '--verify reads back a topic of the run\'s own: with --shared-topic other processes\' records carry the same identities', {
      hint: 'leave out --shared-topic, or --verify',
    });
  }
  if (config.batchEncoding === 'pre-encoded-reused') {
    throw new DataStormError('DS_BAD_OPTION', '--verify gives every record an identity of its own; --batch-encoding pre-encoded-reused sends the same bytes again', {
      hint: 'use --batch-encoding pre-encoded (the default), which writes each record\'s identity as it lays the batch',
    });
  }
  if (driverOf(config.driver).takes !== 'encoded') {
    throw new DataStormError('DS_UNSUPPORTED_BY_DRIVER', `--verify writes each record's identity into the batches it encodes; --driver ${config.driver} encodes its own`, {
      hint: `use --driver ${AS_WRITTEN_DRIVER}`,
    });
  }
}

/** The flags as they are when the user types none (for workload files and code that builds a run). */
export function defaultProduceFlags(): ProduceFlags {
  const defaults = Object.entries(PRODUCE_OPTIONS).filter(([, spec]) => spec.defaultValue !== undefined)
    .map(([key, spec]) => [key, spec.defaultValue]);
  return Object.fromEntries(defaults) as ProduceFlags;
}
