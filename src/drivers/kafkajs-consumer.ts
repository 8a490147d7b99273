import type { Consumer } from 'kafkajs';
import { createKafka } from '../kafka/kafka-client.js';
import type { CountedRun } from '../kafka/counted-fetch.js';
import { CREATED_US_HEADER, createdUsOf } from '../kafka/created-header.js';
import { IDENTITY_HEADER, identityOf } from '../kafka/record-identity.js';
import { countFetchedRecordsOnly } from '../kafka/kafkajs-patches.js';
import {
  FETCH_MAX_WAIT_MS, HEARTBEAT_INTERVAL_MS, type ConsumerDriver, type ConsumerDriverOptions, type ConsumerListener,
  type PartitionOffset,
} from './consumer-driver.js';

/**
 * kafkajs 2.2.4's consumer: its GROUP_JOIN says the assignment (kafkajs seeks there before the first fetch), its
 * eachBatch hands on one partition's batch, and a CRASH it does not restart from is the end. With countOnly, the
 * thread's fetches are counted (src/kafka/kafkajs-patches.ts, fix 5): kafkajs's messages are then counted record
 * batches.
 */
export class KafkajsConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;

  constructor(private readonly options: ConsumerDriverOptions) {
    this.consumer = createKafka(options.bootstrap, options.clientId, {}, options.security).consumer({
      groupId: options.group,
      maxBytesPerPartition: options.fetchSizeBytes,
      maxWaitTimeInMs: FETCH_MAX_WAIT_MS,
      heartbeatInterval: HEARTBEAT_INTERVAL_MS,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeout: options.sessionTimeoutMs }),
      allowAutoTopicCreation: false,
      readUncommitted: options.countOnly,
    });
    countFetchedRecordsOnly(options.countOnly);
  }

  async start(listener: ConsumerListener): Promise<void> {
    const { consumer, options } = this;
    const { topic } = options;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      const partitions = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      listener.onAssigned({ memberId: payload.memberId, partitions });
    });
    consumer.on(consumer.events.REBALANCING, () => listener.onRebalancing());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) listener.onFailure(payload.error);
    });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const nextOffset = Number(batch.lastOffset()) + 1;
        if (options.countOnly) {
          listener.onCountedBatch?.({ partition: batch.partition, runs: batch.messages as unknown as CountedRun[], nextOffset });
          return;
        }
        const held = listener.onBatch({
          partition: batch.partition,
          records: batch.messages.map((m) => ({
            offset: Number(m.offset), timestamp: Number(m.timestamp), createdUs: createdUsOf(m.headers?.[CREATED_US_HEADER]),
            identity: identityOf(m.headers?.[IDENTITY_HEADER]), key: m.key, value: m.value,
          })),
          nextOffset,
        });
        if (held) await heartbeatingUntil(held, heartbeat);
      },
    });
  }

  seek(partition: number, offset: number): void {
    this.consumer.seek({ topic: this.options.topic, partition, offset: String(offset) });
  }

  commit(offsets: PartitionOffset[]): Promise<void> {
    const { topic } = this.options;
    return this.consumer.commitOffsets(offsets.map(({ partition, offset }) => ({ topic, partition, offset: String(offset) })));
  }

  close(): Promise<void> {
    countFetchedRecordsOnly(false);
    return this.consumer.disconnect().catch(() => undefined);
  }
}

/** Waits for a listener that holds the fetch, heartbeating meanwhile: a long hold must not cost the group its member. */
async function heartbeatingUntil(held: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
  let settled = false;
  const done = held.finally(() => { settled = true; });
  while (!settled) {
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, HEARTBEAT_INTERVAL_MS))]);
    if (!settled) await heartbeat().catch(() => undefined);
  }
  await done;
}
