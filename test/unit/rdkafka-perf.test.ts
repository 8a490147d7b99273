import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/produce/run-config.js';
import { metricsOfRdkafkaRun } from '../../src/bench/metrics.js';
import { parseRdkafkaPerfSummary, rdkafkaPerfArgs, summarizeLatencyFile } from '../../src/bench/rdkafka-perf.js';
import { errorOf } from '../helpers.js';
import { BASE_CONFIG } from './bench-fixtures.js';

// Real stdout of rdkafka_performance 2.12.0 (1M records of 250 B, none, acks=1, 512 KB batches), with a back-pressure line.
const FIXTURE = readFileSync(new URL('../fixtures/rdkafka-perf/rdkafka-performance-2.12.0-none.txt', import.meta.url), 'utf8');

const config: RunConfig = { ...BASE_CONFIG, numRecords: 500_000 };
const bootstrap = ['127.0.0.1:9092', '127.0.0.1:9093'];

describe('rdkafkaPerfArgs', () => {
  it('gives rdkafka_performance the same settings, the queue bounded by buffer.memory\'s bytes alone, and per-record latency', () => {
    expect(rdkafkaPerfArgs(config, bootstrap)).toEqual([
      '-P', '-t', 'bench-t', '-b', '127.0.0.1:9092,127.0.0.1:9093', '-s', '100', '-c', '500000', '-z', 'lz4',
      '-X', 'acks=-1', '-X', 'batch.size=65536', '-X', 'batch.num.messages=1000000', '-X', 'linger.ms=5',
      '-X', 'message.max.bytes=1048576', '-X', 'queue.buffering.max.kbytes=32768', '-X', 'queue.buffering.max.messages=0',
      '-X', 'max.in.flight.requests.per.connection=5', '-X', 'enable.idempotence=false',
      '-l', '-A', '<latency file>',
    ]);
  });

  it('passes a rate, raises message.max.bytes for 16 MiB batches, adds the other producerProps once, and can leave latency out', () => {
    const args = rdkafkaPerfArgs({
      ...config,
      throughputRps: 20_000,
      batchBytes: 16 * 1024 * 1024,
      bufferMemoryBytes: 64 * 1024 * 1024,
      compression: 'none',
      acks: 1,
      maxInFlight: 1,
      // As toRunConfig keeps them: the typed fields hold the parsed values.
      producerProps: { 'batch.size': '16MB', 'client.id': 'bench', 'max.in.flight.requests.per.connection': '1' },
    }, bootstrap, false);
    expect(args.slice(7, 13)).toEqual(['-c', '500000', '-r', '20000', '-z', 'none']);
    expect(args.slice(13).filter((arg) => arg !== '-X')).toEqual([
      'acks=1', 'batch.size=16777216', 'batch.num.messages=1000000', 'linger.ms=5', 'message.max.bytes=16777216',
      'queue.buffering.max.kbytes=65536', 'queue.buffering.max.messages=0', 'max.in.flight.requests.per.connection=1',
      'enable.idempotence=false', 'client.id=bench',
    ]);
  });

  it('refuses what the tool cannot do alike: a payload file, a secured cluster, an unthrottled timed run', () => {
    expect(errorOf(() => rdkafkaPerfArgs({ ...config, payload: { kind: 'file', path: '/data/lines.txt', delimiter: '\n' } }, bootstrap)).code)
      .toBe('DS_UNSUPPORTED_BY_TOOL');
    expect(errorOf(() => rdkafkaPerfArgs({ ...config, security: { protocol: 'SASL_SSL', properties: {} } }, bootstrap)).code)
      .toBe('DS_UNSUPPORTED_BY_TOOL');
    expect(errorOf(() => rdkafkaPerfArgs({ ...config, transaction: { id: 'tx', durationMs: 3000, abortRate: 0 } }, bootstrap)).code)
      .toBe('DS_UNSUPPORTED_BY_TOOL');
    const timed = errorOf(() => rdkafkaPerfArgs({ ...config, numRecords: undefined, durationMs: 30_000 }, bootstrap));
    expect([timed.code, timed.message]).toEqual(['DS_UNSUPPORTED_BY_TOOL', 'rdkafka_performance needs a record count, and an unthrottled timed run has none']);
  });
});

describe('parseRdkafkaPerfSummary', () => {
  it('reads the last summary of a real run, its MB/s (10^6 bytes) turned into MiB/s, back-pressure apart from failures', () => {
    expect(parseRdkafkaPerfSummary(FIXTURE)).toEqual({
      produced: 1_000_000, delivered: 1_000_000, failed: 0, recordsPerSec: 391_625, mbPerSec: 97.91e6 / 1024 / 1024,
      elapsedMs: 2553, backpressures: 36, codec: 'none',
    });
  });

  it('fails with the end of the output when there is no summary', () => {
    const error = errorOf(() => parseRdkafkaPerfSummary('% Sending 10 messages of size 250 bytes\n% No such configuration property: "buffer.memory"\n'));
    expect(error.code).toBe('DS_TOOL_OUTPUT');
    expect(error.hint).toBe('its output ended with: % Sending 10 messages of size 250 bytes | % No such configuration property: "buffer.memory"');
  });
});

describe('summarizeLatencyFile', () => {
  it('summarises -A\'s microseconds as DataStorm summarises its own, into the bench metrics in ms', () => {
    const latency = summarizeLatencyFile(`${Array.from({ length: 100 }, (_, i) => (i + 1) * 1000).join('\n')}\n`);
    expect(latency).toMatchObject({ count: 100, minUs: 1000, p50Us: 50_015, p99Us: 99_007 });
    const metrics = metricsOfRdkafkaRun(parseRdkafkaPerfSummary(FIXTURE), latency);
    expect(metrics).toMatchObject({ records_per_sec: 391_625, p50_ms: 50.015, p99_ms: 99.007 });
    // The histogram's mean: within its 3 significant digits of the exact 50.5 ms.
    expect(metrics.avg_ms).toBeCloseTo(50.5, 1);
  });
});
