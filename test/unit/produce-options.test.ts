import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseDurationMs, parseSize } from '../../src/run-spec/parse.js';
import { defaultProduceFlags, produceOptions, toProduceRun, type ProduceFlags } from '../../src/run-spec/produce-options.js';
import { partitionsOfWorker, splitExactly } from '../../src/engine/split.js';
import { threadsFor, youngGenerationMbPerThread } from '../../src/engine/produce-pool.js';
import { monotonicValue, monotonicValueSizes } from '../../src/produce/payloads.js';

/** Parses argv the way `datastorm produce` does and returns its run: the RunConfig and the cluster's addresses. */
function runOf(argv: string[]) {
  const command = new Command('produce').exitOverride();
  for (const option of produceOptions()) command.addOption(option);
  command.parse(argv, { from: 'user' });
  return toProduceRun(command.opts<ProduceFlags>(), (key) => command.getOptionValueSource(key) === 'cli');
}

const configOf = (argv: string[]) => runOf(argv).config;

describe('sizes and durations', () => {
  it('reads binary sizes and durations with units', () => {
    expect(parseSize('--batch', '16MB')).toBe(16 * 1024 * 1024);
    expect(parseSize('--batch', '512KB')).toBe(524_288);
    expect(parseSize('--batch', '1.5M')).toBe(1_572_864);
    expect(parseSize('--batch', '1048576')).toBe(1_048_576);
    expect(() => parseSize('--batch', '-3MB')).toThrow('--batch takes a size such as 16MB, 512KB or 1048576, not "-3MB"');
    expect(parseDurationMs('--duration', '30s')).toBe(30_000);
    expect(parseDurationMs('--duration', '2m')).toBe(120_000);
    expect(parseDurationMs('--duration', '250ms')).toBe(250);
    expect(parseDurationMs('--duration', '10')).toBe(10_000);
    expect(() => parseDurationMs('--duration', 'soon')).toThrow('--duration takes a duration such as 30s, 2m or 500ms, not "soon"');
  });
});

