import type { MeasuredPoint } from '../../src/analysis/run-point.js';
import type { AnalysisRun } from '../../src/analysis/run-analysis.js';
import type { RunConfig } from '../../src/produce/run-config.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../../src/shared/histograms.js';
import { RESULT_SCHEMA_VERSION, type MachineInfo } from '../../src/produce/result.js';
import { PLAINTEXT } from '../../src/security/client-security.js';

/** Measured points and runs built from round figures, for the pure analysis modules' exact-string tests. */
export const MACHINE: MachineInfo = {
  hostname: 'bench-1', platform: 'linux', arch: 'x64', cpuModel: 'Test CPU', cpuCount: 2,
  totalMemoryBytes: 8 * 1024 ** 3, nodeVersion: 'v20.0.0',
};

const CONFIG: RunConfig = {
  topic: 't', numRecords: 1000, payload: { kind: 'avro', recordSizeBytes: 250 },
  throughputRps: -1, workers: 2, batchBytes: 524_288, lingerMs: 5, maxInFlight: 5, bufferMemoryBytes: 33_554_432, maxBlockMs: 60_000, compression: 'none', acks: -1,
  idempotent: false, partitions: 8, replication: 3, keys: 'none', warmupRecords: 0, reportingIntervalMs: 5000,
  driver: 'kafkajs', queueTargetMs: 0, keyRange: 1024, zipfExponent: 1, faults: [], sharedTopic: false, headers: [],
  producerProps: {}, security: PLAINTEXT,
};

const MB = 1024 * 1024;

export interface PointFixture {
  records: number;
  /** Measured window, first send to last ack. */
  durationMs: number;
  payloadMb: number;
  wireMb: number;
  /** The process's CPU over its work, which starts `setupMs` before the measured window. */
  cpuMs: number;
  setupMs?: number;
  rssMb: number;
  latencyMs: { mean: number; p50: number; p99: number };
  brokerCpuMs?: number;
  wallMs?: number;
  workers?: number;
  processes?: number;
  /** Window lines as [end since the start (ms), records/s]; by default one every 500 ms at the run's rate (steady from the start). */
  intervals?: Array<[number, number]>;
}

export function point(label: string, f: PointFixture): MeasuredPoint {
  const startEpochMs = 1_767_225_600_000;
  const seconds = f.durationMs / 1000;
  const histogram = createHistogram();
  for (const ms of [f.latencyMs.p50, f.latencyMs.p99]) recordLatencyUs(histogram, ms * 1000);
  const processes = f.processes ?? 1;
  return {
    label,
    commands: Array.from({ length: processes }, (_, i) => ['--num-records', String(f.records / processes), '--topic', `t-${label}-${i + 1}`]),
    wallMs: f.wallMs ?? f.durationMs + 1000,
    ...(f.brokerCpuMs === undefined ? {} : { brokerCpuMs: f.brokerCpuMs }),
    result: {
      schemaVersion: RESULT_SCHEMA_VERSION,
      tool: 'datastorm',
      toolVersion: '0.1.0',
      startedAt: new Date(startEpochMs - (f.setupMs ?? 0)).toISOString(),
      measuredWindow: { startEpochMs, endEpochMs: startEpochMs + f.durationMs },
      config: { ...CONFIG, numRecords: f.records, workers: f.workers ?? 2 },
      machine: MACHINE,
      buffers: { batchLimitBytes: 524_288, bufferBytes: 524_800, buffersPerWorker: 32 },
      values: { count: 1024, minBytes: 250, meanBytes: 250, maxBytes: 250 },
      cluster: { bootstrap: ['127.0.0.1:9092'], brokers: 4, embedded: false },
      totals: {
        records: f.records, payloadBytes: f.payloadMb * MB, wireBytes: f.wireMb * MB, compressionRatio: f.payloadMb / f.wireMb,
        durationMs: f.durationMs, recordsPerSec: f.records / seconds, mbPerSec: f.payloadMb / seconds, errors: {},
      },
      latency: {
        count: f.records, minUs: 100, meanUs: f.latencyMs.mean * 1000, maxUs: f.latencyMs.p99 * 1000, p50Us: f.latencyMs.p50 * 1000,
        p95Us: f.latencyMs.p99 * 1000, p99Us: f.latencyMs.p99 * 1000, p999Us: f.latencyMs.p99 * 1000, p9999Us: f.latencyMs.p99 * 1000,
        histogram: encodeHistogram(histogram),
      },
      intervals: (f.intervals ?? Array.from({ length: Math.floor(f.durationMs / 500) }, (_, i): [number, number] => [(i + 1) * 500, f.records / seconds]))
        .map(([elapsedMs, recordsPerSec]) => ({
          elapsedMs, recordsPerSec, records: 0, payloadBytes: 0, durationMs: 0, mbPerSec: 0, avgLatencyMs: 0, maxLatencyMs: 0,
        })),
      workers: [],
      accounting: {
        acknowledgedRecords: f.records, brokerOffsetGrowth: f.records, match: true, topicEndOffsetTotalBefore: 0, topicEndOffsetTotalAfter: f.records,
      },
      process: { peakRssBytes: f.rssMb * MB, cpuUserMs: f.cpuMs * 0.75, cpuSystemMs: f.cpuMs * 0.25 },
      partial: false,
    },
  };
}

export function analysisRun(kind: AnalysisRun['kind'], points: MeasuredPoint[], local = true): AnalysisRun {
  return {
    kind,
    command: `datastorm ${kind} --num-records 1000`,
    startedAt: '2026-01-01T00:00:00.000Z',
    machine: MACHINE,
    cluster: { bootstrap: ['127.0.0.1:9092', '127.0.0.1:9093'], brokers: 4, local },
    loadAverage: { start: 1.5, end: 2.25 },
    payload: { description: 'the default click-event Avro values', poolGzipRatio: 4.5 },
    points,
  };
}
