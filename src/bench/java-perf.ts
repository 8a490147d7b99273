import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { toolRuntime } from '../cluster/launcher.js';
import { javaArgs, requireJava } from '../cluster/kafka-runtime.js';
import { formatProperties } from '../cluster/settings.js';
import { isAtLeast, kafkaRelease, type KafkaReleaseLine } from '../kafka/kafka-releases.js';
import { TOKEN_COMMAND } from '../security/client-security.js';
import { referenceRecordCount, runMeasured, untypedProducerProps, type MeasuredRun } from './reference-tool.js';

/**
 * Kafka's own ProducerPerformance (kafka-producer-perf-test) run with the settings of a DataStorm run, so the
 * two can be set side by side: the flags it takes, its summary line parsed, and one run of it measured.
 */
export const PRODUCER_PERFORMANCE_CLASS = 'org.apache.kafka.tools.ProducerPerformance';

const JAVA_TOOL = { name: 'kafka-producer-perf-test', vs: 'Java' };

const MIB = 1024 * 1024;
/** The Java producer's own default, kept as a floor so a small DataStorm batch never starves the Java side. */
const JAVA_DEFAULT_MAX_REQUEST_SIZE_BYTES = MIB;

const ACKS_PROPERTY: Record<RunConfig['acks'], string> = { [-1]: 'all', 0: '0', 1: '1' };

/** The producer properties equivalent to the run's settings, then the run's other producerProps unchanged. */
export function javaProducerProps(config: RunConfig, bootstrap: string[]): Record<string, string> {
  const props: Record<string, string> = {
    'bootstrap.servers': bootstrap.join(','),
    acks: ACKS_PROPERTY[config.acks],
    'batch.size': String(config.batchBytes),
    'linger.ms': String(config.lingerMs),
    'compression.type': config.compression,
    'max.request.size': String(Math.max(JAVA_DEFAULT_MAX_REQUEST_SIZE_BYTES, config.batchBytes)),
    'buffer.memory': String(config.bufferMemoryBytes),
    'max.block.ms': String(config.maxBlockMs),
    'enable.idempotence': String(config.idempotent),
  };
  for (const [key, value] of untypedProducerProps(config)) props[key] = value;
  return props;
}

/**
 * The run's security properties for the Java producer, as the user gave them: they go in a file passed with
 * --command-config, so no secret is on the command line (or in the args a result records).
 */
export function javaSecurityProperties(config: RunConfig): Record<string, string> {
  if (config.security.properties[TOKEN_COMMAND] !== undefined) {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `Kafka's Java producer cannot run ${TOKEN_COMMAND}`, {
      hint: 'give the OAUTHBEARER token as a file (sasl.oauthbearer.token.endpoint.url=file:/path) to compare with Java',
    });
  }
  return config.security.properties;
}

/** Where the Java tool's --command-config goes in args shown before the file exists. */
export const SECURITY_FILE_PLACEHOLDER = '<security properties>';

/**
 * The exact ProducerPerformance flags of a release line for the run's settings; securityFile holds
 * javaSecurityProperties when the run is secured. Kafka 4.2 gave the tool the other tools' names (--bootstrap-server,
 * --command-property, --command-config: KIP-1147) and --warmup-records and --reporting-interval; 3.9 to 4.1 take
 * bootstrap.servers among --producer-props, a --producer.config file, and have neither of the other two.
 */
export function javaProducerPerfArgs(config: RunConfig, bootstrap: string[], line: KafkaReleaseLine, securityFile = SECURITY_FILE_PLACEHOLDER): string[] {
  const named = isAtLeast(line, '4.2');
  if (!named && config.warmupRecords > 0) {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `Kafka ${line}'s kafka-producer-perf-test has no --warmup-records (Kafka 4.2 added it)`, {
      hint: 'leave the warm-up out (warmup-records 0), or compare with Java on a cluster of Kafka 4.2 or later',
    });
  }
  const payload = config.payload.kind === 'file' ? ['--payload-file', config.payload.path, '--payload-delimiter', config.payload.delimiter]
    : config.payload.kind === 'monotonic' ? ['--payload-monotonic'] : ['--record-size', String(config.payload.recordSizeBytes)];
  const props = Object.entries(javaProducerProps(config, bootstrap)).map(([key, value]) => `${key}=${value}`);
  return [
    ...(named ? ['--bootstrap-server', bootstrap.join(',')] : []),
    '--topic', config.topic,
    '--num-records', String(referenceRecordCount(config, JAVA_TOOL)),
    ...payload,
    '--throughput', String(config.throughputRps),
    ...(config.warmupRecords > 0 ? ['--warmup-records', String(config.warmupRecords)] : []),
    // One Java producer: the run's id as it is (DataStorm's workers add -<worker> to it).
    ...(config.transaction ? ['--transactional-id', config.transaction.id, '--transaction-duration-ms', String(config.transaction.durationMs)] : []),
    ...(named ? ['--reporting-interval', String(config.reportingIntervalMs)] : []),
    ...(Object.keys(javaSecurityProperties(config)).length > 0 ? [named ? '--command-config' : '--producer.config', securityFile] : []),
    named ? '--command-property' : '--producer-props', ...props,
  ];
}

