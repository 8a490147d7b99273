import zlib from 'node:zlib';
import type { CodecName } from '../kafka/codecs.js';
import { SASL_MECHANISMS, type SaslMechanism } from '../security/client-security.js';
import type { ConsumerDriver, ConsumerDriverOptions } from './consumer-driver.js';
import type { ProducerDriver, ProducerSettings } from './producer-driver.js';

/**
 * One Kafka client (--driver): what it is, what it can do, and how its producer and consumer are made. The rest of
 * DataStorm asks these questions here instead of comparing driver names.
 */
export interface DriverDescription {
  readonly name: string;
  /** The client library and its version, as --help names it. */
  readonly library: string;
  /** Runs with DataStorm's fixes to its send and fetch paths (src/kafka/kafkajs-patches.ts). */
  readonly patched: boolean;
  /** --driver's default. */
  readonly isDefault: boolean;
  /**
   * 'encoded': its producer sends a batch's records as the accumulator wrote them, in Kafka's format (so batches can
   * be pre-encoded). 'listed': it encodes them itself from the batch's keys and values (the accumulator only sizes them).
   */
  readonly takes: 'encoded' | 'listed';
  /** Produces in transactions (RunConfig.transaction). */
  readonly transactions: boolean;
  readonly saslMechanisms: readonly SaslMechanism[];
  /** Why it cannot write and read a codec on this Node (asked at run time: Node's zlib decides), or undefined when it can. */
  lacksCodec(codec: CodecName): string | undefined;
  /** Its consumers go on through a broker's death (consume's and e2e's --fault). */
  readonly consumersRideOutFaults: boolean;
  /** Its producer, loading its client library only now (in a worker, only the run's driver's library loads). */
  createProducer(settings: ProducerSettings, bootstrap: string[], clientId: string): Promise<ProducerDriver>;
  /** Its consumer, loading its client library only now. */
  createConsumer(options: ConsumerDriverOptions): Promise<ConsumerDriver>;
}

const zlibHasZstd = () => typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === 'function';

/** The drivers, the default first (the order --driver lists them in). */
export const DRIVERS = [
  {
    name: 'kafkajs',
    library: 'kafkajs 2.2.4',
    patched: true,
    isDefault: true,
    takes: 'encoded',
    transactions: true,
    // With DataStorm's codecs and security it does all a run can ask.
    saslMechanisms: SASL_MECHANISMS,
    lacksCodec: () => undefined,
    consumersRideOutFaults: true,
    createProducer: async (settings, bootstrap, clientId) => new (await import('./kafkajs-driver.js')).KafkajsDriver(settings, bootstrap, clientId),
    createConsumer: async (options) => new (await import('./kafkajs-consumer.js')).KafkajsConsumerDriver(options),
  },
  {
    name: 'platformatic',
    library: '@platformatic/kafka 1.35.0',
    patched: false,
    isDefault: false,
    takes: 'listed',
    transactions: false,
    saslMechanisms: ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'],
    // As the client itself checks: zstd only where Node's zlib has it (Node 22.15+).
    lacksCodec: (codec) => (codec === 'zstd' && !zlibHasZstd() ? `compresses and reads zstd with Node's zlib, which Node ${process.version} lacks` : undefined),
    // Its consumer failed on a broker's death with "Cannot read properties of undefined (reading 'host')" (1.35.0).
    consumersRideOutFaults: false,
    createProducer: async (settings, bootstrap, clientId) => new (await import('./platformatic-driver.js')).PlatformaticDriver(settings, bootstrap, clientId),
    createConsumer: async (options) => new (await import('./platformatic-consumer.js')).PlatformaticConsumerDriver(options),
  },
] as const satisfies readonly DriverDescription[];

export type DriverName = (typeof DRIVERS)[number]['name'];
export const DRIVER_NAMES: readonly DriverName[] = DRIVERS.map((driver) => driver.name);
export const DEFAULT_DRIVER: DriverName = DRIVERS.find((driver) => driver.isDefault)!.name;

export function driverOf(name: DriverName): DriverDescription {
  return DRIVERS.find((driver) => driver.name === name)!;
}

/** The first driver (the default first) that can do what another cannot: the one a refusal's hint names. */
export function driverThatCan(can: (driver: DriverDescription) => boolean): DriverDescription {
  return DRIVERS.find(can)!;
}

/** Words as a sentence lists them: "a", "a and b", "a, b and c". */
export function listed(words: readonly string[], conjunction: 'and' | 'or'): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)!}`;
}

/**
 * --driver's choices for --help: each driver, its library and what it lacks that the command could ask of it
 * (its codecs depend on the Node it runs on, so --help leaves them to the refusal).
 */
export function describeDriverChoices(side: 'producer' | 'consumer'): string {
  return listed(DRIVERS.map((driver: DriverDescription) => {
    const library = `${driver.patched ? 'DataStorm\'s patched ' : ''}${driver.library}${side === 'producer' && driver.takes === 'encoded' ? ': batches sent as written' : ''}`;
    const lacks = [
      ...SASL_MECHANISMS.filter((mechanism) => !driver.saslMechanisms.includes(mechanism)),
      ...(side === 'producer' && !driver.transactions ? ['transactions'] : []),
    ].map((what) => `no ${what}`);
    // Said of the consumers, not of a flag: replay-check shares this help and has no --fault.
    const faults = side === 'consumer' && !driver.consumersRideOutFaults ? 'its consumers stop when a broker dies' : '';
    return `${driver.name} (${[library, lacks.join(', '), faults].filter(Boolean).join('; ')})`;
  }), 'or');
}
