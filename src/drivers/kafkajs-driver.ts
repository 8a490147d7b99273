import { connect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Producer } from 'kafkajs';
import { compressionTypeOf } from '../kafka/codecs.js';
import { PRODUCER_RETRY, createKafka } from '../kafka/kafka-client.js';
import { PreEncodedMessage } from '../kafka/kafkajs-patches.js';
import type { ProducerBatch } from '../produce/accumulator.js';
import type { RunConfig } from '../run-spec/run-config.js';
import { SendFailure, errorTypeOf, type ProducerDriver } from './producer-driver.js';
import { bytesWritten, releasedAfter } from './socket-flush.js';

/**
 * kafkajs 2.2.4 with DataStorm's send-path fixes: each batch goes as one PreEncodedMessage, its header and the
 * request's framing written in place in front of the records the accumulator wrote (src/kafka/kafkajs-patches.ts).
 */
export class KafkajsDriver implements ProducerDriver {
  readonly takes = 'encoded';
  private readonly sockets: Socket[] = [];
  private readonly producer: Producer;
  private readonly compression: number;
  readonly released: () => Promise<void>;

  constructor(private readonly config: RunConfig, bootstrap: string[], clientId: string) {
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
    });
    this.compression = compressionTypeOf(config.compression);
    this.released = releasedAfter(config.acks, sockets);
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  send(batch: ProducerBatch): Promise<void> {
    const { topic, acks } = this.config;
    return this.producer.send({ topic, acks, compression: this.compression, messages: [new PreEncodedMessage(batch)] }).then(
      () => undefined,
      (error: unknown) => { throw new SendFailure(errorTypeOf(error), (error as Error).message, { cause: error }); },
    );
  }

  wireBytes(): number {
    return bytesWritten(this.sockets);
  }

  close(): Promise<void> {
    return this.producer.disconnect().catch(() => undefined);
  }
}
