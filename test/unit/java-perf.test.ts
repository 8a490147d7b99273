import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { RunConfig } from '../../src/produce/run-config.js';
import { DataStormError } from '../../src/shared/errors.js';
import { javaProducerPerfArgs, parseProducerPerfSummary } from '../../src/bench/java-perf.js';
import { BASE_CONFIG } from './bench-fixtures.js';
import { errorOf } from '../helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/java-perf/${name}`, import.meta.url), 'utf8');

const config: RunConfig = { ...BASE_CONFIG, numRecords: 500_000, reportingIntervalMs: 5000 };
const bootstrap = ['127.0.0.1:9092', '127.0.0.1:9093'];

/** The flags and producer properties of `config`, on every line. */
const RUN_FLAGS = ['--num-records', '500000', '--record-size', '100', '--throughput', '-1'];
const PROPERTIES = [
  'bootstrap.servers=127.0.0.1:9092,127.0.0.1:9093', 'acks=all', 'batch.size=65536', 'linger.ms=5',
  'compression.type=lz4', 'max.request.size=1048576', 'buffer.memory=33554432', 'max.block.ms=60000', 'enable.idempotence=false',
];

describe('javaProducerPerfArgs', () => {
  it('gives ProducerPerformance the same settings, buffer.memory and max.block.ms included, and a request size that fits the batch', () => {
    expect(javaProducerPerfArgs(config, bootstrap, '4.4')).toEqual([
      '--bootstrap-server', '127.0.0.1:9092,127.0.0.1:9093',
      '--topic', 'bench-t',
      ...RUN_FLAGS,
      '--reporting-interval', '5000',
      '--command-property',
      ...PROPERTIES,
    ]);
  });

  it('raises max.request.size for 16 MiB batches, passes the run\'s buffer.memory, warmup, payload files and other producerProps', () => {
    const args = javaProducerPerfArgs({
      ...config,
      batchBytes: 16 * 1024 * 1024,
      bufferMemoryBytes: 64 * 1024 * 1024,
      acks: 1,
      idempotent: true,
      warmupRecords: 1000,
      payload: { kind: 'file', path: '/data/lines.txt', delimiter: '\n' },
      // As toRunConfig keeps them: the typed fields hold the parsed values (linger.ms is lingerMs).
      producerProps: { 'batch.size': '16MB', 'linger.ms': '5', 'client.id': 'bench', 'max.in.flight.requests.per.connection': '1' },
    }, bootstrap, '4.4');
    expect(args.slice(6, 16)).toEqual([
      '--payload-file', '/data/lines.txt', '--payload-delimiter', '\n',
      '--throughput', '-1', '--warmup-records', '1000', '--reporting-interval', '5000',
    ]);
    expect(args.slice(args.indexOf('--command-property') + 1)).toEqual([
      'bootstrap.servers=127.0.0.1:9092,127.0.0.1:9093', 'acks=1', 'batch.size=16777216', 'linger.ms=5',
      'compression.type=lz4', 'max.request.size=16777216', 'buffer.memory=67108864', 'max.block.ms=60000', 'enable.idempotence=true',
      'client.id=bench', 'max.in.flight.requests.per.connection=1',
    ]);
  });

  it('passes transactions as perf-test takes them: one producer with the run\'s id', () => {
    const args = javaProducerPerfArgs({ ...config, transaction: { id: 'tx', durationMs: 700, abortRate: 0 } }, bootstrap, '4.4');
    expect(args.slice(args.indexOf('--transactional-id'), args.indexOf('--transactional-id') + 4))
      .toEqual(['--transactional-id', 'tx', '--transaction-duration-ms', '700']);
    expect(javaProducerPerfArgs(config, bootstrap, '4.4')).not.toContain('--transactional-id');
  });

  it('gives Kafka 3.9 to 4.1 their own names: bootstrap.servers among --producer-props, --producer.config; no warm-up there', () => {
    const secured: RunConfig = { ...config, security: { protocol: 'SASL_SSL', properties: { 'security.protocol': 'SASL_SSL' } } };
    expect(javaProducerPerfArgs(secured, bootstrap, '3.9', '/tmp/s.properties')).toEqual([
      '--topic', 'bench-t',
      ...RUN_FLAGS,
      '--producer.config', '/tmp/s.properties',
      '--producer-props',
      ...PROPERTIES,
    ]);
    const named = javaProducerPerfArgs(secured, bootstrap, '4.2', '/tmp/s.properties');
    expect(named.slice(named.indexOf('--command-config'), named.indexOf('--command-config') + 3)).toEqual(['--command-config', '/tmp/s.properties', '--command-property']);
    const warm = errorOf(() => javaProducerPerfArgs({ ...config, warmupRecords: 1000 }, bootstrap, '4.1'));
    expect([warm.code, warm.message]).toEqual(['DS_UNSUPPORTED_BY_TOOL', 'Kafka 4.1\'s kafka-producer-perf-test has no --warmup-records (Kafka 4.2 added it)']);
  });

  it('turns a rate-limited timed run into its record count, and refuses an unthrottled timed one', () => {
    const timed = { ...config, numRecords: undefined, durationMs: 30_000 };
    const args = javaProducerPerfArgs({ ...timed, throughputRps: 2500 }, bootstrap, '4.4');
    expect(args[args.indexOf('--num-records') + 1]).toBe('75000');
    expect(() => javaProducerPerfArgs(timed, bootstrap, '4.4')).toThrow(/needs a record count/);
  });
});

describe('parseProducerPerfSummary', () => {
  it('reads the summary of a real Kafka 4.3.1 run and skips its window lines', () => {
    expect(parseProducerPerfSummary(fixture('producer-perf-4.3.1-windows.txt'))).toEqual({
      records: 60_000, recordsPerSec: 9918.994875, mbPerSec: 1.89, avgLatencyMs: 30.88, maxLatencyMs: 368,
      p50Ms: 11, p95Ms: 143, p99Ms: 209, p999Ms: 364,
    });
  });

  it('reads the steady-state summary printed after a warmup', () => {
    const parsed = parseProducerPerfSummary(fixture('producer-perf-4.3.1-warmup.txt'));
    expect(parsed.records).toBe(300_000);
    expect(parsed.recordsPerSec).toBe(52938.062467);
    expect(parsed.steadyState).toEqual({
      records: 250_000, recordsPerSec: 58018.101648, mbPerSec: 5.53, avgLatencyMs: 1043.46, maxLatencyMs: 2373,
      p50Ms: 1044, p95Ms: 1926, p99Ms: 2173, p999Ms: 2373,
    });
  });

  it('fails with the end of the output when there is no summary', () => {
    const error = (() => {
      try {
        parseProducerPerfSummary('Exception in thread "main" org.apache.kafka.common.KafkaException: boom\n');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(DataStormError);
    expect((error as DataStormError).code).toBe('DS_TOOL_OUTPUT');
    expect((error as DataStormError).hint).toBe('its output ended with: Exception in thread "main" org.apache.kafka.common.KafkaException: boom');
  });
});
