import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readWorkload, workloadFromObject } from '../../src/bench/workload.js';
import { errorOf } from '../helpers.js';

const WORKLOADS = fileURLToPath(new URL('../../benchmarks/workloads/', import.meta.url));


const minimal = { workers: 2, 'num-records': 1000 };

describe('workloadFromObject', () => {
  it('reads produce\'s flag names and values, and client settings as Kafka producer properties', () => {
    const workload = workloadFromObject({
      name: 'w', description: 'd', topic: 't', partitions: 12, replication: 2, 'record-size': '1KB', 'num-records': 5000,
      'warmup-records': 500, throughput: 20000, workers: 3, compression: 'zstd', keys: 'random', 'reporting-interval': 1000,
      producer: { acks: 1, 'batch.size': '256KB', 'linger.ms': 20, 'enable.idempotence': false },
    }, 'w.yaml');
    expect(workload.name).toBe('w');
    expect(workload.description).toBe('d');
    expect(workload).toMatchObject({
      config: {
        topic: 't', numRecords: 5000, durationMs: undefined,
        payload: { kind: 'avro', recordSizeBytes: 1024 },
        throughputRps: 20000, workers: 3, batchBytes: 262_144, lingerMs: 20, maxInFlight: 5, compression: 'zstd', acks: 1,
        idempotent: false, partitions: 12, replication: 2, keys: 'random', warmupRecords: 500, reportingIntervalMs: 1000,
        producerProps: { acks: '1', 'batch.size': '256KB', 'linger.ms': '20', 'enable.idempotence': 'false' },
      },
    });
  });

  it('takes transactions as produce does: an id under producer:, their duration and abort rate as keys', () => {
    const { config } = workloadFromObject({ ...minimal, 'transaction-duration-ms': 500, 'abort-rate': 0.5,
      producer: { 'transactional.id': 'bench-tx' } }, 'tx.yaml');
    expect(config.transaction).toEqual({ id: 'bench-tx', durationMs: 500, abortRate: 0.5 });
  });

  it('takes headers as produce does: header (one k=v or a list), headers and header-size', () => {
    const { config } = workloadFromObject({ ...minimal, header: ['trace=abc', 'team=x'], headers: 1, 'header-size': 8 }, 'h.yaml');
    expect(config.headers.map((h) => `${h.key}:${h.value.length}`)).toEqual(['trace:3', 'team:1', 'header-0:8']);
    expect(workloadFromObject({ ...minimal, header: 'trace=abc' }, 'h.yaml').config.headers).toEqual([{ key: 'trace', value: 'abc' }]);
    expect(() => workloadFromObject({ ...minimal, header: 'nokey' }, 'h.yaml')).toThrow('--header takes key=value, not "nokey"');
  });

  it('takes several topics as produce does: topics, or topic-count after the workload\'s topic', () => {
    expect(workloadFromObject({ ...minimal, topics: 'a,b' }, 't.yaml').config).toMatchObject({ topic: 'a', topics: ['a', 'b'] });
    expect(workloadFromObject({ ...minimal, 'topic-count': 2 }, 't.yaml', { defaultName: 'n' }).config.topics)
      .toEqual(['datastorm-bench-n-0', 'datastorm-bench-n-1']);
  });

  it('names the topic after the workload when none is given, and takes a duration instead of a count', () => {
    const { config } = workloadFromObject({ workers: 1, duration: '30s' }, 'x.yaml', { defaultName: 'nightly' });
    expect(config).toMatchObject({ topic: 'datastorm-bench-nightly', durationMs: 30_000, numRecords: undefined });
  });

  it('applies --set overrides to workload keys and producer.<property>, checked like the file', () => {
    const { config } = workloadFromObject({ ...minimal, producer: { 'batch.size': 65536 } }, 'w.yaml', {
      overrides: ['workers=1', 'producer.batch.size=1024', 'topic=t2'],
    });
    expect(config).toMatchObject({ workers: 1, batchBytes: 1024, topic: 't2' });
    expect(errorOf(() => workloadFromObject(minimal, 'w.yaml', { overrides: ['wrokers=1'] })).message)
      .toBe('--set: unknown key "wrokers"');
    expect(errorOf(() => workloadFromObject(minimal, 'w.yaml', { overrides: ['workers'] })).message)
      .toBe('--set: "workers" is not key=value');
  });

  it('resolves payload files against the workload\'s folder', () => {
    const { config } = workloadFromObject({ ...minimal, 'payload-file': 'data/lines.txt' }, 'w.yaml', { baseDir: '/srv/bench' });
    expect(config.payload).toEqual({ kind: 'file', path: '/srv/bench/data/lines.txt', delimiter: '\n' });
  });

  it('refuses unknown keys, and points client settings to producer:', () => {
    const typo = errorOf(() => workloadFromObject({ ...minimal, 'record-szie': 100 }, 'w.yaml'));
    expect(typo.code).toBe('DS_BAD_WORKLOAD');
    expect(typo.message).toBe('w.yaml: unknown key "record-szie"');
    expect(typo.hint).toMatch(/^workload keys: name, description, producer, topic, partitions, replication, record-size, /);
    for (const key of ['batch', 'linger', 'acks', 'batch.size']) {
      expect(errorOf(() => workloadFromObject({ ...minimal, [key]: 1 }, 'w.yaml')).hint)
        .toBe(`${key} is a client setting: put it under producer: as a Kafka property (batch.size, linger.ms, acks, ...)`);
    }
    const prop = errorOf(() => workloadFromObject({ ...minimal, producer: { 'delivery.timeout.ms': 100 } }, 'w.yaml'));
    expect(prop.message).toBe('w.yaml: producer property delivery.timeout.ms is not supported by DataStorm\'s kafkajs producer');
  });

  it('refuses bad values with the produce flag\'s own message', () => {
    expect(errorOf(() => workloadFromObject({ ...minimal, workers: 'many' }, 'w.yaml')).message)
      .toBe('w.yaml: workers: --workers takes a whole number from 1 to 256, not "many"');
    expect(errorOf(() => workloadFromObject({ ...minimal, compression: 'brotli' }, 'w.yaml')).message)
      .toBe('w.yaml: compression: unknown codec "brotli"');
    expect(errorOf(() => workloadFromObject({ ...minimal, 'num-records': [1, 2] }, 'w.yaml')).message)
      .toBe('w.yaml: num-records must be a single value, not [1,2]');
    expect(errorOf(() => workloadFromObject({ ...minimal, duration: '10s' }, 'w.yaml')).message)
      .toBe('w.yaml: --num-records and --duration exclude each other');
  });

  it('requires workers and a count or duration: a benchmark does not take the machine\'s defaults', () => {
    expect(errorOf(() => workloadFromObject({ 'num-records': 10 }, 'w.yaml')).message).toBe('w.yaml: workers is required');
    expect(errorOf(() => workloadFromObject({ workers: 1 }, 'w.yaml')).message).toBe('w.yaml: give num-records or duration');
    expect(errorOf(() => workloadFromObject(['a'], 'w.yaml')).message).toBe('w.yaml: a workload is a YAML mapping of keys to values');
  });
});

