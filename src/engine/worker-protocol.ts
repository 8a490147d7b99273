import type { TransactionCounts } from '../produce/transaction-cycle.js';
import type { KeyMode } from '../produce/run-config.js';
import type { ValueKind } from '../produce/payloads.js';
import type { BatchBufferPlan } from '../produce/batch-buffers.js';
import type { SharedValues } from '../produce/shared-values.js';
import type { SharedTemplates } from '../produce/batch-templates.js';
import type { RatePoint } from '../produce/rate-profile.js';
import type { RecordSequence } from '../produce/record-placer.js';
import type { ProducerSettings } from '../drivers/producer-driver.js';
import type { DriverName } from '../drivers/driver-registry.js';
import type { MessagePort } from 'node:worker_threads';
import type { MeterInterval } from '../produce/meter.js';
import type { FatalMessage } from './pool-protocol.js';
import type { SendOutcomes } from '../verify/send-outcomes.js';

/**
 * What one produce worker is given to do: its share of the run, computed once by the engine (src/engine/produce-assignments.ts),
 * and the settings it sends with. It has no RunConfig: nothing in it is the run's whole, nothing is divided again.
 */
export interface ProduceAssignment {
  workerId: number;
  /** Its records (its share of --num-records); absent in --duration runs, where it sends until the time is up. */
  records?: number;
  /** The run's --duration (every worker sends for all of it). */
  durationMs?: number;
  /** Its records below this index are warm-up (its share of --warmup-records), left out of the steady figures. */
  firstSteadyIndex: number;
  /** Its rate: records/s (its share of --throughput; ≤ 0: no limit), or its share of --throughput-profile's points. */
  rate: number | RatePoint[];
  /** How its records are numbered across the run (sequential keys, monotonic values). */
  sequence: RecordSequence;
  /** The partitions it sends unkeyed records to, of each topic's topicPartitions. */
  ownPartitions: number[];
  /** Each topic's partitions (as prepared: an existing topic's own count), over which keys are hashed. */
  topicPartitions: number;
  /** Its share of buffer.memory, as batch buffers; batches close at its batchLimitBytes. The run's one plan. */
  buffers: BatchBufferPlan;
  /** The Kafka client its producer is (src/drivers/driver-registry.ts). */
  driver: DriverName;
  /** Its producer's settings, a transactional id of its own included: its driver is built from them. */
  producer: ProducerSettings;
  bootstrap: string[];
  lingerMs: number;
  queueTargetMs: number;
  maxBlockMs: number;
  keyMode: KeyMode;
  keyRange: number;
  zipfExponent: number;
  /** With transactions (producer.transaction): the fraction of them aborted, spread evenly (--abort-rate). */
  abortRate: number;
  /** How it makes each record's value from the run's values. */
  valueKind: ValueKind;
  /** The run's record values, serialized once by the main thread. */
  values: SharedValues;
  /** Pre-encoded batches (isPreEncoded): the run's pre-encoded records, built once by the main thread. */
  templates?: SharedTemplates;
  /** --verify: its records carry their identity (its workerId, their index), and it reports how their sends ended. */
  verify: boolean;
}

/** What the pool gives every worker besides its assignment: its port, and the shared counters it keeps its own slots of. */
export interface WorkerLink {
  /** Records acknowledged so far, one BigInt64 slot per worker (its own): the main thread's progress line reads it. */
  acknowledged: SharedArrayBuffer;
  /** Live gauges, GAUGES_PER_WORKER BigInt64 slots per worker (its own, at workerId * GAUGES_PER_WORKER), set every GAUGE_MS. */
  gauges: SharedArrayBuffer;
  port: MessagePort;
}

/**
 * The typed contract between the main thread and a produce worker. Each worker runs one long-lived piscina task
 * and talks over a MessagePort: it reports `ready` once its producer is connected, starts on `go`, answers every
 * `snapshot` with its figures since the previous one, and on `stop` finishes its in-flight sends and returns.
 */
export type ProduceTask = ProduceAssignment & WorkerLink;

/** The gauges' slots: requests in flight, and bytes of batch buffers holding records not yet acknowledged. */
export const GAUGE = { inFlightRequests: 0, bufferedBytes: 1 } as const;
export const GAUGES_PER_WORKER = 2;
export const GAUGE_MS = 200;

export type MainToWorker = { type: 'go'; startAtMs: number } | { type: 'snapshot'; seq: number } | { type: 'stop' };

/** Figures of one worker since its previous snapshot: its meter's, and an http-produce worker's requests. */
export interface WorkerInterval extends MeterInterval {
  http?: HttpInterval;
  /** --verify: how its batches' sends ended since the last snapshot, by identity. */
  outcomes?: SendOutcomes;
}

/** What an http-produce worker adds to an interval: requests, answers, and the offsets the proxy named. */
export interface HttpInterval {
  requests: number;
  /** Answers per status, and requests without one per network error code. */
  statuses: Record<string, number>;
  /** Per request, from sending it to its whole answer (encoded HDR, microseconds). */
  requestHistogram: string;
  /** [partition, records acknowledged with an offset in it, lowest offset, highest offset]. */
  partitions: Array<[number, number, number, number]>;
}

export type WorkerToMain =
  | { type: 'ready'; workerId: number }
  | { type: 'snapshot'; workerId: number; seq: number; interval: WorkerInterval }
  | FatalMessage;

/** What a worker's task resolves to, after its last snapshot. */
export interface WorkerSummary {
  workerId: number;
  last: WorkerInterval;
  wireBytes: number;
  requests: number;
  /** Of those, the requests that failed. */
  failedRequests: number;
  /** Epoch ms (performance.timeOrigin based, comparable across threads). */
  firstSendAtMs: number;
  lastAckAtMs: number;
  firstSteadyAtMs?: number;
  /** Time appending waited for a free batch buffer (backpressure from buffer.memory). */
  bufferWaitMs: number;
  /** The batch limit the worker's BatchLimitControl ended at. */
  batchLimitEndBytes: number;
  /** With transactions: what they came to. */
  transactions?: TransactionCounts;
  /** Records acknowledged per topic, in the run's topic order (topicsOf). */
  acknowledgedPerTopic: number[];
}
