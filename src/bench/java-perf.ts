import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../run-spec/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { readClusterState } from '../cluster/launcher.js';
import { javaArgs, requireJava, resolveKafkaRuntime, type KafkaRuntime } from '../cluster/kafka-runtime.js';
import { DEFAULT_KAFKA_VERSION, formatProperties } from '../cluster/settings.js';
import { TOKEN_COMMAND } from '../security/client-security.js';

/**
 * Kafka's own ProducerPerformance (kafka-producer-perf-test) run with the settings of a DataStorm run, so the
 * two can be set side by side: the flags it takes, its summary line parsed, and one run of it measured.
 */
export const PRODUCER_PERFORMANCE_CLASS = 'org.apache.kafka.tools.ProducerPerformance';

const MIB = 1024 * 1024;
/** The Java producer's own default, kept as a floor so a small DataStorm batch never starves the Java side. */
const JAVA_DEFAULT_MAX_REQUEST_SIZE_BYTES = MIB;

const ACKS_PROPERTY: Record<RunConfig['acks'], string> = { [-1]: 'all', 0: '0', 1: '1' };

/** Properties RunConfig holds as typed fields: its value wins over the text the user wrote (e.g. batch.size=64KB). */
const TYPED_PROPS = new Set(['bootstrap.servers', 'acks', 'batch.size', 'linger.ms', 'compression.type', 'enable.idempotence', 'buffer.memory', 'max.block.ms']);

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
  for (const [key, value] of Object.entries(config.producerProps)) if (!TYPED_PROPS.has(key)) props[key] = value;
  return props;
}

/** ProducerPerformance has no duration: a timed run is only equivalent when a rate fixes its record count. */
export function javaRecordCount(config: RunConfig): number {
  if (config.numRecords !== undefined) return config.numRecords;
  if (config.throughputRps > 0 && config.durationMs !== undefined) {
    return Math.round((config.throughputRps * config.durationMs) / 1000);
  }
  throw new DataStormError('DS_JAVA_PERF_NEEDS_COUNT',
    'kafka-producer-perf-test needs a record count, and an unthrottled timed run has none', {
      hint: 'give the workload numRecords (or a throughputRps limit) to compare it with Java',
    });
}

/**
 * The run's security properties for the Java producer, as the user gave them: they go in a file passed with
 * --command-config, so no secret is on the command line (or in the args a result records).
 */
export function javaSecurityProperties(config: RunConfig): Record<string, string> {
  if (config.security.properties[TOKEN_COMMAND] !== undefined) {
    throw new DataStormError('DS_JAVA_PERF_SECURITY', `Kafka's Java producer cannot run ${TOKEN_COMMAND}`, {
      hint: 'give the OAUTHBEARER token as a file (sasl.oauthbearer.token.endpoint.url=file:/path) to compare with Java',
    });
  }
  return config.security.properties;
}

/** Where the Java tool's --command-config goes in args shown before the file exists. */
export const SECURITY_FILE_PLACEHOLDER = '<security properties>';

/**
 * The exact ProducerPerformance flags (Kafka 4.2+: --bootstrap-server, --command-property, --command-config)
 * for the run's settings; securityFile holds javaSecurityProperties when the run is secured.
 */
