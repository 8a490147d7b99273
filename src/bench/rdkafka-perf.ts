import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { createHistogram, recordLatencyUs, summarizeLatency, type LatencySummaryUs } from '../shared/histograms.js';
import { rdkafkaPerformance, rdkafkaPerformancePath } from './librdkafka-build.js';
import { referenceRecordCount, runMeasured, untypedProducerProps, type MeasuredRun } from './reference-tool.js';

/**
 * librdkafka's own perf tool (examples/rdkafka_performance) run with the settings of a DataStorm run, beside
 * Kafka's Java tool (java-perf.ts): the flags it takes, its summary line parsed, and one run of it measured.
 */
const RDKAFKA_TOOL = { name: 'rdkafka_performance', vs: 'librdkafka' };

const MIB = 1024 * 1024;
/** The floor of message.max.bytes, as java-perf.ts keeps for max.request.size: a batch always fits a request. */
const MIN_MESSAGE_MAX_BYTES = MIB;
/** batch.num.messages' maximum: a batch is bounded by batch.size alone, as in Java (librdkafka's default caps it at 10,000 records). */
const MAX_BATCH_MESSAGES = 1_000_000;

/** Where -A's latency file goes in args shown before it exists. */
export const LATENCY_FILE_PLACEHOLDER = '<latency file>';

/**
 * The librdkafka properties equivalent to the run's settings, then the run's other producerProps unchanged (a name
 * librdkafka does not know fails the tool with its own message). The queue is bounded by bytes only, as Java's
 * buffer.memory; no property matches max.block.ms (the tool retries a full queue until it has room).
 */
export function rdkafkaProducerProps(config: RunConfig): Record<string, string> {
  const props: Record<string, string> = {
    acks: String(config.acks),
    'batch.size': String(config.batchBytes),
    'batch.num.messages': String(MAX_BATCH_MESSAGES),
    'linger.ms': String(config.lingerMs),
    'message.max.bytes': String(Math.max(MIN_MESSAGE_MAX_BYTES, config.batchBytes)),
    'queue.buffering.max.kbytes': String(Math.max(1, Math.floor(config.bufferMemoryBytes / 1024))),
    'queue.buffering.max.messages': '0',
    'max.in.flight.requests.per.connection': String(config.maxInFlight),
    'enable.idempotence': String(config.idempotent),
  };
  for (const [key, value] of untypedProducerProps(config)) if (!(key in props)) props[key] = value;
  return props;
}

/**
 * The exact rdkafka_performance flags for the run's settings. With a latency file (-l -A), each value carries
 * its send time and is copied into librdkafka's queue, as an application's would be; without one the tool sends
 * one shared buffer with no copy and measures no latency (latencyFile false).
 */
export function rdkafkaPerfArgs(config: RunConfig, bootstrap: string[], latencyFile: string | false = LATENCY_FILE_PLACEHOLDER): string[] {
  if (config.payload.kind !== 'avro') {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', 'rdkafka_performance sends values of one size: no payload file, no monotonic values', {
      hint: 'compare a payload file with --vs java, or give the workload a record-size',
    });
  }
  if (config.transaction) {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', 'rdkafka_performance does not produce in transactions', {
      hint: 'compare transactions with --vs java (perf-test\'s --transactional-id)',
    });
  }
  if (config.security.protocol !== 'PLAINTEXT') {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `the librdkafka comparison runs on PLAINTEXT listeners, not ${config.security.protocol}`, {
      hint: 'compare a secured cluster with --vs java',
    });
  }
  const rate = config.throughputRps > 0 ? ['-r', String(config.throughputRps)] : [];
  const props = Object.entries(rdkafkaProducerProps(config)).flatMap(([key, value]) => ['-X', `${key}=${value}`]);
  return [
    '-P',
    '-t', config.topic,
    '-b', bootstrap.join(','),
    '-s', String(config.payload.recordSizeBytes),
    '-c', String(referenceRecordCount(config, RDKAFKA_TOOL)),
    ...rate,
    '-z', config.compression,
    ...props,
    ...(latencyFile === false ? [] : ['-l', '-A', latencyFile]),
  ];
}

export interface RdkafkaPerfSummary {
  produced: number;
  delivered: number;
  failed: number;
  recordsPerSec: number;
  /** MiB/s, as Kafka's tools and DataStorm count it (the tool prints 10^6 bytes/s). */
  mbPerSec: number;
  elapsedMs: number;
  /** Produce calls refused with a full queue and retried: back-pressure, not failures. */
  backpressures: number;
  codec: string;
}

// print_stats' summary: "% %lu messages produced (%lu bytes), %lu delivered (offset %ld, %lu failed) in %lums:
// %lu msgs/s and %.02f MB/s, %lu produce failures, %i in queue, %s compression". It prints one a second; the last is final.
const SUMMARY_LINE = /^% (\d+) messages produced \((\d+) bytes\), (\d+) delivered \(offset -?\d+, (\d+) failed\) in (\d+)ms: (\d+) msgs\/s and (\d+\.\d+) MB\/s, (\d+) produce failures, \d+ in queue, (\S+) compression$/;

