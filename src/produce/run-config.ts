import type { RecordHeader } from '../kafka/record-batch.js';
import type { RatePoint } from './rate-profile.js';
import type { FaultStep } from '../faults/fault-plan.js';
import type { ClientSecurity } from '../security/client-security.js';
import type { Acks } from '../drivers/producer-driver.js';
import { driverOf, type DriverName } from '../drivers/driver-registry.js';
import type { CodecName } from '../kafka/codecs.js';
import { withIdentityHeader } from '../kafka/record-identity.js';
import type { RegistrySettings, SubjectStrategy } from '../registry/registry-settings.js';

/**
 * The one typed configuration of a produce run. src/cli builds it from flags (or a workload file);
 * everything after that takes only this. Units are in the names.
 */
export const KEY_MODES = ['none', 'round-robin', 'random', 'zipf', 'sequential'] as const;
export type KeyMode = (typeof KEY_MODES)[number];

/**
 * How a worker makes its batches: 'pre-encoded' (stage v5: copied from records encoded before the run,
 * src/produce/batch-templates.ts, then checksummed and compressed as any producer's), 'pre-encoded-reused' (the same,
 * each batch start and length checksummed and compressed once and the bytes reused: the client's compression is not
 * measured, and batches start at a few values only) or 'per-record' (each record written into its batch as it is appended).
 */
export const BATCH_ENCODINGS = ['pre-encoded', 'pre-encoded-reused', 'per-record'] as const;
export type BatchEncoding = (typeof BATCH_ENCODINGS)[number];

/** Where record values come from: generated Avro of a schema, or lines of a file (perf-test's --payload-file). */
export type PayloadSource =
  /** serializeOnSend: encode each value with avsc as it is sent (DataStorm v0) instead of once before the run. */
  | { kind: 'avro'; schemaFile?: string; recordSizeBytes: number; serializeOnSend?: boolean }
  | { kind: 'file'; path: string; delimiter: string }
  /** perf-test's --payload-monotonic: record i's value is the integer i as text, made as it is sent. */
  | { kind: 'monotonic' };

export interface RunConfig {
  /** The topic; with several (`topics`), the first of them. */
  topic: string;
  /** Several topics (--topics, --topic-count): record i goes to topics[i % n]; absent with one. */
  topics?: string[];
  /** The Kafka client each worker sends with (src/drivers). */
  driver: DriverName;
  /** Exactly one of numRecords and durationMs is set. */
  numRecords?: number;
  durationMs?: number;
  payload: PayloadSource;
  /** Records per second over the whole run, all workers together; -1: no limit. */
  throughputRps: number;
  /** Instead of one rate: a rate that moves in straight lines between points (--throughput-profile), all workers together. */
  throughputProfile?: RatePoint[];
  workers: number;
  batchBytes: number;
  lingerMs: number;
  /** Produce requests a worker keeps in flight at once. */
  maxInFlight: number;
  /**
   * Queueing at the brokers each worker allows beyond its quickest round trip before it closes smaller batches
   * (src/produce/batch-limit-control.ts); 0: batches close at batchBytes or the worker's share, as Kafka's producer.
   */
  queueTargetMs: number;
  /** Kafka's buffer.memory, for the whole run: split evenly across the workers; batches are written into it. */
  bufferMemoryBytes: number;
  /** Kafka's max.block.ms: how long appending a record may wait for buffer memory before the record fails. */
  maxBlockMs: number;
  compression: CodecName;
  acks: Acks;
  idempotent: boolean;
  partitions: number;
  replication: number;
  keys: KeyMode;
  /** Keys of round-robin, random and zipf: key-0 .. key-(keyRange - 1) (--message-key-range). */
  keyRange: number;
  /** With keys 'zipf': the law's exponent (key of rank k has weight 1/(k+1)^exponent). */
  zipfExponent: number;
  warmupRecords: number;
  reportingIntervalMs: number;
  /**
   * A start barrier (--start-at): the run prepares (topic, workers connected, values built), then starts at this
   * instant (epoch ms), so that shards on several machines start together; absent: as soon as it is ready.
   */
  startAtEpochMs?: number;
  /** Faults to cause on the local cluster during the run (--fault), in time order. */
  faults: FaultStep[];
  /**
   * Other processes produce to the topic at the same time (shards of one load): its offsets grow by their
   * records too, so this process's accounting is reported but checked only on the merged results.
   */
  sharedTopic: boolean;
  /**
   * Transactions (perf-test's --transactional-id / --transaction-duration-ms): each worker's producer has the
   * transactional id `${id}-${worker}` and commits its open transaction every durationMs; --abort-rate aborts
   * that fraction of them instead, spread evenly (plannedAbort).
   */
  transaction?: { id: string; durationMs: number; abortRate: number };
  /** Headers every record carries (--header, --headers/--header-size), in order; empty: none. */
  headers: RecordHeader[];
  /** Pre-encoded batches or records written one by one (absent: per-record); see perRecordReason. */
  batchEncoding?: BatchEncoding;
  /**
   * --verify: every record carries its identity (worker, index) in a header, and after the run every partition is read
   * back and each record accounted for by it (src/verify/identity-ledger.ts). Absent in results written before it.
   */
  verify?: boolean;
  /** Client settings passed through to the producer unchanged (perf-test's --producer-props / --producer.config). */
  producerProps: Record<string, string>;
  /** TLS and SASL, from the security properties among --producer-props / --producer.config (secrets included: show publicSecurity). */
  security: ClientSecurity;
  /** --schema-registry (its credentials included: show publicRegistry); absent: bare values. */
  schemaRegistry?: ValueRegistry;
}

