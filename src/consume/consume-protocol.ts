import type { DriverName } from '../drivers/driver-registry.js';
import type { ClientSecurity } from '../security/client-security.js';
import type { PoolTask } from '../engine/pool-protocol.js';
import type { CountersLayout } from './consume-counters.js';
import type { LatencyOutcome } from './e2e-latency.js';
import type { FetchedRecord } from '../drivers/consumer-driver.js';
import type { RecordIdentity } from '../kafka/record-identity.js';
import type { RegistrySettings } from '../registry/registry-settings.js';
import type { DecodeFigures } from '../registry/schema-decoder.js';

/**
 * The contract between the main thread and workers/consume-worker.ts, on the worker pool's envelope
 * (src/engine/pool-protocol.ts): one long-lived task per worker (an idle piscina worker's event loop is frozen),
 * counters in shared memory (every consumer claims records from them and the main thread reads them for progress),
 * events posted on the task's port. Nothing is posted to a worker: it stops on the counters' flag, checked per batch.
 */
export interface ConsumeTask extends PoolTask {
  /** The Kafka client the consumer reads with (src/drivers/consumer-driver.ts). */
  driver: DriverName;
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  topic: string;
  group: string;
  /** Most bytes fetched from one partition per request (Kafka's max.partition.fetch.bytes, perf-test --fetch-size). */
  fetchSizeBytes: number;
  /** Record produce→consume latency per record (end-to-end mode): src/consume/e2e-latency.ts. */
  measureLatency: boolean;
  /** With measureLatency: also a histogram per window of this length on the shared clock (capacity's e2e steps). */
  latencyWindowMs?: number;
  counters: SharedArrayBuffer;
  layout: CountersLayout;
  /** e2e --verify: post the identities of the records it counts ('read'), for the main thread's ledger. */
  verify?: boolean;
  /** --schema-registry: decode every value it counts in Confluent's wire format, each schema id looked up once. */
  registry?: RegistrySettings;
}

/** What a worker posts while it runs; every type is handled by src/consume/consumer-group.ts. */
export type WorkerEvent =
  /** The task began: its consumer exists and is about to connect (Kafka's tool starts its clock there). */
  | { type: 'started'; workerId: number; atMs: number }
  | { type: 'assigned'; workerId: number; atMs: number; memberId: string; partitions: number[] }
  | { type: 'rebalancing'; workerId: number; atMs: number }
  /** --verify: the identities of records it counted in a partition, in offset order (identitiesOf's pairs). */
  | { type: 'read'; workerId: number; partition: number; identities: number[] };

/** What a group's timeline is made of: the events about its members (src/consume/group-timeline.ts). */
export type GroupEvent = Exclude<WorkerEvent, { type: 'read' }>;

/** Records' identities as flat (producer, sequence) pairs, -1 for a record without one: a cheap message. */
export function identitiesOf(records: readonly FetchedRecord[], from: number, to: number): number[] {
  const pairs: number[] = [];
  for (let i = from; i < to; i++) {
    const identity = records[i].identity;
    pairs.push(identity?.producer ?? -1, identity?.sequence ?? -1);
  }
  return pairs;
}

/** Each identity of identitiesOf's pairs (undefined for a record without one). */
export function forEachIdentity(pairs: readonly number[], visit: (identity: RecordIdentity | undefined) => void): void {
  for (let i = 0; i < pairs.length; i += 2) visit(pairs[i] < 0 ? undefined : { producer: pairs[i], sequence: pairs[i + 1] });
}

/** A consumer's counts, and its latencies when measureLatency was set. */
export interface WorkerOutcome extends Partial<LatencyOutcome> {
  workerId: number;
  records: number;
  payloadBytes: number;
  rebalanceMs: number;
  /** With a registry: what decoding its records came to. */
  schemas?: DecodeFigures;
}