describe('the produce RunConfig', () => {
  it('has defaults a user can run as they are', () => {
    const config = configOf([]);
    expect(config).toMatchObject({
      topic: 'datastorm-perf', numRecords: 1_000_000, durationMs: undefined, throughputRps: -1, batchBytes: 524_288,
      lingerMs: 5, compression: 'none', acks: -1, idempotent: true, partitions: 8, replication: 3, keys: 'none',
      payload: { kind: 'avro', recordSizeBytes: 250 }, reportingIntervalMs: 5000,
      bufferMemoryBytes: 32 * 1024 * 1024, maxBlockMs: 60_000,
    });
    expect(runOf([]).bootstrap).toBeUndefined();
    expect(defaultProduceFlags().numRecords).toBe(1_000_000);
  });

  it('is idempotent exactly when acks is all, as Kafka\'s Java producer, unless told otherwise', () => {
    expect(configOf([]).idempotent).toBe(true);
    expect(configOf(['--acks', '1']).idempotent).toBe(false);
    expect(configOf(['--acks', '0']).idempotent).toBe(false);
    expect(configOf(['--producer-props', 'acks=1']).idempotent).toBe(false);
    expect(configOf(['--no-idempotent']).idempotent).toBe(false);
    expect(configOf(['--producer-props', 'enable.idempotence=false']).idempotent).toBe(false);
    expect(configOf(['--idempotent']).idempotent).toBe(true);
    expect(() => configOf(['--producer-props', 'enable.idempotence=yes'])).toThrow('enable.idempotence takes one of true, false, not "yes"');
  });

  it('takes buffer.memory and max.block.ms as flags and as Kafka\'s properties', () => {
    expect(configOf(['--buffer-memory', '64MB', '--max-block', '500'])).toMatchObject({ bufferMemoryBytes: 64 * 1024 * 1024, maxBlockMs: 500 });
    expect(configOf(['--producer-props', 'buffer.memory=1048576', 'max.block.ms=0'])).toMatchObject({ bufferMemoryBytes: 1_048_576, maxBlockMs: 0 });
    expect(() => configOf(['--buffer-memory', 'lots'])).toThrow('--buffer-memory takes a size such as 16MB');
  });

  it('takes perf-test\'s flags and producer properties; a later property wins over the file, a flag may repeat one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-props-'));
    writeFileSync(join(dir, 'producer.properties'), '# a comment\nlinger.ms=20\ncompression.type=zstd\n');
    const { config, bootstrap } = runOf(['--topic', 't', '--num-records', '100', '--record-size', '1KB', '--throughput', '500',
      '--producer.config', join(dir, 'producer.properties'),
      '--producer-props', 'acks=1', 'batch.size=16MB', 'bootstrap.servers=h1:9092,h2:9092', 'linger.ms=7', '--acks', '1']);
    expect(config).toMatchObject({
      topic: 't', numRecords: 100, throughputRps: 500, acks: 1, batchBytes: 16 * 1024 * 1024, lingerMs: 7,
      compression: 'zstd', payload: { kind: 'avro', recordSizeBytes: 1024 },
    });
    expect(bootstrap).toEqual(['h1:9092', 'h2:9092']);
    expect(config.producerProps).toEqual({ 'linger.ms': '7', 'compression.type': 'zstd', acks: '1', 'batch.size': '16MB', 'bootstrap.servers': 'h1:9092,h2:9092' });
  });

  it('runs for a duration, or from a payload file with its delimiter', () => {
    expect(configOf(['--duration', '1m'])).toMatchObject({ durationMs: 60_000, numRecords: undefined });
    expect(configOf(['--payload-file', 'values.txt', '--payload-delimiter', '\\t']).payload).toEqual({ kind: 'file', path: 'values.txt', delimiter: '\t' });
  });

  it('refuses a flag and a property that disagree, naming both', () => {
    expect(() => configOf(['--acks', '0', '--producer-props', 'acks=all'])).toThrow('--acks 0 and acks=all disagree');
    expect(() => configOf(['--compression', 'lz4', '--producer-props', 'compression.type=gzip'])).toThrow('--compression lz4 and compression.type=gzip disagree');
    expect(() => configOf(['--linger', '9', '--producer-props', 'linger.ms=7'])).toThrow('--linger 9 and linger.ms=7 disagree');
    expect(() => configOf(['--no-idempotent', '--producer-props', 'enable.idempotence=true'])).toThrow('and enable.idempotence=true disagree');
  });

  it('takes Kafka 4.x\'s --command-property and --command-config as --producer-props and --producer.config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-command-config-'));
    writeFileSync(join(dir, 'client.properties'), 'linger.ms=20\nbootstrap.servers=h1:9092\n');
    const { config, bootstrap } = runOf(['--command-config', join(dir, 'client.properties'), '--command-property', 'acks=1', 'batch.size=64KB']);
    expect(config).toMatchObject({ lingerMs: 20, acks: 1, batchBytes: 64 * 1024, idempotent: false });
    expect(bootstrap).toEqual(['h1:9092']);
    // A later property wins over the file, and a typed flag that disagrees is still an error.
    expect(configOf(['--command-config', join(dir, 'client.properties'), '--command-property', 'linger.ms=3']).lingerMs).toBe(3);
    expect(() => configOf(['--acks', '0', '--command-property', 'acks=all'])).toThrow('--acks 0 and acks=all disagree');
    expect(() => configOf(['--command-config', join(dir, 'missing.properties')])).toThrow('--command-config');
  });

  it('takes --payload-monotonic alone, as perf-test does, and sizes its values by their digits', () => {
    expect(configOf(['--payload-monotonic']).payload).toEqual({ kind: 'monotonic' });
    for (const other of [['--record-size', '100'], ['--payload-file', 'v.txt'], ['--schema', 'x.avsc'], ['--serialize-on-send']]) {
      expect(() => configOf(['--payload-monotonic', ...other])).toThrow('--payload-monotonic excludes --payload-file, --record-size, --schema and --serialize-on-send');
    }
    // 0..9: 1 digit each, 10..99: 2, 100..999: 3.
    expect(monotonicValueSizes(1000)).toEqual({ count: 1000, minBytes: 1, maxBytes: 3, meanBytes: 2890 / 1000 });
    expect(monotonicValueSizes(1)).toEqual({ count: 1, minBytes: 1, maxBytes: 1, meanBytes: 1 });
    expect(monotonicValue(4711).toString()).toBe('4711');
  });

  it('refuses a --record-size with a --schema, and an empty or orphan --payload-delimiter', () => {
    expect(() => configOf(['--schema', 'x.avsc', '--record-size', '1000'])).toThrow('--record-size sizes the default schema\'s events');
    expect(() => configOf(['--payload-file', 'v.txt', '--payload-delimiter', ''])).toThrow('--payload-delimiter is empty');
    expect(() => configOf(['--payload-delimiter', ','])).toThrow('--payload-delimiter splits a --payload-file; there is none');
  });

  it('refuses options that contradict each other', () => {
    expect(() => configOf(['--num-records', '5', '--duration', '5s'])).toThrow('--num-records and --duration exclude each other');
    expect(() => configOf(['--payload-file', 'x', '--record-size', '100'])).toThrow('--payload-file excludes --record-size, --schema and --serialize-on-send');
    expect(() => configOf(['--idempotent', '--acks', '1'])).toThrow('idempotence (--idempotent or enable.idempotence=true) needs --acks all');
    expect(() => configOf(['--num-records', '10', '--warmup-records', '10'])).toThrow('leaves no records');
    expect(() => configOf(['--producer-props', 'retries'])).toThrow('producer property "retries" is not key=value');
    expect(() => configOf(['--acks', '2'])).toThrow('--acks takes all, -1, 0 or 1, not "2"');
    expect(() => configOf(['--keys', 'sorted'])).toThrow('--keys takes one of none, round-robin, random, zipf, sequential, not "sorted"');
    expect(() => configOf(['--zipf-exponent', '1.5'])).toThrow('--zipf-exponent shapes --keys zipf; the keys are none');
    expect(() => configOf(['--keys', 'zipf', '--zipf-exponent', '-1'])).toThrow('--zipf-exponent takes a number from 0 to 10, not "-1"');
    expect(configOf(['--keys', 'zipf', '--zipf-exponent', '1.5'])).toMatchObject({ keys: 'zipf', zipfExponent: 1.5 });
    expect(() => configOf(['--throughput', '0'])).toThrow('--throughput takes records per second');
  });
});

