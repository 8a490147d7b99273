import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import { Command } from 'commander';
import { MultipleErrors, NetworkError, ProtocolError, ResponseError } from '@platformatic/kafka';
import { afterEach, describe, expect, it } from 'vitest';
import { checkDriverSupport, type DriverChoice } from '../../src/drivers/driver-support.js';
import {
  DEFAULT_DRIVER, DRIVERS, DRIVER_NAMES, describeDriverChoices, driverOf, driverThatCan, listed,
} from '../../src/drivers/driver-registry.js';
import { KafkajsConsumerDriver } from '../../src/drivers/kafkajs-consumer.js';
import { KafkajsDriver, kafkajsErrorType } from '../../src/drivers/kafkajs-driver.js';
import kafkajs from '../../src/kafka/kafkajs.js';
import { CODEC_NAMES } from '../../src/kafka/codecs.js';
import { PlatformaticDriver, batchMessages, platformaticErrorType, retryDelayMs } from '../../src/drivers/platformatic-driver.js';
import { BatchCollector, PlatformaticConsumerDriver, assignedPartitions } from '../../src/drivers/platformatic-consumer.js';
import { platformaticSecurity } from '../../src/security/platformatic-security.js';
import type { FetchedBatch } from '../../src/drivers/consumer-driver.js';
import { RecordAccumulator, type ProducerBatch } from '../../src/produce/accumulator.js';
import { BatchBufferPool, REQUEST_ROOM_BYTES } from '../../src/produce/batch-buffers.js';
import { produceOptions, toProduceRun, type ProduceFlags } from '../../src/run-spec/produce-options.js';
import { DataStormError } from '../../src/shared/errors.js';
import { PLAINTEXT, SASL_MECHANISMS, type ClientSecurity } from '../../src/security/client-security.js';
import { errorOf } from '../helpers.js';

function configOf(argv: string[]) {
  const command = new Command('produce').exitOverride().configureOutput({ writeErr: () => undefined });
  for (const option of produceOptions()) command.addOption(option);
  command.parse(argv, { from: 'user' });
  return toProduceRun(command.opts<ProduceFlags>(), (key) => command.getOptionValueSource(key) === 'cli').config;
}

/** The batches of the same appends, listed or written, drained in order. */
function batchesOf(listRecords: boolean, records: Array<[number, Buffer | null, Buffer]>): ProducerBatch[] {
  const pool = new BatchBufferPool(4096 + REQUEST_ROOM_BYTES, 64);
  const accumulator = new RecordAccumulator(pool, { batchLimitBytes: 4096, lingerUs: 0, newRunAt: 0, listRecords });
  records.forEach(([partition, key, value], index) => expect(accumulator.append(partition, key, value, index, 7)).toBe(true));
  const batches: ProducerBatch[] = [];
  for (let batch = accumulator.next(0, true); batch; batch = accumulator.next(0, true)) batches.push(batch);
  return batches;
}

describe('listed batches (a driver that encodes records itself)', () => {
  const records = Array.from({ length: 100 }, (_, i): [number, Buffer | null, Buffer] =>
    [i % 3, i % 2 === 0 ? Buffer.from(`key-${i}`) : null, Buffer.alloc(50 + (i % 7) * 30, i)]);

  it('close at the sizes written batches close at, with the same records and runs, their keys and values kept in order', () => {
    const written = batchesOf(false, records);
    const listed = batchesOf(true, records);
    expect(listed.map((b) => [b.partition, b.recordCount, b.sizeBytes, b.payloadBytes, b.runs]))
      .toEqual(written.map((b) => [b.partition, b.recordCount, b.sizeBytes, b.payloadBytes, b.runs]));
    expect(listed.length).toBeGreaterThan(3); // some batches closed full, so sizes were compared at their limit
    for (const batch of written) expect(batch.listed).toBeUndefined();
    const partition1 = records.filter(([p]) => p === 1);
    const listed1 = listed.filter((b) => b.partition === 1);
    expect(listed1.flatMap((b) => b.listed!.values)).toEqual(partition1.map(([, , v]) => v));
    expect(listed1.flatMap((b) => b.listed!.keys)).toEqual(partition1.map(([, k]) => k));
  });

  it('become platformatic messages of their partition, a null key left out', () => {
    const [batch] = batchesOf(true, [[2, Buffer.from('k'), Buffer.from('a')], [2, null, Buffer.from('b')]]);
    expect(batchMessages('t', batch)).toEqual([
      { topic: 't', partition: 2, key: Buffer.from('k'), value: Buffer.from('a') },
      { topic: 't', partition: 2, key: undefined, value: Buffer.from('b') },
    ]);
    const [written] = batchesOf(false, [[0, null, Buffer.from('a')]]);
    expect(() => batchMessages('t', written)).toThrow('platformatic sends listed batches');
  });
});

