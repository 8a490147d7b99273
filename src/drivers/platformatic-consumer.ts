import { Consumer, MessagesStreamModes, type ConsumerGroupJoinPayload, type Message, type MessagesStream } from '@platformatic/kafka';
import {
  FETCH_MAX_WAIT_MS, HEARTBEAT_INTERVAL_MS, type ConsumerDriver, type ConsumerDriverOptions, type ConsumerListener, type FetchedBatch,
  type FetchedRecord, type PartitionOffset,
} from './consumer-driver.js';
import { platformaticSecurity } from '../security/platformatic-security.js';
import { CREATED_US_HEADER, createdUsOf } from '../kafka/created-header.js';
import { IDENTITY_HEADER, identityOf } from '../kafka/record-identity.js';
import { PRODUCER_RETRY } from '../kafka/kafka-client.js';
import { CONNECT_TIMEOUT_MS, retryDelayMs } from './platformatic-driver.js';

type PlatformaticMessage = Pick<Message<Buffer, Buffer, Buffer, Buffer>, 'partition' | 'offset' | 'timestamp' | 'key' | 'value'>
  & { headers?: Map<Buffer, Buffer> };

const CREATED_US_KEY = Buffer.from(CREATED_US_HEADER);
const IDENTITY_KEY = Buffer.from(IDENTITY_HEADER);

/** The value of a header among a message's headers (keys are Buffers: a Map cannot look them up). */
function headerIn(headers: Map<Buffer, Buffer> | undefined, name: Buffer): Buffer | undefined {
  if (!headers?.size) return undefined;
  for (const [key, value] of headers) if (key.equals(name)) return value;
  return undefined;
}

/**
 * Gathers the messages platformatic's stream hands on one by one back into one batch per partition and fetch:
 * a fetch's messages are pushed in one go, partition after partition, so a batch ends where the partition
 * changes or where the push ends (flush, once the stream is idle).
 */
export class BatchCollector {
  private partition = -1;
  private records: FetchedRecord[] = [];

  /** nextOffset(partition): where the client will fetch the partition next, once this fetch's batches are handed on. */
  constructor(private readonly onBatch: (batch: FetchedBatch) => void, private readonly nextOffset: (partition: number) => number) {}

  add(message: PlatformaticMessage): void {
    if (message.partition !== this.partition) this.flush();
    this.partition = message.partition;
    this.records.push({
      offset: Number(message.offset), timestamp: Number(message.timestamp), createdUs: createdUsOf(headerIn(message.headers, CREATED_US_KEY)),
      identity: identityOf(headerIn(message.headers, IDENTITY_KEY)),
      key: message.key ?? null, value: message.value ?? null,
    });
  }

  flush(): void {
    if (this.records.length === 0) return;
    const { partition, records } = this;
    this.records = [];
    this.onBatch({ partition, records, nextOffset: Math.max(this.nextOffset(partition), records[records.length - 1].offset + 1) });
  }
}

/** This consumer's partitions of the topic in a group join's assignments, ascending. */
export function assignedPartitions(payload: Pick<ConsumerGroupJoinPayload, 'assignments'>, topic: string): number[] {
  const partitions = payload.assignments?.find((a) => a.topic === topic)?.partitions ?? [];
  return [...partitions].sort((a, b) => a - b);
}

/**
 * @platformatic/kafka 1.35.0's Consumer (pure JS, the classic group protocol). It joins the group when asked to
 * consume, then hands each message on through a stream. 'consumer:group:join' names the assignment (also after
 * every rejoin); 'consumer:group:rebalance' says the coordinator asked for one. The stream reads in 'manual'
 * mode from its own table of next offsets per partition, which this driver sets on seek: it only fills in the
 * partitions it does not know, so a seek made when the join is announced holds for the fetches after it.
 */
export class PlatformaticConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;
  private stream?: MessagesStream<Buffer, Buffer, Buffer, Buffer>;
  /** Seeks made before the stream exists: the first join happens inside consume(). */
  private readonly firstSeeks = new Map<number, number>();
  private assigned = false;

  constructor(private readonly options: ConsumerDriverOptions) {
    this.consumer = new Consumer({
      clientId: options.clientId,
      bootstrapBrokers: options.bootstrap,
      ...platformaticSecurity(options.security),
      groupId: options.group,
      autocommit: false,
      // kafkajs's session and rebalance timeouts, so that a consumer lost with a broker leaves the group as soon.
      sessionTimeout: 30_000,
      rebalanceTimeout: 60_000,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      maxWaitTime: FETCH_MAX_WAIT_MS,
      maxBytesPerPartition: options.fetchSizeBytes,
      autocreateTopics: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      // produce's patience (about 40 s): a broker's death leaves partitions without a leader for KRaft's session timeout.
      retries: PRODUCER_RETRY.retries,
      retryDelay: (_client, _operation, attempt) => retryDelayMs(attempt),
    });
  }

  async start(listener: ConsumerListener): Promise<void> {
    const { consumer, options: { topic } } = this;
    consumer.on('consumer:group:join', (payload) => {
      this.assigned = true;
      listener.onAssigned({ memberId: payload.memberId, partitions: assignedPartitions(payload, topic) });
    });
    // Said on every request the coordinator refuses while it rebalances (heartbeat, commit, join): once is news.
    consumer.on('consumer:group:rebalance', () => {
      if (!this.assigned) return;
      this.assigned = false;
      listener.onRebalancing();
    });
    // A rejoin that failed for good.
    consumer.on('error', (error: Error) => listener.onFailure(error));

    // Manual mode reads from the offsets set here; the partitions left out it starts at their ends.
    const stream = await consumer.consume({ topics: [topic], mode: MessagesStreamModes.MANUAL, offsets: [] });
    this.stream = stream;
    // The first join's seeks, made inside consume(): the stream fetches only once it has listed the partitions'
    // offsets (a round trip to the brokers), so they are in place before its first fetch.
    for (const [partition, offset] of this.firstSeeks) this.seek(partition, offset);
    const collector = new BatchCollector((batch) => listener.onBatch(batch),
      (partition) => Number(stream.offsetsToFetch.get(`${topic}:${partition}`) ?? -1));
    let flushQueued = false;
    stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => {
      collector.add(message);
      if (flushQueued) return;
      flushQueued = true;
      queueMicrotask(() => {
        flushQueued = false;
        collector.flush();
      });
    });
    stream.on('error', (error: Error) => listener.onFailure(error));
  }

  seek(partition: number, offset: number): void {
    if (this.stream) this.stream.offsetsToFetch.set(`${this.options.topic}:${partition}`, BigInt(offset));
    else this.firstSeeks.set(partition, offset);
  }

  commit(offsets: PartitionOffset[]): Promise<void> {
    const { topic } = this.options;
    // -1: no leader epoch to check the commit against, as kafkajs commits.
    return this.consumer.commit({ offsets: offsets.map(({ partition, offset }) => ({ topic, partition, offset: BigInt(offset), leaderEpoch: -1 })) });
  }

  close(): Promise<void> {
    // force: the stream is closed first, then the consumer leaves the group. A failed leave is the session's to end.
    return new Promise((resolve) => { this.consumer.close(true, () => resolve()); });
  }
}