export function javaProducerPerfArgs(config: RunConfig, bootstrap: string[], securityFile = SECURITY_FILE_PLACEHOLDER): string[] {
  const payload = config.payload.kind === 'file'
    ? ['--payload-file', config.payload.path, '--payload-delimiter', config.payload.delimiter]
    : ['--record-size', String(config.payload.recordSizeBytes)];
  const props = Object.entries(javaProducerProps(config, bootstrap)).map(([key, value]) => `${key}=${value}`);
  return [
    '--bootstrap-server', bootstrap.join(','),
    '--topic', config.topic,
    '--num-records', String(javaRecordCount(config)),
    ...payload,
    '--throughput', String(config.throughputRps),
    ...(config.warmupRecords > 0 ? ['--warmup-records', String(config.warmupRecords)] : []),
    '--reporting-interval', String(config.reportingIntervalMs),
    ...(Object.keys(javaSecurityProperties(config)).length > 0 ? ['--command-config', securityFile] : []),
    '--command-property', ...props,
  ];
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
    throw new DataStormError('DS_JAVA_PERF_OUTPUT', 'kafka-producer-perf-test printed no summary line', {
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
  /** The JVM's own usage: peak resident set and CPU time, user and system. */
  process: { peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number; measuredBy: 'gnu-time' | 'proc-poll' };
}

const GNU_TIME = '/usr/bin/time';
/** Kafka's bin/kafka-producer-perf-test.sh heap and kafka-run-class.sh performance flags. */
const JVM_FLAGS = ['-Xmx512M', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent', '-Djava.awt.headless=true'];
const PROC_POLL_MS = 50;

function gnuTimeInstalled(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The jars of the running local cluster, else those of the Kafka release (KAFKA_HOME or the Maven cache). */
function kafkaRuntime(log: (line: string) => void): KafkaRuntime {
  const running = readClusterState();
  return running ? { version: running.kafkaVersion, libDir: running.libDir, source: running.source }
    : resolveKafkaRuntime(DEFAULT_KAFKA_VERSION, log);
}

/** Peak RSS and CPU ticks of a live process from /proc; VmHWM is the high-water mark, so the last read is the peak so far. */
function readProcUsage(pid: number): { peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15, in 1/100 s ticks (USER_HZ).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return { peakRssBytes: peakKb * 1024, cpuUserMs: Number(fields[11]) * 10, cpuSystemMs: Number(fields[12]) * 10 };
  } catch {
    return undefined;
  }
}

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
  const runtime = kafkaRuntime(log);
  const securityProps = javaSecurityProperties(config);
  const scratch = mkdtempSync(join(tmpdir(), 'datastorm-java-perf-'));
  const securityFile = join(scratch, 'security.properties');
  writeFileSync(securityFile, formatProperties(securityProps), { mode: 0o600 });
  const args = javaProducerPerfArgs(config, bootstrap, securityFile);
  const java = javaArgs(runtime, PRODUCER_PERFORMANCE_CLASS, args, JVM_FLAGS);
  const timed = gnuTimeInstalled();
  const timeFile = join(scratch, 'time.txt');
  const started = Date.now();
  const [command, commandArgs] = timed ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, 'java', ...java]] : ['java', java];
  // Its own process group, so a stop reaches the JVM and not only GNU time.
  const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });

  let polled = { peakRssBytes: 0, cpuUserMs: 0, cpuSystemMs: 0 };
  const poller = timed ? undefined : setInterval(() => {
    polled = readProcUsage(child.pid ?? -1) ?? polled;
  }, PROC_POLL_MS);
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
    const wallMs = Date.now() - started;
    if (exitCode !== 0) {
      throw new DataStormError('DS_JAVA_PERF_FAILED', `kafka-producer-perf-test exited with code ${exitCode}: ` +
        `${`${stderr}${stdout}`.trim().split('\n').slice(-3).join(' | ')}`, { hint: `it ran: java ${java.join(' ')}` });
    }
    const usage = timed ? parseGnuTime(readFileSync(timeFile, 'utf8')) : polled;
    return {
      summary: parseProducerPerfSummary(stdout),
      kafkaVersion: runtime.version,
      args,
      wallMs,
      process: { ...usage, measuredBy: timed ? 'gnu-time' : 'proc-poll' },
    };
  } finally {
    options.signal?.removeEventListener('abort', stop);
    if (poller) clearInterval(poller);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** GNU time's "-f '%M %U %S'": peak RSS in KiB, user and system CPU in seconds (a last line; any before it are its notes). */
export function parseGnuTime(text: string): { peakRssBytes: number; cpuUserMs: number; cpuSystemMs: number } {
  const last = text.trim().split('\n').at(-1) ?? '';
  const [peakKb, userSec, systemSec] = last.trim().split(/\s+/).map(Number);
  if (![peakKb, userSec, systemSec].every(Number.isFinite)) {
    throw new DataStormError('DS_JAVA_PERF_OUTPUT', `unexpected output of ${GNU_TIME}: "${last}"`);
  }
  return { peakRssBytes: peakKb * 1024, cpuUserMs: Math.round(userSec * 1000), cpuSystemMs: Math.round(systemSec * 1000) };
}
