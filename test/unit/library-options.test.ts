import { describe, expect, it } from 'vitest';
import { consume, produce, shareConsume } from '../../src/library/index.js';
import { flagsOfValues } from '../../src/run-spec/option-spec.js';
import { defaultProduceFlags, PRODUCE_OPTIONS, toProduceRun, type ProduceFlags } from '../../src/run-spec/produce-options.js';
import { DataStormError } from '../../src/shared/errors.js';

const flagsOf = (values: Record<string, unknown>) => flagsOfValues('produce', PRODUCE_OPTIONS, values as never);

// The library's options go through produce's option table: the same parsers, defaults and errors as the command line.
describe('options given as values (the library)', () => {
  it('parse text and numbers with the option\'s parser and default the rest as the command line does', () => {
    const { flags, typed } = flagsOf({ batch: '16MB', numRecords: 5000, compression: 'lz4', producerProps: ['acks=1', 'linger.ms=5'] });
    expect(flags.batch).toBe(16 * 1024 * 1024);
    expect(flags.numRecords).toBe(5000);
    expect(flags.compression).toBe('lz4');
    expect(flags.producerProps).toEqual(['acks=1', 'linger.ms=5']);
    expect(flags.recordSize).toBe(250);
    expect(typed('batch')).toBe(true);
    expect(typed('recordSize')).toBe(false);
    const { config } = toProduceRun(flags as unknown as ProduceFlags, typed as (key: keyof ProduceFlags) => boolean);
    expect(config).toEqual(toProduceRun({ ...defaultProduceFlags(), batch: 16 * 1024 * 1024, numRecords: 5000, compression: 'lz4', producerProps: ['acks=1', 'linger.ms=5'] },
      (key) => ['batch', 'numRecords', 'compression', 'producerProps'].includes(key)).config);
    expect(config.acks).toBe(1);
    expect(config.lingerMs).toBe(5);
  });

  it('key a flag with a dot as commander does (--producer.config: producer.config), and count it as typed', () => {
    const { flags, typed } = flagsOf({ producerConfig: '/tmp/client.properties' });
    expect(flags['producer.config']).toBe('/tmp/client.properties');
    expect(typed('producer.config')).toBe(true);
  });

  it('read a negated switch (--no-idempotent, --no-auto-register) as the command line does: true turns the setting off', () => {
    expect(flagsOf({ noIdempotent: true }).flags.idempotent).toBe(false);
    expect(flagsOf({ idempotent: true }).flags.idempotent).toBe(true);
    expect(flagsOf({}).flags.idempotent).toBeUndefined();
    expect(flagsOf({ noAutoRegister: true }).flags.autoRegister).toBe(false);
    expect(flagsOf({}).flags.autoRegister).toBeUndefined();
  });

  it('refuse, in one line, a name the command lacks, a value its parser refuses and a switch given a value', () => {
    expect(() => flagsOf({ batchSize: '1MB' })).toThrow("produce has no option batchSize");
    expect(() => flagsOf({ acks: 'most' })).toThrow("option '--acks <acks>' argument 'most' is invalid. --acks takes all, -1, 0 or 1, not \"most\"");
    expect(() => flagsOf({ json: 'yes' })).toThrow(DataStormError);
    expect(() => flagsOf({ serializeOnSend: 'yes' })).toThrow('--serialize-on-send is a switch: give true or false, not "yes"');
    expect(() => flagsOf({ batch: true })).toThrow('--batch takes a value');
  });

  it('reject a bad run before any work: produce and consume check their options first', async () => {
    await expect(produce({ numRecords: 10, duration: '5s' })).rejects.toThrow('--num-records and --duration exclude each other');
    await expect(produce({ compression: 'brotli' })).rejects.toThrow('unknown codec "brotli"');
    await expect(consume({ numRecords: 10 })).rejects.toThrow('give the topic with --topic or --include (one of them)');
    await expect(consume({ topic: 't', numRecords: 10, json: true } as never)).rejects.toThrow('consume has no option json');
    await expect(consume({ topic: 't', numRecords: 10, releaseRate: 0.1 })).rejects.toThrow('--release-rate is for share groups: give --share-group <id>');
    await expect(shareConsume({ topic: 't', numRecords: 10, shareGroup: 'g', releaseRate: 2 })).rejects.toThrow('--release-rate takes a fraction of the records, from 0 to 1');
    await expect(shareConsume({ topic: 't', numRecords: 10, shareGroup: 'g', group: 'x' })).rejects.toThrow('--group cannot be given with --share-group');
  });
});
