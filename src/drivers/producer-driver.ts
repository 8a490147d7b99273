import type { EncodedRecords } from '../kafka/kafkajs-patches.js';
import type { CodecName } from '../kafka/codecs.js';
import type { RecordHeader } from '../kafka/record-batch.js';
import type { ClientSecurity } from '../security/client-security.js';

export type Acks = -1 | 0 | 1;

/** What a producer driver is built from: the run's client settings (a RunConfig has them all). */
export interface ProducerSettings {
  topic: string;
  topics?: string[];
  compression: CodecName;
  acks: Acks;
  idempotent: boolean;
  maxInFlight: number;
  transaction?: { id: string; durationMs: number };
  headers: RecordHeader[];
  security: ClientSecurity;
}

/** A batch's records as appended, for a driver that encodes them itself. */
export interface ListedRecords {
  readonly keys: Array<Buffer | null>;
  readonly values: Buffer[];
}

/** One partition's batch as a driver sends it (the accumulator's ProducerBatch): encoded, or listed. */
export interface OutgoingBatch extends EncodedRecords {
  /** Its topic's place in the run's topics (0 with one topic). */
  readonly topicIndex: number;
  readonly listed: ListedRecords | undefined;
}

/**
 * The seam between the produce worker and a Kafka client (OpenMessaging Benchmark's BenchmarkProducer): the
 * worker builds batches, decides when each leaves and measures; a driver only puts a batch on the wire and
 * says when the broker has acknowledged it. Accounting and histograms stay the worker's, the same for every driver.
 */
export interface ProducerDriver {
  /** Connected and ready to send (an idempotent producer has its producer id). */
  connect(): Promise<void>;
  /**
   * Sends one partition's batch. Resolves on the broker's acknowledgement (acks=0: once the client has queued
   * it); rejects with a SendFailure naming Kafka's error when its records failed, retries included.
   */
  send(batch: OutgoingBatch): Promise<void>;
  /** Resolves once the client no longer needs an acknowledged batch's buffer (acks=0: the sockets have written it). */
  released(): Promise<void>;
  /** Bytes the client wrote to its sockets so far (over TLS: the Kafka bytes, before encryption). */
  wireBytes(): number;
  close(): Promise<void>;
}

/**
 * A driver producing in transactions (RunConfig.transaction): every send goes into the open transaction; the
 * worker commits it once nothing of it is in flight.
 */
export interface TransactionalDriver extends ProducerDriver {
  beginTransaction(): Promise<void>;
  commitTransaction(): Promise<void>;
  abortTransaction(): Promise<void>;
}

/** A batch's records failed: `type` is Kafka's error name (MESSAGE_TOO_LARGE, ...) or the client's, as the meter counts it. */
export class SendFailure extends Error {
  constructor(readonly type: string, message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SendFailure';
  }
}

/** The error type the meter counts: a SendFailure's Kafka error name, else a client error's type or name. */
export function errorTypeOf(error: unknown): string {
  const e = error as { name?: string; type?: string };
  return e.type ?? e.name ?? 'Error';
}
