import type { PoolTask } from '../engine/pool-protocol.js';
import type { AckMode } from '../drivers/share-consumer.js';
import type { ClientSecurity } from '../security/client-security.js';
import type { AckPolicy } from './share-acknowledgements.js';
import type { ShareCounters, ShareCountersLayout } from './share-counters.js';

/**
 * The contract between the main thread and workers/share-consume-worker.ts, on the worker pool's envelope: one
 * long-lived task per share consumer, its figures and the run's ledger in shared memory (src/consume/share-counters.ts),
 * events on the task's port. Nothing is posted to a worker: it stops on the counters' flag.
 */
export interface ShareConsumeTask extends PoolTask {
  bootstrap: string[];
  security: ClientSecurity;
  topic: string;
  group: string;
  fetchMaxBytes: number;
  maxRecords: number;
  ackMode: AckMode;
  policy: AckPolicy;
  counters: ShareCounters['buffers'];
  layout: ShareCountersLayout;
}

/** What a share consumer posts while it runs: that its task began, the consumer about to join (Kafka's tool starts its clock before its consumers subscribe). */
export type ShareWorkerEvent = { type: 'started'; workerId: number; atMs: number };
