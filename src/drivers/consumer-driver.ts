import type { ClientSecurity } from '../security/client-security.js';
import type { CountedRun } from '../kafka/counted-fetch.js';
import type { RecordIdentity } from '../kafka/record-identity.js';

/**
 * The seam between a consumer of DataStorm's and a Kafka client (OpenMessaging Benchmark's BenchmarkConsumer):
 * the client joins the group, fetches and commits; what is counted, timed and committed stays the caller's,
 * the same for every driver.
 */
export interface ConsumerDriver {
  /** Connects, joins the group on the topic and starts fetching; resolves once batches can flow. */
  start(listener: ConsumerListener): Promise<void>;
  /** Where reading a partition of this consumer's goes on; called from onAssigned, before that partition's first fetch. */
  seek(partition: number, offset: number): void;
  /** Commits exactly these offsets (each the next offset to read) as the group's; rejects when the group refuses them. */
  commit(offsets: PartitionOffset[]): Promise<void>;
  /** Leaves the group and closes the connections. */
  close(): Promise<void>;
}

export interface ConsumerListener {
  /** A join or rebalance gave this consumer its partitions (ascending): seek them here. */
  onAssigned(assignment: { memberId: string; partitions: number[] }): void;
  /** A rebalance began: the partitions held so far may move. */
  onRebalancing(): void;
  /**
   * The records of one partition that one fetch brought, in offset order. A listener that returns a promise holds
   * the next fetch until it settles (backpressure: drain's pending-acks bound); drivers that cannot wait say so.
   */
  onBatch(batch: FetchedBatch): void | Promise<void>;
  /** The same, from a driver started with countOnly that counts without decoding each record (required then). */
  onCountedBatch?(batch: CountedBatch): void;
  /** The client gave up and will not go on by itself. */
  onFailure(error: Error): void;
}

export interface PartitionOffset {
  partition: number;
  offset: number;
}

export interface FetchedRecord {
  offset: number;
  /** The record's timestamp, epoch ms. */
  timestamp: number;
  /** When DataStorm's end-to-end producer created the record, µs on its process's clock (src/kafka/created-header.ts); absent on other records. */
  createdUs?: number;
  /** The identity a verified run's producer gave the record (src/kafka/record-identity.ts); absent on other records. */
  identity?: RecordIdentity;
  key: Buffer | null;
  value: Buffer | null;
}

export interface FetchedBatch {
  partition: number;
  records: FetchedRecord[];
  /**
   * The offset after the batch as the broker wrote it: past its last record, and past control records (transaction
   * markers) that follow it, which no client hands on.
   */
  nextOffset: number;
}

export interface CountedBatch {
  partition: number;
  /** One per record batch, in offset order, transaction markers among them. */
  runs: readonly CountedRun[];
  /** As FetchedBatch's. */
  nextOffset: number;
}

export interface ConsumerDriverOptions {
  bootstrap: string[];
  security: ClientSecurity;
  clientId: string;
  topic: string;
  group: string;
  /** Most bytes fetched from one partition per request (Kafka's max.partition.fetch.bytes). */
  fetchSizeBytes: number;
  /**
   * The caller only counts records and their key and value bytes: a driver that can hands on CountedBatches, and
   * reads uncommitted records as Kafka's consumer-perf-test does (read_uncommitted: an aborted transaction's
   * records are counted, its markers are not).
   */
  countOnly: boolean;
  /**
   * How long the group waits for a silent member before it gives its partitions away (Kafka's session.timeout.ms;
   * the client's own default when not set). drain sets it short so that a restart after a crash resumes quickly.
   */
  sessionTimeoutMs?: number;
}

/**
 * Java's fetch.max.wait.ms, for every driver: a longer wait (kafkajs's and platformatic's 5 s) would hold back
 * kafkajs's heartbeats, and so every rebalance, on an idle topic.
 */
export const FETCH_MAX_WAIT_MS = 500;
/** Heartbeats this often, so that a rebalance is noticed within half a second. */
export const HEARTBEAT_INTERVAL_MS = 500;

export function recordBytes(record: FetchedRecord): number {
  return (record.key?.length ?? 0) + (record.value?.length ?? 0);
}