/** The release line of the jars Kafka's tools run from (the local cluster's, else the default release's). */
export function javaToolLine(log: (line: string) => void = () => undefined): KafkaReleaseLine {
  return kafkaRelease(toolRuntime(undefined, log).version).line;
}

export interface ProducerPerfSummary {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  avgLatencyMs: number;
  maxLatencyMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
}

// "%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, ..."
// With --warmup-records a second line follows, "%d steady state records sent, ...".
const NUMBER = '([0-9]+(?:\\.[0-9]+)?)';
const SUMMARY_LINE = new RegExp(
  `^([0-9]+)( steady state)? records sent, ${NUMBER} records/sec \\(${NUMBER} MB/sec\\), ${NUMBER} ms avg latency, ` +
  `${NUMBER} ms max latency, ([0-9]+) ms 50th, ([0-9]+) ms 95th, ([0-9]+) ms 99th, ([0-9]+) ms 99\\.9th\\.$`,
);

/** The summary (and, after a warmup, the steady-state summary) that ProducerPerformance prints at the end. */
export function parseProducerPerfSummary(stdout: string): ProducerPerfSummary & { steadyState?: ProducerPerfSummary } {
  let summary: ProducerPerfSummary | undefined;
  let steadyState: ProducerPerfSummary | undefined;
  for (const line of stdout.split('\n')) {
    const match = SUMMARY_LINE.exec(line.trim());
    if (!match) continue;
    const [records, recordsPerSec, mbPerSec, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms] =
      [match[1], ...match.slice(3)].map(Number);
    const parsed = { records, recordsPerSec, mbPerSec, avgLatencyMs, maxLatencyMs, p50Ms, p95Ms, p99Ms, p999Ms };
    if (match[2]) steadyState = parsed;
    else summary = parsed;
  }
  if (!summary) {
    throw new DataStormError('DS_TOOL_OUTPUT', 'kafka-producer-perf-test printed no summary line', {
      hint: `its output ended with: ${stdout.trim().split('\n').slice(-2).join(' | ') || '(nothing)'}`,
    });
  }
  return steadyState ? { ...summary, steadyState } : summary;
}

export interface JavaProducerPerfRun {
  summary: ProducerPerfSummary & { steadyState?: ProducerPerfSummary };
  kafkaVersion: string;
  args: string[];
  wallMs: number;
  /** The JVM's own usage. */
  process: MeasuredRun['process'];
}

/** Kafka's bin/kafka-producer-perf-test.sh heap and kafka-run-class.sh performance flags. */
const JVM_FLAGS = ['-Xmx512M', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent', '-Djava.awt.headless=true'];

/**
 * Runs ProducerPerformance once from the cluster's jars and returns its summary and the JVM's peak RSS and CPU
 * time: exact from GNU time when installed, else polled from /proc until the JVM exits.
 */
export async function runJavaProducerPerf(
  config: RunConfig,
  bootstrap: string[],
  options: { log?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<JavaProducerPerfRun> {
  const log = options.log ?? (() => undefined);
  requireJava();
  const runtime = toolRuntime(undefined, log);
  const securityProps = javaSecurityProperties(config);
  const scratch = mkdtempSync(join(tmpdir(), 'datastorm-java-perf-'));
  try {
    const securityFile = join(scratch, 'security.properties');
    writeFileSync(securityFile, formatProperties(securityProps), { mode: 0o600 });
    const args = javaProducerPerfArgs(config, bootstrap, kafkaRelease(runtime.version).line, securityFile);
    const java = javaArgs(runtime, PRODUCER_PERFORMANCE_CLASS, args, JVM_FLAGS);
    const run = await runMeasured('java', java, JAVA_TOOL.name, options.signal);
    return { summary: parseProducerPerfSummary(run.stdout), kafkaVersion: runtime.version, args, wallMs: run.wallMs, process: run.process };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
