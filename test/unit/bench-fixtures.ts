import type { RunConfig } from '../../src/produce/run-config.js';
import { createHistogram, encodeHistogram, recordLatencyUs, summarizeLatency } from '../../src/shared/histograms.js';
import { RESULT_SCHEMA_VERSION, type IntervalResult, type LatencyResult, type ProduceResult } from '../../src/produce/result.js';
import { PLAINTEXT } from '../../src/security/client-security.js';
import { CAPACITY_SCHEMA_VERSION, type CapacityResult } from '../../src/capacity/run-capacity.js';
import type { CapacityStep } from '../../src/capacity/capacity-step.js';

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

export interface CapacityFixtureOptions {
  sustainableRps: number;
  ceilingRps?: number;
  /** The confirmation's p99; none: the search ran no confirmation. */
  confirmationP99Ms?: number;
  confidence?: CapacityResult['confidence'];
  notes?: string[];
  slo?: string;
  spec?: Partial<CapacityResult['spec']>;
  config?: Partial<RunConfig>;
}

/** A fixed-rate step of a search, its figures made up. */
export function capacityStep(phase: CapacityStep['phase'], rateRps: number, p99Ms: number): CapacityStep {
  return {
    phase, load: { kind: 'rate', rateRps }, durationMs: 8000, warmupMs: 3000, offeredRps: rateRps, achievedRps: rateRps,
    steadyMs: 5000, records: rateRps * 5, sloValuesMs: [p99Ms],
    latency: { p50Ms: p99Ms / 4, p99Ms, p999Ms: p99Ms * 2, avgMs: p99Ms / 3, maxMs: p99Ms * 3 },
    windows: [], acknowledgedRecords: rateRps * 8, failedRecords: 0, accountingMatch: true, backlogMaxRecords: 10, backlogEndRecords: 5, verdict: { outcome: 'meets' },
  };
}

/** A capacity search's result as `datastorm capacity --json` prints it, its figures made up. */
export function capacityResult(options: CapacityFixtureOptions): CapacityResult {
  const ceilingRps = options.ceilingRps ?? options.sustainableRps * 2;
  const confirmed = options.confirmationP99Ms !== undefined;
  return {
    schemaVersion: CAPACITY_SCHEMA_VERSION, command: 'capacity', startedAt: '2026-12-01T10:00:00.000Z', slo: options.slo ?? 'p99<=50ms',
    spec: { precision: 0.05, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5000, warmMs: 0, probeMs: 10_000, rampMs: 30_000, target: 'produce', keepTopic: false, settleMs: 120_000, ...options.spec },
    config: { ...BASE_CONFIG, ...options.config },
    cluster: { bootstrap: ['127.0.0.1:9092'], embedded: false, before: { topics: 3, records: 1000 }, topicDeleted: true },
    machine: {
      hostname: 'host-a', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 2, totalMemoryBytes: 8 * 1024 ** 3, nodeVersion: 'v20.0.0',
    },
    steps: [
      capacityStep('search', options.sustainableRps, 40),
      ...(confirmed ? [capacityStep('confirm', options.sustainableRps, options.confirmationP99Ms!)] : []),
    ],
    sustainableRps: options.sustainableRps, ceilingRps, ceilingReached: true, probeRps: ceilingRps * 1.1,
    bracket: { meetRps: options.sustainableRps, missRps: Math.round(options.sustainableRps * 1.04) },
    confidence: options.confidence ?? 'high', notes: options.notes ?? [], ended: 'done',
    ...(confirmed ? {
      confirmation: {
        rateRps: options.sustainableRps, achievedRps: options.sustainableRps, p99Ms: options.confirmationP99Ms!, sloValuesMs: [options.confirmationP99Ms!],
        meetsSlo: true, meetsRate: true,
      },
    } : {}),
    partial: false,
  };
}
