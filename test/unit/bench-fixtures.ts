import type { RunConfig } from '../../src/produce/run-config.js';
import { createHistogram, encodeHistogram, recordLatencyUs, summarizeLatency } from '../../src/shared/histograms.js';
import { RESULT_SCHEMA_VERSION, type IntervalResult, type LatencyResult, type ProduceResult } from '../../src/produce/result.js';
import { PLAINTEXT } from '../../src/security/client-security.js';

/** Results built from known values, for the pure bench modules (compare, merge, reports). */
export const BASE_CONFIG: RunConfig = {
  topic: 'bench-t',
  numRecords: 1000,
  payload: { kind: 'avro', recordSizeBytes: 100 },
  throughputRps: -1,
  workers: 4,
  batchBytes: 65_536,
  lingerMs: 5,
  maxInFlight: 5,
  bufferMemoryBytes: 33_554_432,
  maxBlockMs: 60_000,
  compression: 'lz4',
  acks: -1,
  idempotent: false,
  partitions: 8,
  replication: 3,
  keys: 'none',
  warmupRecords: 0,
  reportingIntervalMs: 1000,
  sharedTopic: false,
  driver: 'kafkajs', queueTargetMs: 0, keyRange: 1024, zipfExponent: 1, faults: [], headers: [],
  producerProps: {}, security: PLAINTEXT,
};

export function latencyOf(valuesUs: number[]): LatencyResult {
  const histogram = createHistogram();
  for (const value of valuesUs) recordLatencyUs(histogram, value);
  return { ...summarizeLatency(histogram), histogram: encodeHistogram(histogram) };
}

/** A deterministic spread of latencies with a long tail (xorshift). */
export function latencies(seed: number, count: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    return Math.round(500 + 80_000 * ((x >>> 0) / 2 ** 32) ** 5);
  });
}

export interface FixtureOptions {
  records: number;
  latenciesUs: number[];
  startEpochMs?: number;
  durationMs?: number;
  payloadBytesPerRecord?: number;
  config?: Partial<RunConfig>;
  offsetsBefore?: number;
  /** Records acknowledged by other processes on the same topic while this one ran. */
  othersRecords?: number;
  intervals?: IntervalResult[];
  errors?: Record<string, number>;
  hostname?: string;
}

export function produceResult(options: FixtureOptions): ProduceResult {
  const startEpochMs = options.startEpochMs ?? 1_700_000_000_000;
  const durationMs = options.durationMs ?? 1000;
  const payloadBytes = options.records * (options.payloadBytesPerRecord ?? 100);
  const wireBytes = Math.round(payloadBytes / 2);
  const before = options.offsetsBefore ?? 0;
  const after = before + options.records + (options.othersRecords ?? 0);
  const latency = latencyOf(options.latenciesUs);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: 'datastorm',
    toolVersion: '0.1.0',
    startedAt: new Date(startEpochMs - 500).toISOString(),
    measuredWindow: { startEpochMs, endEpochMs: startEpochMs + durationMs },
    config: { ...BASE_CONFIG, ...options.config },
    machine: {
      hostname: options.hostname ?? 'host-a', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 2,
      totalMemoryBytes: 8 * 1024 ** 3, nodeVersion: 'v20.0.0',
    },
    buffers: { batchLimitBytes: 65_536, bufferBytes: 66_048, buffersPerWorker: 127 },
    values: { count: 1024, minBytes: 100, meanBytes: 100, maxBytes: 100 },
    cluster: { bootstrap: ['127.0.0.1:9092'], brokers: 4, embedded: false },
    totals: {
      records: options.records, payloadBytes, wireBytes, compressionRatio: 2, durationMs,
      recordsPerSec: options.records / (durationMs / 1000), mbPerSec: payloadBytes / 1024 / 1024 / (durationMs / 1000),
      errors: options.errors ?? {},
    },
    latency,
    intervals: options.intervals ?? [],
    workers: [{ workerId: 0, records: options.records, payloadBytes, wireBytes, requests: 10, errors: 0, bufferWaitMs: 0, latency }],
    accounting: {
      acknowledgedRecords: options.records, brokerOffsetGrowth: after - before, match: after - before === options.records,
      topicEndOffsetTotalBefore: before, topicEndOffsetTotalAfter: after,
    },
    process: { peakRssBytes: 200 * 1024 * 1024, cpuUserMs: 1500, cpuSystemMs: 250 },
    partial: false,
  };
}
