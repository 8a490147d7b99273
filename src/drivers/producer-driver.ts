import type { ProducerBatch } from '../produce/accumulator.js';

/**
 * The seam between the produce worker and a Kafka client (OpenMessaging Benchmark's BenchmarkProducer): the
 * worker builds batches, decides when each leaves and measures; a driver only puts a batch on the wire and
 * says when the broker has acknowledged it. Accounting and histograms stay the worker's, the same for every driver.
 */
export interface ProducerDriver {
  /**
   * 'encoded': the driver sends a batch's records as the accumulator wrote them, in Kafka's format.
   * 'listed': it encodes them itself from the batch's keys and values (the accumulator then only sizes them).
   */
  readonly takes: 'encoded' | 'listed';
  /** Connected and ready to send (an idempotent producer has its producer id). */
  connect(): Promise<void>;
  /**
   * Sends one partition's batch. Resolves on the broker's acknowledgement (acks=0: once the client has queued
   * it); rejects with a SendFailure naming Kafka's error when its records failed, retries included.
   */
  send(batch: ProducerBatch): Promise<void>;
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

export const DRIVER_NAMES = ['kafkajs', 'platformatic'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];