describe('--throughput-profile', () => {
  it('reads time:rate points from 0s, and refuses what cannot run as a profile, in one line', () => {
    expect(configOf(['--throughput-profile', '0s:1000, 30s:50000,1m:50000,90s:0', '--duration', '90s']).throughputProfile).toEqual([
      { atMs: 0, recordsPerSec: 1000 }, { atMs: 30_000, recordsPerSec: 50_000 }, { atMs: 60_000, recordsPerSec: 50_000 }, { atMs: 90_000, recordsPerSec: 0 },
    ]);
    expect(() => configOf(['--throughput-profile', '5s:1000'])).toThrow('--throughput-profile starts at 0s');
    expect(() => configOf(['--throughput-profile', '0s:1000,10s:5,5s:7'])).toThrow('times must rise');
    expect(() => configOf(['--throughput-profile', '0s:1000,10s:5,10s:7,10s:9'])).toThrow('two points at one time make a step');
    expect(configOf(['--throughput-profile', '0s:1000,10s:1000,10s:5000']).throughputProfile).toHaveLength(3);
    expect(() => configOf(['--throughput-profile', '0s:fast'])).toThrow('--throughput-profile takes time:rate points such as \'0s:1000,30s:50000\', not "0s:fast"');
    expect(() => configOf(['--throughput-profile', '0s:1000', '--throughput', '500'])).toThrow('--throughput and --throughput-profile exclude each other');
    expect(() => configOf(['--throughput-profile', '0s:1000,10s:0'])).toThrow('--throughput-profile ends at rate 0: give --duration');
  });
});

describe('--throughput split over the workers', () => {
  it('refuses a rate below one record per second per worker: a share of 0 would pace nothing', () => {
    expect(() => configOf(['--throughput', '3', '--workers', '4'])).toThrow('--throughput 3 is less than one record per second for each of the 4 workers');
    expect(configOf(['--throughput', '4', '--workers', '4']).throughputRps).toBe(4);
    expect(configOf(['--throughput', '-1', '--workers', '4']).throughputRps).toBe(-1);
  });
});

describe('--batch-encoding auto', () => {
  it('pre-encodes unless the run needs its records written one by one, under any rate limit (batches start where the worker is)', () => {
    const encodingOf = (argv: string[]) => configOf(argv).batchEncoding;
    expect(encodingOf([])).toBe('pre-encoded');
    expect(encodingOf(['--keys', 'round-robin'])).toBe('per-record');
    expect(encodingOf(['--throughput', '1000', '--workers', '2'])).toBe('pre-encoded');
    expect(encodingOf(['--throughput-profile', '0s:1000,10s:100000', '--workers', '1', '--duration', '20s'])).toBe('pre-encoded');
    // Reused compression only when asked for, and refused where records are written one by one.
    expect(encodingOf(['--batch-encoding', 'pre-encoded-reused'])).toBe('pre-encoded-reused');
    expect(() => configOf(['--batch-encoding', 'pre-encoded-reused', '--keys', 'random']))
      .toThrow('--batch-encoding pre-encoded-reused needs unkeyed records from the value pool, one topic and the kafkajs driver; this run has keyed records (--keys random)');
  });
});

