import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Admin, Producer } from 'kafkajs';
import { createKafka, describeBrokers, PRODUCER_RETRY } from '../kafka/kafka-client.js';
import { partitionOfKey } from '../kafka/partitioner.js';
import { checkTopicName } from '../kafka/topic.js';
import type { GatewaySpec } from './gateway-spec.js';
import { DataStormError } from '../shared/errors.js';
import {
  BadRequest, encodeError, encodeOffsets, parseBridgeBody, parseOrdersBody, V2_ANSWER, type IncomingRecord,
} from '../http-ingest/formats.js';
import { KafkaWriter, type MessageHeaders, type WriteOutcome } from './kafka-writer.js';

/**
 * `datastorm gateway`: an HTTP-to-Kafka service speaking the Strimzi bridge's produce shape (POST /topics/{topic})
 * and seed 003's POST /orders/batch. It answers a request only once Kafka acknowledged its records (acks=all,
 * idempotent), with each record's partition and offset, so nothing is acknowledged that Kafka did not take. What it
 * holds is bounded: a body beyond --max-body is refused with 413, and records beyond --buffer-memory (taken, not yet
 * acknowledged by Kafka) with 503 and Retry-After. Closing stops taking requests and answers every one it took.
 */
export interface GatewayStats {
  requests: number;
  /** Answers per status. */
  statuses: Record<string, number>;
  recordsAcknowledged: number;
  /** Records Kafka did not take (their send failed after the client's retries): answered with an error, not an offset. */
  recordsFailed: number;
  /** Record bytes taken and not yet answered, now and at most. */
  bufferedBytes: number;
  maxBufferedBytes: number;
  /** Per topic, per partition: records acknowledged. */
  acknowledged: Record<string, Record<string, number>>;
}

export interface RunningGateway {
  url: string;
  stats(): GatewayStats;
  /** Stops taking requests, answers those taken once Kafka acknowledged their records, and disconnects. */
  close(): Promise<GatewayStats>;
}

/** How long a 503 asks the client to wait, in seconds. */
const RETRY_AFTER_SEC = 1;
/** Unknown topics are looked up again at most this often (a topic created after the gateway started is found). */
const METADATA_REFRESH_MS = 1000;

export async function startGateway(spec: GatewaySpec): Promise<RunningGateway> {
  await describeBrokers(spec.bootstrap, { security: spec.security });
  const kafka = createKafka(spec.bootstrap, 'datastorm-gateway', {}, spec.security);
  const admin = kafka.admin();
  // kafkajs's producer, not a driver (src/drivers/): each record is answered with its send's offset, which no ProducerDriver gives.
  // Idempotent with acks=all, retried for about 40 s: a broker's death delays answers, it does not lose or double records.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, retry: PRODUCER_RETRY });
  try {
    // Inside the try: a producer that cannot connect must not leave the admin connected.
    await admin.connect();
    await producer.connect();
    return await new Gateway(spec, admin, producer).listen();
  } catch (error) {
    await producer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    throw error;
  }
}

class Gateway {
  private readonly writer: KafkaWriter;
  private readonly server: Server;
  private readonly counts: GatewayStats = {
    requests: 0, statuses: {}, recordsAcknowledged: 0, recordsFailed: 0, bufferedBytes: 0, maxBufferedBytes: 0, acknowledged: {},
  };
  private readonly partitionCounts = new Map<string, number>();
  private metadataReadAtMs = 0;
  private metadata: Promise<void> | undefined;
  /** Turns unkeyed records of successive requests to successive partitions (each request's go to one: a sticky partitioner per request). */
  private stickyTurn = 0;
  private handling = 0;
  private handlersDone: Array<() => void> = [];
  private closing = false;