describe('kafkajsErrorType', () => {
  const { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } = kafkajs;
  it('says what happened, not the kafkajs class that wrapped it: the broker\'s error name, else the cause\'s words', () => {
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:29792', { broker: '127.0.0.1:29792', code: 'ECONNREFUSED' });
    // As kafkajs's retrier rejects a send whose retries ran out on a connection error.
    // @ts-expect-error kafkajs's types lack the options (the cause) its retrier passes.
    expect(kafkajsErrorType(new KafkaJSNonRetriableError(refused, { cause: refused }))).toBe('Connection error: connect ECONNREFUSED 127.0.0.1:29792');
    // @ts-expect-error kafkajs's types take a message; its code also takes the broker's error object, as its retrier passes it.
    const notLeader = new KafkaJSProtocolError({ message: 'This server is not the leader', type: 'NOT_LEADER_OR_FOLLOWER', code: 6, retriable: true });
    expect(kafkajsErrorType(new KafkaJSNumberOfRetriesExceeded(notLeader, { retryCount: 5, retryTime: 100 }))).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(kafkajsErrorType(new KafkaJSNonRetriableError('Cannot continue to use transaction once ended'))).toBe('Cannot continue to use transaction once ended');
  });
});

describe('platformaticErrorType', () => {
  it('names Kafka\'s error inside the client\'s nested errors, the last retry\'s first', () => {
    const tooLarge = new ResponseError(0, 9, { '/responses/0/partitions/0': [10, null] }, {});
    expect(platformaticErrorType(new MultipleErrors('Producing messages failed.', [tooLarge]))).toBe('MESSAGE_TOO_LARGE');
    const retried = new MultipleErrors('Performing produce failed.', [new ProtocolError('NOT_LEADER_OR_FOLLOWER'), new ProtocolError('REQUEST_TIMED_OUT')]);
    expect(platformaticErrorType(new MultipleErrors('Producing messages failed.', [retried]))).toBe('REQUEST_TIMED_OUT');
  });

  it('falls back to the client\'s code, then the error\'s name', () => {
    expect(platformaticErrorType(new MultipleErrors('Producing messages failed.', [new NetworkError('Connection closed')]))).toBe('PLT_KFK_NETWORK');
    expect(platformaticErrorType(new TypeError('x'))).toBe('TypeError');
  });
});

describe('platformaticSecurity', () => {
  it('gives platformatic Node\'s TLS options and the SASL user, and nothing for PLAINTEXT', () => {
    expect(platformaticSecurity(PLAINTEXT)).toEqual({});
    const security = {
      protocol: 'SASL_SSL' as const, tls: { caPem: 'PEM', verifyHostname: true },
      sasl: { mechanism: 'SCRAM-SHA-256' as const, username: 'u', password: 'p' }, properties: {},
    };
    expect(platformaticSecurity(security)).toEqual({
      tls: { rejectUnauthorized: true, ca: ['PEM'] }, sasl: { mechanism: 'SCRAM-SHA-256', username: 'u', password: 'p' },
    });
    const unverified = platformaticSecurity({ protocol: 'SSL', tls: { verifyHostname: false }, properties: {} });
    expect(unverified.sasl).toBeUndefined();
    expect(unverified.tls?.checkServerIdentity?.('host', {} as never)).toBeUndefined(); // the chain is checked, the name is not
  });
});

