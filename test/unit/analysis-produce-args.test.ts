import { describe, expect, it } from 'vitest';
import {
  checkSingleValued, keyOfFlagName, produceArgv, runConfigOf, splitValues,
} from '../../src/analysis/produce-args.js';
import { cpuPercentOfMachine, parseProcStatCpuTicks } from '../../src/analysis/process-usage.js';
import { pointProcessArgs, pointTopic } from '../../src/analysis/run-analysis.js';

describe('produce options as text', () => {
  it('splits a comma list, checking every value with produce\'s own parser', () => {
    expect(splitValues('workers', '1,2, 4')).toEqual(['1', '2', '4']);
    expect(splitValues('batch', '1MB,4MB,16MB')).toEqual(['1MB', '4MB', '16MB']);
    expect(splitValues('compression', 'lz4')).toEqual(['lz4']);
    expect(() => splitValues('workers', '1,two')).toThrow('--workers takes a whole number from 1 to 256, not "two"');
    expect(() => splitValues('batch', '1MB,,4MB')).toThrow('--batch has an empty value in "1MB,,4MB"');
    expect(() => splitValues('compression', 'lz4,brotli')).toThrow('unknown codec "brotli"');
  });

  it('keeps values that may hold commas whole', () => {
    expect(splitValues('producerProps', 'bootstrap.servers=a:1,b:2')).toEqual(['bootstrap.servers=a:1,b:2']);
    expect(splitValues('payloadDelimiter', ',')).toEqual([',']);
  });

  it('writes a produce command line in the order given, flags without values bare', () => {
    expect(produceArgv({ numRecords: ['2000'], serializeOnSend: true, batch: ['16MB'], producerProps: ['acks=1', 'linger.ms=5'] }))
      .toEqual(['--num-records', '2000', '--serialize-on-send', '--batch', '16MB', '--producer-props', 'acks=1', 'linger.ms=5']);
  });

  it('maps stage-file names to options', () => {
    expect(keyOfFlagName('num-records')).toBe('numRecords');
    expect(keyOfFlagName('producer.config')).toBe('producerConfig');
    expect(keyOfFlagName('batch-size')).toBeUndefined();
  });

  it('builds the RunConfig produce would, with its defaults and its cross-option rules', () => {
    const config = runConfigOf({ numRecords: ['5000'], workers: ['8'], batch: ['16MB'], serializeOnSend: true, producerConfig: undefined });
    expect(config).toMatchObject({
      numRecords: 5000, workers: 8, batchBytes: 16 * 1024 * 1024, lingerMs: 5, compression: 'none', partitions: 8,
      payload: { kind: 'avro', recordSizeBytes: 250, serializeOnSend: true },
    });
    expect(() => runConfigOf({ idempotent: true, acks: ['1'] })).toThrow('idempotence (--idempotent or enable.idempotence=true) needs --acks all');
    expect(() => runConfigOf({ numRecords: ['10'], duration: ['5s'] })).toThrow('--num-records and --duration exclude each other');
  });

  it('names the option that has several values where one is wanted', () => {
    expect(() => checkSingleValued({ workers: ['2'], linger: ['0', '5'] }, 'compare varies the codec only'))
      .toThrow('--linger has several values (0,5): compare varies the codec only');
    expect(() => checkSingleValued({ workers: ['2'], producerProps: ['acks=1', 'linger.ms=5'] }, 'x')).not.toThrow();
  });
});

describe('a process of a point', () => {
  it('runs the options given, then the point\'s own topic and the cluster, and shows as that command', () => {
    const args = pointProcessArgs({ numRecords: ['10'], compression: ['lz4'] }, 'datastorm-compare-lz4-x1', ['h:1', 'h:2']);
    expect(produceArgv(args)).toEqual([
      '--num-records', '10', '--compression', 'lz4', '--topic', 'datastorm-compare-lz4-x1', '--bootstrap-server', 'h:1,h:2',
    ]);
    expect(runConfigOf(args)).toMatchObject({ numRecords: 10, compression: 'lz4', topic: 'datastorm-compare-lz4-x1' });
    expect(pointTopic('datastorm', 'sweep', '16MB/x y', 'm1')).toBe('datastorm-sweep-16MB-x-y-m1');
  });
});

describe('process CPU from /proc', () => {
  it('reads utime + stime after the command name, which may hold spaces and parentheses', () => {
    const stat = '4242 (java (kafka) 1) S 1 4242 4242 0 -1 4194560 91833 0 12 0 1234 567 0 0 20 0 97 0 3521 4127842304 231012';
    expect(parseProcStatCpuTicks(stat)).toBe(1234 + 567);
    expect(() => parseProcStatCpuTicks('garbage')).toThrow('not a /proc/<pid>/stat line');
  });

  it('gives CPU time as a share of every core over a window', () => {
    expect(cpuPercentOfMachine(1500, 1000, 2)).toBe(75);
    expect(cpuPercentOfMachine(500, 0, 2)).toBe(0);
  });
});