  constructor(private readonly spec: GatewaySpec, private readonly admin: Admin, private readonly producer: Producer) {
    this.writer = new KafkaWriter(producer, { lingerMs: spec.lingerMs, batchBytes: spec.batchBytes });
    this.server = createServer({ keepAliveTimeout: 60_000 }, (request, response) => {
      this.handling += 1;
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent && !(error instanceof ClientGone)) this.answer(response, 500, encodeError(500, (error as Error).message));
      }).finally(() => {
        this.handling -= 1;
        if (this.handling === 0) for (const done of this.handlersDone.splice(0)) done();
      });
    });
    // Load generators keep connections open between requests: none closed for being idle a few seconds.
    this.server.headersTimeout = 120_000;
    this.server.requestTimeout = 0;
  }

  async listen(): Promise<RunningGateway> {
    const { spec, server } = this;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(new DataStormError('DS_CANNOT_LISTEN', `cannot listen on ${spec.host}:${spec.port}: ${error.code ?? error.message}`, {
        hint: 'choose another --port', cause: error,
      })));
      server.listen(spec.port, spec.host, resolve);
    });
    const { port } = server.address() as AddressInfo;
    return { url: `http://${spec.host.includes(':') ? `[${spec.host}]` : spec.host}:${port}`, stats: () => this.stats(), close: () => this.close() };
  }

  private stats(): GatewayStats {
    return structuredClone(this.counts);
  }

  private async close(): Promise<GatewayStats> {
    this.closing = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    while (this.handling > 0) await new Promise<void>((resolve) => this.handlersDone.push(resolve));
    await this.writer.flush();
    this.server.closeAllConnections();
    await closed;
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
    return this.stats();
  }

  private answer(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    this.counts.statuses[status] = (this.counts.statuses[status] ?? 0) + 1;
    response.writeHead(status, { 'Content-Type': V2_ANSWER, 'Content-Length': Buffer.byteLength(body), ...headers });
    response.end(body);
  }

  private refuse(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
    this.answer(response, status, encodeError(status, message), headers);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    this.counts.requests += 1;
    const url = new URL(request.url ?? '/', 'http://gateway');
    if (this.closing) return this.refuse(response, 503, 'the gateway is shutting down', { 'Retry-After': String(RETRY_AFTER_SEC), Connection: 'close' });
    if (url.pathname === '/stats' || url.pathname === '/healthz') {
      if (request.method !== 'GET') return this.refuse(response, 405, `${url.pathname} takes GET`, { Allow: 'GET' });
      return this.answer(response, 200, url.pathname === '/stats' ? JSON.stringify(this.stats()) : '{"status":"ok"}');
    }
    const route = routeOf(url.pathname, this.spec.ordersTopic);
    if (!route) return this.refuse(response, 404, `no such resource: ${url.pathname} (POST /topics/{topic} or /orders/batch)`);
    if (request.method !== 'POST') return this.refuse(response, 405, `${url.pathname} takes POST`, { Allow: 'POST' });

    const body = await readBounded(request, this.spec.maxBodyBytes);
    if (body === undefined) {
      // The rest of the body is not read: the connection closes after the answer.
      return this.refuse(response, 413, `the body is larger than ${this.spec.maxBodyBytes} bytes (--max-body)`, { Connection: 'close' });
    }
    let records: IncomingRecord[];
    let partitions: number;
    try {
      records = route.kind === 'orders' ? parseOrdersBody(body) : parseBridgeBody(request.headers['content-type'], body);
      partitions = await this.partitionsOf(route.topic);
      const outside = records.find((r) => r.partition !== undefined && r.partition >= partitions);
      if (outside) throw new BadRequest(422, `partition ${outside.partition} does not exist: ${route.topic} has ${partitions}`);
    } catch (error) {
      if (error instanceof BadRequest) return this.refuse(response, error.status, error.message);
      throw error;
    }
    const bytes = records.reduce((sum, r) => sum + r.value.length + (r.key?.length ?? 0), 0);
    if (this.counts.bufferedBytes + bytes > this.spec.bufferBytes) {
      return this.refuse(response, 503, `the gateway's buffer is full (${this.counts.bufferedBytes} of ${this.spec.bufferBytes} bytes waiting for Kafka)`,
        { 'Retry-After': String(RETRY_AFTER_SEC) });
    }
    this.counts.bufferedBytes += bytes;
    this.counts.maxBufferedBytes = Math.max(this.counts.maxBufferedBytes, this.counts.bufferedBytes);
    const sticky = this.stickyTurn++ % partitions;
    const placed = records.map((r) => r.partition ?? (r.key === null ? sticky : partitionOfKey(r.key, partitions)));
    let outcomes: WriteOutcome[];
    try {
      outcomes = await Promise.all(records.map((r, i) => this.writer.write(route.topic, placed[i], r.key, r.value, r.headers && messageHeaders(r.headers))));
    } finally {
      this.counts.bufferedBytes -= bytes;
    }
    const perPartition = (this.counts.acknowledged[route.topic] ??= {});
    let failed = 0;
    outcomes.forEach((outcome, i) => {
      if ('offset' in outcome) perPartition[placed[i]] = (perPartition[placed[i]] ?? 0) + 1;
      else failed += 1;
    });
    this.counts.recordsAcknowledged += records.length - failed;
    this.counts.recordsFailed += failed;
    // Some records not written: 500, and the body still says which were (with their offsets) and which not.
    this.answer(response, failed === 0 ? 200 : 500, encodeOffsets(outcomes.map((o, i) => ({ partition: placed[i], ...o }))));
  }

  /** The topic's partition count; a topic Kafka does not have is a 404. */
  private async partitionsOf(topic: string): Promise<number> {
    try {
      checkTopicName(topic);
    } catch (error) {
      throw new BadRequest(422, (error as Error).message);
    }
    if (!this.partitionCounts.has(topic) && Date.now() - this.metadataReadAtMs > METADATA_REFRESH_MS) {
      // One metadata read at a time, whatever the requests waiting on it.
      this.metadata ??= this.admin.fetchTopicMetadata({ topics: [] }).then(({ topics }) => {
        for (const t of topics) this.partitionCounts.set(t.name, t.partitions.length);
        this.metadataReadAtMs = Date.now();
      }).finally(() => { this.metadata = undefined; });
      await this.metadata;
    }
    let count = this.partitionCounts.get(topic);
    // A topic just created may not have reached the broker that answered the list yet: asked for by name, the
    // client retries until its metadata settles (or says it does not exist).
    if (count === undefined) {
      count = await this.admin.fetchTopicMetadata({ topics: [topic] })
        .then(({ topics }) => topics[0]?.partitions.length, () => undefined);
      if (count !== undefined && count > 0) this.partitionCounts.set(topic, count);
    }
    if (count === undefined || count === 0) throw new BadRequest(404, `topic ${topic} does not exist`);
    return count;
  }
}

class ClientGone extends Error {}

/** A record's headers in kafkajs's shape, a repeated key keeping all its values in order. */
function messageHeaders(headers: Array<{ key: string; value: Buffer }>): MessageHeaders {
  const out: MessageHeaders = {};
  for (const { key, value } of headers) {
    const seen = out[key];
    out[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return out;
}

type Route = { kind: 'bridge' | 'orders'; topic: string };

function routeOf(pathname: string, ordersTopic: string): Route | undefined {
  if (pathname === '/orders/batch') return { kind: 'orders', topic: ordersTopic };
  const match = /^\/topics\/([^/]+)$/.exec(pathname);
  if (!match) return undefined;
  try {
    return { kind: 'bridge', topic: decodeURIComponent(match[1]) };
  } catch {
    return undefined;
  }
}

/** The body, or undefined once it is larger than maxBytes (a Content-Length beyond it is refused before reading). */
function readBounded(request: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        request.off('data', onData);
        request.pause();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    request.on('data', onData);
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
    // A client gone before its body ended: nothing to answer (a settled promise ignores this after 'end').
    request.on('close', () => reject(new ClientGone()));
  });
}
