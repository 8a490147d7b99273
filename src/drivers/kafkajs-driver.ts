import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Producer, Transaction } from 'kafkajs';
import { compressionTypeOf } from '../kafka/codecs.js';
import { PRODUCER_RETRY, createKafka } from '../kafka/kafka-client.js';
import { PreEncodedMessage } from '../kafka/kafkajs-patches.js';
import { topicsOf } from '../kafka/topic.js';
import { SendFailure, type OutgoingBatch, type ProducerSettings, type TransactionalDriver } from './producer-driver.js';
import { bytesWritten, releasedAfter } from './socket-flush.js';

/**
 * What a kafkajs send failure was, as the meter counts it: the broker's error name (NOT_LEADER_OR_FOLLOWER, ...)
 * when it answered with one, else what happened in the client's words ("Connection error: connect ECONNREFUSED
 * 127.0.0.1:9092"): never the name of the class kafkajs wrapped it in (KafkaJSNonRetriableError).
 */
export function kafkajsErrorType(error: unknown): string {
  type KafkajsError = { type?: string; message?: string; name?: string; cause?: unknown };
  let e = (error ?? {}) as KafkajsError;
  while (e.type === undefined && e.cause !== null && typeof e.cause === 'object' && e.cause !== e) e = e.cause as KafkajsError;
  return e.type ?? (e.message || e.name || 'Error');
}

/** kafkajs's own default transaction timeout, and the brokers' default transaction.max.timeout.ms. */
const TRANSACTION_TIMEOUT_FLOOR_MS = 60_000;
const TRANSACTION_TIMEOUT_CAP_MS = 900_000;

/**
 * kafkajs 2.2.4 with DataStorm's send-path fixes: each batch goes as one PreEncodedMessage, its header and the
 * request's framing written in place in front of the records the accumulator wrote (src/kafka/kafkajs-patches.ts).
 */
export class KafkajsDriver implements TransactionalDriver {
  private readonly sockets: Socket[] = [];
  private readonly producer: Producer;
  private transaction: Transaction | undefined;
  private readonly compression: number;
  /** The run's topics, by a batch's topicIndex. */
  private readonly topics: string[];
  readonly released: () => Promise<void>;

  constructor(private readonly config: ProducerSettings, bootstrap: string[], clientId: string) {
    this.topics = topicsOf(config);
    const sockets = this.sockets;
    const kafka = createKafka(bootstrap, clientId, {
      // Our own sockets, so that bytes on the wire can be counted exactly (over TLS: the Kafka bytes, before encryption).
      socketFactory: ({ host, port, ssl, onConnect }) => {
        const socket = ssl
          ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect)
          : connect({ host, port }, onConnect);
        socket.setKeepAlive(true, 60_000);
        sockets.push(socket);
        return socket;
      },
    }, config.security);
    this.producer = kafka.producer({
      allowAutoTopicCreation: false,
      retry: PRODUCER_RETRY, // the worker's BROKER_LOST_AFTER_US still ends a run whose cluster is gone
      idempotent: config.idempotent,
      maxInFlightRequests: config.idempotent ? 1 : undefined,
      ...(config.transaction ? {
        transactionalId: config.transaction.id,
        // The broker aborts a transaction open longer than this; it must outlast one --transaction-duration-ms.
        transactionTimeout: Math.min(TRANSACTION_TIMEOUT_CAP_MS, Math.max(TRANSACTION_TIMEOUT_FLOOR_MS, 2 * config.transaction.durationMs)),
      } : {}),
    });
    this.compression = compressionTypeOf(config.compression);
    this.released = releasedAfter(config.acks, sockets);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  async beginTransaction(): Promise<void> {
    this.transaction = await this.producer.transaction();
  }

  async commitTransaction(): Promise<void> {
    const transaction = this.transaction;
    this.transaction = undefined;
    await transaction?.commit();
  }

  async abortTransaction(): Promise<void> {
    const transaction = this.transaction;
    this.transaction = undefined;
    await transaction?.abort();
  }

  send(batch: OutgoingBatch): Promise<void> {
    const topic = this.topics[batch.topicIndex];
    const { acks } = this.config;
    return (this.transaction ?? this.producer).send({ topic, acks, compression: this.compression, messages: [new PreEncodedMessage(batch)] }).then(
      () => undefined,
      (error: unknown) => { throw new SendFailure(kafkajsErrorType(error), (error as Error).message, { cause: error }); },
    );
  }

  wireBytes(): number {
    return bytesWritten(this.sockets);
  }

  close(): Promise<void> {
    return this.producer.disconnect().catch(() => undefined);
  }
}
