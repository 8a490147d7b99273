import type { ClientSecurity } from '../security/client-security.js';
import type { Distributor } from './lanes.js';
import type { LatencyModel } from './latency-model.js';

/** The typed runs of `datastorm drain` and `datastorm sink` (their options: src/run-spec/drain-options.ts). */
export const DRAIN_MODES = ['fanout', 'serial'] as const;
export type DrainMode = (typeof DRAIN_MODES)[number];

export interface DrainSpec {
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config / --command-property). */
  security: ClientSecurity;
  topic: string;
  group: string;
  /** The sink's base URL: records go to {sinkUrl}/{topic}/{partition}/{key}/{offset}. */
  sinkUrl: string;
  /** fanout: `lanes` lanes chosen by `distributor`; serial: one lane per partition (the baseline). */
  mode: DrainMode;
  lanes: number;
  distributor: Distributor;
  pendingAcks: number;
  batchSize: number;
  retryIntervalMs: number;
  timeoutMs: number;
  method: string;
  headers: Record<string, string>;
  /** Statuses that end a record as done without a 2xx (go-dmux's nonRetriableHttpStatusCodes). */
  nonRetriableStatuses: number[];
  /** Where a group without committed offsets starts: the log start (true) or the end. */
  fromBeginning: boolean;
  /** Stop once the end offsets seen at the start are committed; otherwise run for durationMs. */
  untilCaughtUp: boolean;
  durationMs?: number;
  commitIntervalMs: number;
  lagIntervalMs: number;
}

export interface SinkSpec {
  host: string;
  port: number;
  latency: LatencyModel;
  /** Calls served at once; the rest wait in a queue, as a real service's worker pool. 0: no limit. */
  maxConcurrency: number;
  /** Share of calls answered with failStatus (after their latency) and not acknowledged. */
  errorRate: number;
  failStatus: number;
}