describe('--start-at', () => {
  it('sets the run\'s start barrier, ahead of now, and refuses one passed', () => {
    const before = Date.now();
    const at = configOf(['--start-at', '+30s']).startAtEpochMs!;
    expect(at).toBeGreaterThanOrEqual(before + 30_000);
    expect(at).toBeLessThan(Date.now() + 30_001);
    expect(configOf([]).startAtEpochMs).toBeUndefined();
    expect(() => configOf(['--start-at', '2001-01-01T00:00:00Z'])).toThrow('--start-at 2001-01-01T00:00:00Z has already passed');
  });
});

describe('--fault', () => {
  it('refuses a fault at or after the end of a --duration run before any work: it would not happen', () => {
    expect(configOf(['--duration', '10s', '--fault', 'kill-node 2 at 5s']).faults).toEqual([{ action: 'kill-node', node: 2, atMs: 5000 }]);
    expect(() => configOf(['--duration', '10s', '--fault', 'kill-node 2 at 5s; start-node 2 at 10s']))
      .toThrow('--fault "start-node 2 at 10.0 s" is at or after the run\'s end (--duration 10 s): it would not happen');
  });
});

describe('keys', () => {
  it('takes KIP-1299\'s --key-distribution names (range is round-robin) and --message-key-range, or --keys', () => {
    expect(configOf([])).toMatchObject({ keys: 'none', keyRange: 1024 });
    expect(configOf(['--key-distribution', 'range', '--message-key-range', '500'])).toMatchObject({ keys: 'round-robin', keyRange: 500 });
    for (const mode of ['random', 'zipf', 'sequential', 'none']) expect(configOf(['--key-distribution', mode]).keys).toBe(mode);
    expect(configOf(['--keys', 'sequential']).keys).toBe('sequential');
    expect(configOf(['--keys', 'random', '--key-distribution', 'random']).keys).toBe('random');
  });

  it('refuses a key range that nothing draws from, two different modes, and unknown ones', () => {
    expect(() => configOf(['--message-key-range', '10'])).toThrow('--message-key-range sets how many keys round-robin, random and zipf draw from; the keys are none');
    expect(() => configOf(['--keys', 'sequential', '--message-key-range', '10'])).toThrow('the keys are sequential');
    expect(() => configOf(['--keys', 'random', '--key-distribution', 'zipf'])).toThrow('--keys');
    expect(() => configOf(['--key-distribution', 'hash'])).toThrow('--key-distribution takes one of none, range, round-robin, random, zipf, sequential, not "hash"');
    expect(() => configOf(['--key-distribution', 'range', '--message-key-range', '100001'])).toThrow('--message-key-range');
  });
});

describe('several topics', () => {
  it('takes --topics as named, or --topic-count names after --topic; one topic stays the run\'s topic', () => {
    expect(configOf(['--topics', 'a,b, c'])).toMatchObject({ topic: 'a', topics: ['a', 'b', 'c'] });
    expect(configOf(['--topic', 'load', '--topic-count', '3'])).toMatchObject({ topic: 'load-0', topics: ['load-0', 'load-1', 'load-2'] });
    const one = configOf(['--topic-count', '1']);
    expect([one.topic, one.topics]).toEqual(['datastorm-perf-0', undefined]);
    expect(configOf(['--topics', 'only']).topics).toBeUndefined();
  });

  it('refuses what it cannot count per topic, and names that clash', () => {
    expect(() => configOf(['--topics', 'a,b', '--topic', 'c'])).toThrow('--topics names every topic: it excludes --topic and --topic-count');
    expect(() => configOf(['--topics', 'a,b', '--topic-count', '2'])).toThrow('excludes --topic and --topic-count');
    expect(() => configOf(['--topics', 'a,a'])).toThrow('--topics names a twice');
    expect(() => configOf(['--topics', 'a,b c'])).toThrow('topic name "b c" holds " "');
    expect(() => configOf(['--topic-count', '2', '--transactional-id', 'tx'])).toThrow('several topics (--topics, --topic-count) do not take transactions or --shared-topic yet');
    expect(() => configOf(['--topics', 'a,b', '--shared-topic'])).toThrow('do not take transactions or --shared-topic yet');
    expect(() => configOf(['--topic-count', '0'])).toThrow('--topic-count');
  });
});

