import type { Socket } from 'node:net';
import { Producer, type MessageToProduce } from '@platformatic/kafka';
import { PRODUCER_RETRY } from '../kafka/kafka-client.js';
import { topicsOf } from '../kafka/topic.js';
import { SendFailure, type OutgoingBatch, type ProducerDriver, type ProducerSettings } from './producer-driver.js';
import { bytesWritten, releasedAfter } from './socket-flush.js';
import { platformaticSecurity } from '../security/platformatic-security.js';

interface PlatformaticError {
  apiId?: string;
  code?: string;
  name?: string;
  errors?: unknown[];
}

/**
 * The error type the meter counts for a failed platformatic send: Kafka's error name when a broker answered with
 * one (the client nests ProtocolErrors in MultipleErrors, one per retry: the last is the one that ended the send),
 * else the client's code (PLT_KFK_NETWORK, PLT_KFK_TIMEOUT, ...).
 */
export function platformaticErrorType(error: unknown): string {
  const e = (error ?? {}) as PlatformaticError;
  if (e.apiId) return e.apiId;
  for (let i = (e.errors?.length ?? 0) - 1; i >= 0; i--) {
    const inner = e.errors![i];
    if (inner) {
      const type = platformaticErrorType(inner);
      if (type !== 'PLT_KFK_MULTIPLE') return type;
    }
  }
  return e.code ?? e.name ?? 'Error';
}

/** PRODUCER_RETRY's schedule (kafkajs's exponential backoff, without its jitter) as platformatic's retryDelay. */
/**
 * How long a connection (TLS and SASL handshakes included) may take: platformatic's 5 s default timed out over
 * SASL_SSL at load average 20, where kafkajs's clients connected.
 */
export const CONNECT_TIMEOUT_MS = 30_000;

export const retryDelayMs = (attempt: number) =>
  Math.min(PRODUCER_RETRY.initialRetryTime * 2 ** Math.max(0, attempt - 1), PRODUCER_RETRY.maxRetryTime);

/** A listed batch as platformatic's messages: its own objects each send, as the client keeps references to them. */
export function batchMessages(topic: string, batch: OutgoingBatch, headers?: Map<Buffer, Buffer>): MessageToProduce[] {
  const listed = batch.listed;
  if (!listed) throw new Error('platformatic sends listed batches: the accumulator was set up for an encoding driver');
  const { keys, values } = listed;
  const messages = new Array<MessageToProduce>(values.length);
  for (let i = 0; i < values.length; i++) {
    messages[i] = { topic, partition: batch.partition, key: keys[i] ?? undefined, value: values[i], headers };
  }
  return messages;
}

/**
 * @platformatic/kafka 1.35.0 (pure JS): it encodes a batch's records itself from their keys and values, so the
 * accumulator only sizes them. TLS and SASL from the run's ClientSecurity (src/security/platformatic-security.ts).
 */
export class PlatformaticDriver implements ProducerDriver {
  private readonly sockets: Socket[] = [];
  private readonly producer: Producer;
  readonly released: () => Promise<void>;
  /** The run's topics, by a batch's topicIndex. */
  private readonly topics: string[];
  /** The run's headers, one Map for every record (Buffer keys: a key may repeat, as Kafka allows). */
  private readonly headers: Map<Buffer, Buffer> | undefined;

  constructor(private readonly config: ProducerSettings, bootstrap: string[], clientId: string) {
    this.topics = topicsOf(config);
    this.producer = new Producer({
      clientId,
      bootstrapBrokers: bootstrap,
      ...platformaticSecurity(config.security),
      autocreateTopics: false,
      idempotent: config.idempotent,
      acks: config.acks,
      compression: config.compression,
      connectTimeout: CONNECT_TIMEOUT_MS,
      retries: PRODUCER_RETRY.retries, // the worker's BROKER_LOST_AFTER_US still ends a run whose cluster is gone
      retryDelay: (_client, _operation, attempt) => retryDelayMs(attempt),
      // The worker bounds its requests in flight; idempotence makes the client keep one per connection, as kafkajs.
      maxInflights: config.idempotent ? 1 : config.maxInFlight,
    });
    const sockets = this.sockets;
    this.producer.connections.on('connect', ({ connection }) => { sockets.push(connection.socket); });
    this.released = releasedAfter(config.acks, sockets);
    this.headers = config.headers.length > 0 ? new Map(config.headers.map(({ key, value }) => [Buffer.from(key), Buffer.from(value)])) : undefined;
  }

  async connect(): Promise<void> {
    await this.producer.metadata({ topics: this.topics });
    if (this.config.idempotent) await this.producer.initIdempotentProducer({});
  }

  send(batch: OutgoingBatch): Promise<void> {
    return this.producer.send({ messages: batchMessages(this.topics[batch.topicIndex], batch, this.headers) }).then(
      () => undefined,
      (error: unknown) => { throw new SendFailure(platformaticErrorType(error), (error as Error).message, { cause: error }); },
    );
  }

  wireBytes(): number {
    return bytesWritten(this.sockets);
  }

  close(): Promise<void> {
    return this.producer.close().catch(() => undefined);
  }
}