/** The last summary line rdkafka_performance printed. */
export function parseRdkafkaPerfSummary(stdout: string): RdkafkaPerfSummary {
  const match = stdout.split('\n').map((line) => SUMMARY_LINE.exec(line.trim())).filter((m) => m !== null).at(-1);
  if (!match) {
    throw new DataStormError('DS_TOOL_OUTPUT', 'rdkafka_performance printed no summary line', {
      hint: `its output ended with: ${stdout.trim().split('\n').slice(-2).join(' | ') || '(nothing)'}`,
    });
  }
  const [produced, , delivered, failed, elapsedMs, recordsPerSec, megabytesPerSec, backpressures] = match.slice(1, 9).map(Number);
  return {
    produced, delivered, failed, recordsPerSec, elapsedMs, backpressures, codec: match[9],
    mbPerSec: (megabytesPerSec * 1e6) / MIB,
  };
}

/** The latencies -A writes, one per delivered record in microseconds, summarised as DataStorm summarises its own. */
export function summarizeLatencyFile(text: string): LatencySummaryUs {
  const histogram = createHistogram();
  for (const line of text.split('\n')) if (line !== '') recordLatencyUs(histogram, Number(line));
  return summarizeLatency(histogram);
}

export interface RdkafkaPerfRun {
  summary: RdkafkaPerfSummary;
  /** Send-to-delivery-report latency of every record; absent when run without latency measurement. */
  latency?: LatencySummaryUs;
  wallMs: number;
  process: MeasuredRun['process'];
}

type RunOptions = { log?: (line: string) => void; signal?: AbortSignal };

/**
 * The tool's exact flags for a run, after the tool (built now if no cached one exists) has accepted them: its -X
 * dump sets every property and exits without connecting, so a property librdkafka does not know or a codec left
 * out at build time fails before anything runs.
 */
export async function prepareRdkafkaPerf(config: RunConfig, bootstrap: string[], options: RunOptions = {}): Promise<string[]> {
  const args = rdkafkaPerfArgs(config, bootstrap);
  const binary = await rdkafkaPerformance(options);
  const dump = spawnSync(binary, [...rdkafkaPerfArgs(config, bootstrap, false), '-X', 'dump'], { encoding: 'utf8' });
  if (dump.status !== 0) {
    const refusal = `${dump.stderr}${dump.stdout}`.trim().split('\n').at(-1)?.replace(/^% /, '') ?? '';
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `librdkafka refuses the run's settings: ${refusal}`, {
      hint: 'librdkafka names its properties in its CONFIGURATION.md (leave Java-only ones out); a codec left out at build ' +
        `time needs its headers (e.g. libzstd-dev) and a rebuild: delete ${dirname(rdkafkaPerformancePath())}`,
    });
  }
  return args;
}

/**
 * Runs rdkafka_performance once (building it first if no cached binary exists) and returns its summary, its
 * records' latency (unless `latency: false`) and its process's peak RSS and CPU time. The tool has no warmup:
 * its figures are of the whole run. A run with failed deliveries is no benchmark and fails.
 */
export async function runRdkafkaPerf(config: RunConfig, bootstrap: string[], options: RunOptions & { latency: false }): Promise<RdkafkaPerfRun>;
export async function runRdkafkaPerf(config: RunConfig, bootstrap: string[], options?: RunOptions): Promise<RdkafkaPerfRun & { latency: LatencySummaryUs }>;
export async function runRdkafkaPerf(
  config: RunConfig,
  bootstrap: string[],
  options: RunOptions & { latency?: false } = {},
): Promise<RdkafkaPerfRun> {
  const binary = await rdkafkaPerformance({ log: options.log, signal: options.signal });
  const scratch = mkdtempSync(join(tmpdir(), 'datastorm-rdkafka-perf-'));
  try {
    const latencyFile = options.latency === false ? false : join(scratch, 'latency.txt');
    const args = rdkafkaPerfArgs(config, bootstrap, latencyFile);
    const run = await runMeasured(binary, args, RDKAFKA_TOOL.name, options.signal);
    const summary = parseRdkafkaPerfSummary(run.stdout);
    if (summary.failed > 0 || summary.delivered < summary.produced) {
      throw new DataStormError('DS_TOOL_FAILED', `rdkafka_performance delivered ${summary.delivered} of ` +
        `${summary.produced} records (${summary.failed} failed)`, { hint: `it ran: ${binary} ${args.join(' ')}` });
    }
    return {
      summary,
      ...(latencyFile ? { latency: summarizeLatencyFile(readFileSync(latencyFile, 'utf8')) } : {}),
      wallMs: run.wallMs,
      process: run.process,
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