describe('headers', () => {
  it('puts the fixed headers first, then --headers generated ones of --header-size bytes', () => {
    expect(configOf([]).headers).toEqual([]);
    const headers = configOf(['--header', 'trace=a=b', '--header', 'empty=', '--headers', '2', '--header-size', '5']).headers;
    expect(headers.map((h) => [h.key, h.value.length])).toEqual([['trace', 3], ['empty', 0], ['header-0', 5], ['header-1', 5]]);
    expect(headers[0].value).toBe('a=b');
    expect(headers[2].value).not.toBe(headers[3].value);
  });

  it('refuses a header without a key, and a size without generated headers', () => {
    expect(() => configOf(['--header', 'novalue'])).toThrow('--header takes key=value, not "novalue"');
    expect(() => configOf(['--header', '=x'])).toThrow('--header takes key=value, not "=x"');
    expect(() => configOf(['--header-size', '10'])).toThrow('--header-size sizes the generated headers; there are none');
    expect(() => configOf(['--headers', '-1'])).toThrow('--headers');
  });
});

describe('transactions, as perf-test turns them on', () => {
  it('by an id (flag or transactional.id, 3000 ms each) or by a duration alone (a performance-producer id)', () => {
    expect(configOf([]).transaction).toBeUndefined();
    expect(configOf(['--transactional-id', 'tx']).transaction).toEqual({ id: 'tx', durationMs: 3000, abortRate: 0 });
    expect(configOf(['--command-property', 'transactional.id=tx2']).transaction).toEqual({ id: 'tx2', durationMs: 3000, abortRate: 0 });
    expect(configOf(['--transactional-id', 'tx', '--transaction-duration-ms', '500']).transaction).toEqual({ id: 'tx', durationMs: 500, abortRate: 0 });
    expect(configOf(['--transaction-duration-ms', '500']).transaction?.id).toMatch(/^performance-producer-[0-9a-f-]{36}$/);
    expect(configOf(['--transactional-id', 'tx', '--abort-rate', '0.25']).transaction).toEqual({ id: 'tx', durationMs: 3000, abortRate: 0.25 });
  });

  it('refuses what Kafka\'s transactional producer cannot do, in one line', () => {
    expect(() => configOf(['--transactional-id', 'tx', '--acks', '1'])).toThrow('transactions (--transactional-id, --transaction-duration-ms) need --acks all and idempotence');
    expect(() => configOf(['--transaction-duration-ms', '500', '--no-idempotent'])).toThrow('need --acks all and idempotence');
    expect(() => configOf(['--transactional-id', ''])).toThrow('--transactional-id is empty');
    expect(() => configOf(['--transactional-id', 'tx', '--driver', 'platformatic'])).toThrow('--driver platformatic does not produce in transactions here');
    expect(() => configOf(['--transactional-id', 'tx', '--shared-topic'])).toThrow('--shared-topic does not take transactions yet');
    expect(() => configOf(['--transaction-duration-ms', '0'])).toThrow('--transaction-duration-ms');
    expect(() => configOf(['--abort-rate', '0.5'])).toThrow('--abort-rate aborts transactions; this run has none');
    for (const bad of ['1.5', '-0.1', 'half', '']) {
      expect(() => configOf(['--transactional-id', 'tx', '--abort-rate', bad])).toThrow('--abort-rate takes a fraction of the transactions, from 0 to 1');
    }
  });
});

describe('splitting work across workers', () => {
  it('splits counts exactly, spreading the remainder', () => {
    expect(splitExactly(10, 3)).toEqual([4, 3, 3]);
    expect(splitExactly(2, 4)).toEqual([1, 1, 0, 0]);
    for (const [total, parts] of [[1_000_003, 16], [7, 7], [0, 5]]) {
      expect(splitExactly(total, parts).reduce((a, b) => a + b, 0)).toBe(total);
    }
  });

  it('gives workers their own partitions when there are enough', () => {
    expect(partitionsOfWorker(1, 4, 8)).toEqual([1, 5]);
    expect(partitionsOfWorker(3, 16, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('runs a thread per worker up to the cores, then several workers to a thread', () => {
    expect([threadsFor(1, 2), threadsFor(2, 2), threadsFor(16, 2), threadsFor(16, 32)]).toEqual([1, 2, 2, 16]);
    expect([youngGenerationMbPerThread(1), youngGenerationMbPerThread(2), youngGenerationMbPerThread(16)]).toEqual([16, 16, 2]);
  });
});