/**
 * --schema-registry: every value framed in Confluent's wire format with the id of the run's schema, registered (or
 * only looked up) under the strategy's subject before the run; with a schema change, a second schema registered at
 * its time, and the values switched to it.
 */
export interface ValueRegistry {
  settings: RegistrySettings;
  subjectStrategy: SubjectStrategy;
  /** Register the schema (Confluent's auto.register.schemas, its default), or only look it up (--no-auto-register). */
  autoRegister: boolean;
  /** --schema-change 'v2.avsc at 30s'. */
  schemaChange?: { schemaFile: string; atMs: number };
}

/** The headers every record of the run carries: the run's own, then, with --verify, the identity header. */
export const recordHeadersOf = (config: Pick<RunConfig, 'headers' | 'verify'>): RecordHeader[] => withIdentityHeader(config.headers, config.verify ?? false);

/** A run as the user asked for it: its config, and the cluster's addresses if given (else the local cluster). */
export interface ProduceRun {
  config: RunConfig;
  bootstrap?: string[];
}

/**
 * What makes a run write its records one by one, or undefined when its batches can be pre-encoded: those need
 * unkeyed records, from the value pool, to one topic, through a driver that sends batches as written (kafkajs).
 */
export function perRecordReason(config: Pick<RunConfig, 'keys' | 'topics' | 'driver' | 'payload' | 'schemaRegistry'>): string | undefined {
  if (config.keys !== 'none') return `keyed records (--keys ${config.keys})`;
  if (config.topics) return 'several topics';
  if (driverOf(config.driver).takes !== 'encoded') return `--driver ${config.driver}`;
  if (config.payload.kind === 'monotonic') return '--payload-monotonic';
  if (config.payload.kind === 'avro' && config.payload.serializeOnSend) return '--serialize-on-send';
  if (config.schemaRegistry?.schemaChange) return '--schema-change (values switch schemas as they are appended)';
  return undefined;
}

/** The most values a worker's pool holds (src/produce/payloads.ts, poolSize). */
export const MAX_POOL_VALUES = 1024;

/** Whether a run's batches are copied from records encoded before the run (src/produce/batch-templates.ts). */
export const isPreEncoded = (encoding: BatchEncoding | 'auto' | undefined) => encoding === 'pre-encoded' || encoding === 'pre-encoded-reused';