describe('readWorkload', () => {
  it('reads every workload that comes with DataStorm', () => {
    const files = readdirSync(WORKLOADS).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) {
      const workload = readWorkload(join(WORKLOADS, file));
      expect(workload.name).toBe(file.replace(/\.yaml$/, ''));
      expect(workload.config.workers).toBeGreaterThan(0);
    }
  });

  it('reports YAML errors and duplicate keys with the file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-workload-'));
    writeFileSync(join(dir, 'dup.yaml'), 'workers: 1\nworkers: 2\nnum-records: 5\n');
    const duplicate = errorOf(() => readWorkload(join(dir, 'dup.yaml')));
    expect(duplicate.message).toMatch(/dup\.yaml: Map keys must be unique/);
    expect(errorOf(() => readWorkload(join(dir, 'missing.yaml'))).message).toBe(`cannot read workload ${join(dir, 'missing.yaml')}: ENOENT`);
  });
});

describe('a workload with a capacity: block', () => {
  const search = { workers: 2, 'record-size': 200 };

  it('reads the search in capacity\'s flag names; the produce keys are every step\'s settings', () => {
    const workload = workloadFromObject({
      ...search, capacity: { slo: 'p99<=50ms,p50<=10ms', precision: '10%', budget: '5m', confirm: '30s', step: '10s', 'step-warmup': '2s',
        warm: '10s', probe: '5s', ramp: '20s', target: 'produce', settle: '30s' },
    }, 'c.yaml', { defaultName: 'cap' });
    expect(workload.capacity).toEqual({
      slo: [{ statistic: { percentile: 99 }, limitMs: 50 }, { statistic: { percentile: 50 }, limitMs: 10 }], precision: 0.1, budgetMs: 300_000,
      confirmMs: 30_000, stepMs: 10_000, warmupMs: 2000, warmMs: 10_000, probeMs: 5000, rampMs: 20_000, target: 'produce', keepTopic: false, settleMs: 30_000,
    });
    // A search's topic is its own: it deletes what it made.
    expect(workload.config).toMatchObject({ topic: expect.stringMatching(/^datastorm-bench-cap-[0-9a-f]{8}$/), workers: 2, payload: { kind: 'avro', recordSizeBytes: 200 } });
    // capacity's own defaults for what the block leaves out; a fixed run's workload has no search.
    expect(workloadFromObject({ ...search, capacity: { slo: 'p99<=100ms' } }, 'c.yaml').capacity).toMatchObject({
      precision: 0.05, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5000, warmMs: 20_000, probeMs: 10_000, rampMs: 30_000, target: 'produce', settleMs: 120_000,
    });
    expect(workloadFromObject(minimal, 'w.yaml').capacity).toBeUndefined();
  });

  it('takes --set capacity.<key>, checked like the file\'s keys', () => {
    const { capacity } = workloadFromObject({ ...search, capacity: { slo: 'p99<=50ms' } }, 'c.yaml', {
      overrides: ['capacity.budget=300s', 'capacity.step-warmup=3s', 'capacity.slo=p99<=200ms'],
    });
    expect(capacity).toMatchObject({ budgetMs: 300_000, warmupMs: 3000, slo: [{ statistic: { percentile: 99 }, limitMs: 200 }] });
    expect(errorOf(() => workloadFromObject({ ...search, capacity: { slo: 'p99<=50ms' } }, 'c.yaml', { overrides: ['capacity.budgte=5m'] })).message)
      .toBe('--set: unknown key "capacity.budgte"');
    expect(errorOf(() => workloadFromObject(search, 'c.yaml', { overrides: ['capacity=5m'] })).message).toBe('--set: capacity is a block of keys');
  });

  it('refuses unknown keys, bad values, no SLO, and the produce keys that set a step\'s rate or length, as workload errors', () => {
    const unknown = errorOf(() => workloadFromObject({ ...search, capacity: { slo: 'p99<=50ms', 'keep-topic': true } }, 'c.yaml'));
    expect(unknown.code).toBe('DS_BAD_WORKLOAD');
    expect(unknown.message).toBe('c.yaml: unknown key "capacity.keep-topic"');
    expect(unknown.hint).toBe('capacity keys: slo, precision, budget, confirm, step, step-warmup, warm, probe, ramp, target, settle');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ capacity: { slo: 'p99<=50ms', precision: '150%' } }, 'c.yaml: capacity.precision: --precision takes a share such as 5% or 0.05, not "150%"'],
      [{ capacity: { slo: 'p99<50ms' } }, 'c.yaml: capacity.slo: --slo "p99<50ms": "p99<50ms" is not <statistic><=<latency> (a unit: us, ms or s)'],
      [{ capacity: { slo: 'p99<=50ms', target: 'broker' } }, 'c.yaml: capacity.target: --target takes one of produce, e2e, not "broker"'],
      [{ capacity: { budget: '5m' } }, 'c.yaml: capacity: needs an slo'],
      [{ capacity: 'p99<=50ms' }, 'c.yaml: capacity: is a mapping of capacity\'s settings, e.g. slo: p99<=50ms ' +
        '(keys: slo, precision, budget, confirm, step, step-warmup, warm, probe, ramp, target, settle)'],
      [{ capacity: { slo: 'p99<=50ms', budget: '30s' } },
        'c.yaml: --budget 30s is shorter than the warm-up run, probe, ramp, three steps, the confirmation and the run above it take (235s)'],
      [{ 'num-records': 1000, throughput: 5000, capacity: { slo: 'p99<=50ms' } },
        'c.yaml: capacity sets each step\'s rate and length itself: --num-records, --throughput cannot be given'],
    ];
    for (const [document, message] of cases) expect(errorOf(() => workloadFromObject({ ...search, ...document }, 'c.yaml')).message).toBe(message);
  });
});