describe('retryDelayMs', () => {
  it('doubles from kafkajs\'s initial retry time up to its maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 20].map(retryDelayMs)).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});

describe('--driver', () => {
  it('is kafkajs unless chosen', () => {
    expect(configOf([]).driver).toBe('kafkajs');
    expect(configOf(['--driver', 'platformatic']).driver).toBe('platformatic');
  });

  it('takes only a known driver', () => {
    expect(() => configOf(['--driver', 'rdkafka'])).toThrow('--driver takes one of kafkajs, platformatic, not "rdkafka"');
  });

  it('refuses what platformatic cannot do here, and nothing for kafkajs', () => {
    const ssl = { protocol: 'SSL' as const, properties: {} };
    const scram = { protocol: 'SASL_SSL' as const, sasl: { mechanism: 'SCRAM-SHA-512' as const, username: 'u', password: 'p' }, properties: {} };
    const oauth = { protocol: 'SASL_SSL' as const, sasl: { mechanism: 'OAUTHBEARER' as const, tokenFile: '/t' }, properties: {} };
    expect(() => checkDriverSupport({ driver: 'platformatic', compression: 'none', security: ssl })).not.toThrow();
    expect(() => checkDriverSupport({ driver: 'platformatic', compression: 'none', security: scram })).not.toThrow();
    expect(errorOf(() => checkDriverSupport({ driver: 'platformatic', compression: 'none', security: oauth })).message)
      .toBe('--driver platformatic authenticates with PLAIN and SCRAM here, not OAUTHBEARER');
    expect(() => checkDriverSupport({ driver: 'kafkajs', compression: 'zstd', security: oauth })).not.toThrow();
    expect(() => checkDriverSupport({ driver: 'platformatic', compression: 'lz4', security: PLAINTEXT })).not.toThrow();
    const zstd = () => checkDriverSupport({ driver: 'platformatic', compression: 'zstd', security: PLAINTEXT });
    if (process.versions.node.startsWith('20.')) expect(errorOf(zstd).code).toBe('DS_UNSUPPORTED_BY_DRIVER');
    // A consumer of another's topic does not know its codec: only the security is checked.
    expect(() => checkDriverSupport({ driver: 'platformatic', security: PLAINTEXT })).not.toThrow();
    expect(errorOf(() => checkDriverSupport({ driver: 'platformatic', security: oauth })).code).toBe('DS_UNSUPPORTED_BY_DRIVER');
    expect(errorOf(() => checkDriverSupport({ driver: 'platformatic', security: PLAINTEXT, consumersUnderFaults: true })).message)
      .toBe('--driver platformatic consumers do not ride out --fault: they fail when a broker dies');
    expect(() => checkDriverSupport({ driver: 'kafkajs', security: PLAINTEXT, consumersUnderFaults: true })).not.toThrow();
  });
});

describe('driver in a bench workload', () => {
  it('is a workload key, kafkajs when left out, checked as the flag is', async () => {
    const { workloadFromObject } = await import('../../src/bench/workload.js');
    expect(workloadFromObject({ workers: 1, 'num-records': 10 }, 'w.yaml').config.driver).toBe('kafkajs');
    expect(workloadFromObject({ workers: 1, 'num-records': 10, driver: 'platformatic' }, 'w.yaml').config.driver).toBe('platformatic');
    expect(() => workloadFromObject({ workers: 1, 'num-records': 10, driver: 'rdkafka' }, 'w.yaml')).toThrow('rdkafka');
  });
});

describe('platformatic\'s consumer messages, gathered into batches', () => {
  // platformatic types key and value as Buffers; a record without one arrives with undefined there.
  const message = (partition: number, offset: number, key: Buffer | undefined, value: Buffer | undefined) =>
    ({ partition, offset: BigInt(offset), timestamp: BigInt(1_700_000_000_000 + offset), key, value }) as Parameters<BatchCollector['add']>[0];

  it('one batch per partition run, in order, with each record\'s offset, timestamp, key and value', () => {
    const batches: FetchedBatch[] = [];
    const collector = new BatchCollector((batch) => batches.push(batch), (partition) => (partition === 1 ? 12 : 7));
    collector.add(message(1, 10, Buffer.from('k'), Buffer.from('ab')));
    collector.add(message(1, 11, undefined, Buffer.from('c')));
    collector.add(message(0, 5, undefined, undefined));
    expect(batches).toHaveLength(1); // partition 0's run is still open
    collector.flush();
    collector.flush(); // nothing left: no empty batch
    expect(batches).toEqual([
      { partition: 1, nextOffset: 12, records: [
        { offset: 10, timestamp: 1_700_000_000_010, key: Buffer.from('k'), value: Buffer.from('ab') },
        { offset: 11, timestamp: 1_700_000_000_011, key: null, value: Buffer.from('c') },
      ] },
      { partition: 0, nextOffset: 7, records: [{ offset: 5, timestamp: 1_700_000_000_005, key: null, value: null }] },
    ]);
  });

  it('says the batch ends past its last record when the client\'s next offset is behind it (a seek made meanwhile)', () => {
    const batches: FetchedBatch[] = [];
    const collector = new BatchCollector((batch) => batches.push(batch), () => 3);
    collector.add(message(2, 40, undefined, Buffer.from('x')));
    collector.flush();
    expect(batches[0].nextOffset).toBe(41);
  });

  it('reads this consumer\'s partitions of the topic from a join\'s assignments, ascending', () => {
    const assignments = [{ topic: 'other', partitions: [0] }, { topic: 't', partitions: [5, 1, 3] }];
    expect(assignedPartitions({ assignments }, 't')).toEqual([1, 3, 5]);
    expect(assignedPartitions({ assignments }, 'missing')).toEqual([]);
    expect(assignedPartitions({}, 't')).toEqual([]);
  });
});

describe('the driver registry (src/drivers/driver-registry.ts)', () => {
  const installed = (pkg: string) => (JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as { version: string }).version;

  it('describes each client: its library as installed, and what it can do', () => {
    expect(DRIVER_NAMES).toEqual(['kafkajs', 'platformatic']);
    expect(DEFAULT_DRIVER).toBe('kafkajs');
    expect(DRIVERS.map(({ name, library, patched, isDefault, takes, transactions, saslMechanisms, consumersRideOutFaults }) =>
      ({ name, library, patched, isDefault, takes, transactions, saslMechanisms, consumersRideOutFaults }))).toEqual([
      { name: 'kafkajs', library: `kafkajs ${installed('kafkajs')}`, patched: true, isDefault: true, takes: 'encoded', transactions: true,
        saslMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'], consumersRideOutFaults: true },
      { name: 'platformatic', library: `@platformatic/kafka ${installed('@platformatic/kafka')}`, patched: false, isDefault: false, takes: 'listed',
        transactions: false, saslMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'], consumersRideOutFaults: false },
    ]);
    expect(driverOf('platformatic').name).toBe('platformatic');
    expect(driverThatCan((driver) => !driver.isDefault).name).toBe('platformatic');
  });

  it('makes each driver\'s producer and consumer (without connecting)', async () => {
    const settings = { topic: 't', compression: 'none' as const, acks: -1 as const, idempotent: true, maxInFlight: 1, headers: [], security: PLAINTEXT };
    const consumer = { bootstrap: ['127.0.0.1:1'], security: PLAINTEXT, clientId: 'c', topic: 't', group: 'g', fetchSizeBytes: 1024, countOnly: false };
    expect(await driverOf('kafkajs').createProducer(settings, ['127.0.0.1:1'], 'p')).toBeInstanceOf(KafkajsDriver);
    expect(await driverOf('kafkajs').createConsumer(consumer)).toBeInstanceOf(KafkajsConsumerDriver);
    expect(await driverOf('platformatic').createProducer(settings, ['127.0.0.1:1'], 'p')).toBeInstanceOf(PlatformaticDriver);
    expect(await driverOf('platformatic').createConsumer(consumer)).toBeInstanceOf(PlatformaticConsumerDriver);
  });

  it('names the choices for --help from the descriptions', () => {
    expect(describeDriverChoices('producer')).toBe('kafkajs (DataStorm\'s patched kafkajs 2.2.4: batches sent as written) or platformatic (@platformatic/kafka 1.35.0; no OAUTHBEARER, no transactions)');
    expect(describeDriverChoices('consumer')).toBe('kafkajs (DataStorm\'s patched kafkajs 2.2.4) or platformatic (@platformatic/kafka 1.35.0; no OAUTHBEARER; its consumers stop when a broker dies)');
    expect([[], ['a'], ['a', 'b'], ['a', 'b', 'c']].map((words) => listed(words, 'or'))).toEqual(['', 'a', 'a or b', 'a, b or c']);
  });
});

describe('checkDriverSupport, asking the registry', () => {
  const zlibFunctions = zlib as { zstdCompressSync?: unknown };
  const nodeZstd = zlibFunctions.zstdCompressSync;
  /** Node's zlib with zstd (Node 22.15+) or without (Node 20), whichever Node runs the test. */
  const zstdInZlib = (present: boolean) => { zlibFunctions.zstdCompressSync = present ? (nodeZstd ?? (() => Buffer.alloc(0))) : undefined; };
  afterEach(() => { zlibFunctions.zstdCompressSync = nodeZstd; });

  /** checkDriverSupport as it was before the registry (88da483), word for word: what it must still refuse, and how. */
  function refusalBefore({ driver, compression, security, consumersUnderFaults }: DriverChoice): [string, string, string | undefined] | undefined {
    if (driver !== 'platformatic') return undefined;
    if (consumersUnderFaults) {
      return ['DS_UNSUPPORTED_BY_DRIVER', '--driver platformatic consumers do not ride out --fault: they fail when a broker dies', 'use --driver kafkajs with --fault'];
    }
    if (security.sasl?.mechanism === 'OAUTHBEARER') {
      return ['DS_UNSUPPORTED_BY_DRIVER', '--driver platformatic authenticates with PLAIN and SCRAM here, not OAUTHBEARER', 'use --driver kafkajs for OAUTHBEARER'];
    }
    if (compression === 'zstd' && typeof zlibFunctions.zstdCompressSync !== 'function') {
      return ['DS_UNSUPPORTED_BY_DRIVER', `--driver platformatic compresses and reads zstd with Node's zlib, which Node ${process.version} lacks`, 'use gzip, snappy or lz4, or --driver kafkajs'];
    }
    return undefined;
  }

  function refusalNow(choice: DriverChoice): [string, string, string | undefined] | undefined {
    try {
      checkDriverSupport(choice);
      return undefined;
    } catch (error) {
      if (!(error instanceof DataStormError)) throw error;
      return [error.code, error.message, error.hint];
    }
  }

  const securities: ClientSecurity[] = [PLAINTEXT, { protocol: 'SSL', properties: {} }, ...SASL_MECHANISMS.map((mechanism): ClientSecurity => ({
    protocol: 'SASL_SSL', properties: {},
    sasl: mechanism === 'OAUTHBEARER' ? { mechanism, tokenFile: '/t' } : { mechanism, username: 'u', password: 'p' },
  }))];

  it('refuses exactly what it refused before, in the same words, with Node\'s zlib with zstd and without', () => {
    let refused = 0;
    for (const zstd of [true, false]) {
      zstdInZlib(zstd);
      for (const driver of DRIVER_NAMES) {
        for (const compression of [undefined, ...CODEC_NAMES]) {
          for (const security of securities) {
            for (const consumersUnderFaults of [undefined, false, true]) {
              const choice = { driver, compression, security, consumersUnderFaults };
              const before = refusalBefore(choice);
              expect(refusalNow(choice), JSON.stringify({ zstd, ...choice })).toEqual(before);
              if (before) refused++;
            }
          }
        }
      }
    }
    // platformatic: every choice under --fault, OAUTHBEARER otherwise, and zstd without Node's on the rest.
    expect(refused).toBe(2 * 6 * 6 * 1 + 2 * 6 * 1 * 2 + 1 * 1 * 5 * 2);
  });

  it('asks Node\'s zlib for zstd when asked, not when loaded', () => {
    zstdInZlib(false);
    expect(driverOf('platformatic').lacksCodec('zstd')).toBe(`compresses and reads zstd with Node's zlib, which Node ${process.version} lacks`);
    zstdInZlib(true);
    expect(driverOf('platformatic').lacksCodec('zstd')).toBeUndefined();
    expect(CODEC_NAMES.filter((codec) => driverOf('kafkajs').lacksCodec(codec) !== undefined)).toEqual([]);
  });

  it('refuses transactions for a driver without them, naming the one with them', () => {
    const refusal = errorOf(() => configOf(['--transactional-id', 'tx', '--driver', 'platformatic']));
    expect([refusal.code, refusal.message, refusal.hint]).toEqual(['DS_UNSUPPORTED_BY_DRIVER', '--driver platformatic does not produce in transactions here', 'use --driver kafkajs (the default)']);
  });
});
