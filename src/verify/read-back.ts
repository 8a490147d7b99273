import { randomUUID } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { createKafka } from '../kafka/kafka-client.js';
import { IDENTITY_HEADER, identityOf, type RecordIdentity } from '../kafka/record-identity.js';
import { whenClusterSettled } from '../kafka/topic.js';
import { DataStormError } from '../shared/errors.js';
import type { ClientSecurity } from '../security/client-security.js';

/** What a verifier reads: every partition of the run's topics from the offsets before the run to those after it. */
export interface ReadBackPlan {
  bootstrap: string[];
  security: ClientSecurity;
  topics: string[];
  /** Per topic, per partition: the first offset to read and the offset to stop before. */
  from: number[][];
  to: number[][];
  /** read_committed (transactions: an aborted transaction's records are left out, as any such consumer's are). */
  readCommitted: boolean;
}

/** With no record or position coming for this long, the reading is given up (the cluster is gone). */
const READ_IDLE_TIMEOUT_MS = 60_000;
const FETCH_MAX_WAIT_MS = 500;
/** Large fetches: reading back is one pass over what the run wrote (kafkajs's 1 MB a partition made it a fetch per MB). */
const FETCH_PARTITION_BYTES = 16 * 1024 * 1024;
const FETCH_BYTES = 64 * 1024 * 1024;

/**
 * Reads the plan's ranges with a consumer of a group of its own (its offsets set to the plan's `from` first, the
 * group deleted after), handing each record's identity to `onRecord` in offset order per partition, with its
 * destination: topic index × partitions per topic + partition, as a run numbers its batches' destinations.
 */
export async function readBack(plan: ReadBackPlan, onRecord: (destination: number, identity: RecordIdentity | undefined) => void): Promise<void> {
  const partitionsPerTopic = plan.from[0]?.length ?? 0;
  const remaining = new Set<number>();
  plan.topics.forEach((_, t) => plan.from[t].forEach((from, p) => { if (from < plan.to[t][p]) remaining.add(t * partitionsPerTopic + p); }));
  if (remaining.size === 0) return;
  const kafka = createKafka(plan.bootstrap, 'datastorm-verify', {}, plan.security);
  const group = `datastorm-verify-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  const consumer = kafka.consumer({
    groupId: group, readUncommitted: !plan.readCommitted, maxWaitTimeInMs: FETCH_MAX_WAIT_MS, allowAutoTopicCreation: false,
    maxBytesPerPartition: FETCH_PARTITION_BYTES, maxBytes: FETCH_BYTES,
  });
  try {
    await startAt(admin, group, plan);
    await consumer.connect();
    for (const topic of plan.topics) await consumer.subscribe({ topic, fromBeginning: true });
    const topicIndex = new Map(plan.topics.map((topic, t) => [topic, t]));
    await new Promise<void>((resolve, reject) => {
      let lastNewsMs = Date.now();
      const fail = (error: Error) => { clearInterval(idle); reject(error); };
      const idle = setInterval(() => {
        if (Date.now() - lastNewsMs > READ_IDLE_TIMEOUT_MS) {
          fail(new DataStormError('DS_CONSUME_TIMEOUT', `reading the run's partitions back stalled for ${READ_IDLE_TIMEOUT_MS / 1000} s with ${remaining.size} partition(s) unread`));
        }
      }, 1000);
      const done = () => { clearInterval(idle); resolve(); };
      // After every batch, the empty ones (all aborted, or a transaction marker) too: where the partition's reading stands.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        lastNewsMs = Date.now();
        const t = topicIndex.get(payload.topic)!;
        if (Number(payload.lastOffset) + 1 >= plan.to[t][payload.partition]) remaining.delete(t * partitionsPerTopic + payload.partition);
        if (remaining.size === 0) done();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) fail(payload.error);
      });
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const t = topicIndex.get(batch.topic)!;
          const [from, to] = [plan.from[t][batch.partition], plan.to[t][batch.partition]];
          const destination = t * partitionsPerTopic + batch.partition;
          for (const message of batch.messages) {
            const offset = Number(message.offset);
            if (offset >= from && offset < to) onRecord(destination, identityOf(message.headers?.[IDENTITY_HEADER]));
          }
        },
      }).catch((error: unknown) => fail(error as Error));
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** The group's offsets at the plan's starts, before its consumer joins: it reads from there, no seek racing a fetch. */
async function startAt(admin: Admin, group: string, plan: ReadBackPlan): Promise<void> {
  for (const [t, topic] of plan.topics.entries()) {
    await whenClusterSettled(() => admin.setOffsets({
      groupId: group, topic, partitions: plan.from[t].map((offset, partition) => ({ partition, offset: String(offset) })),
    }));
  }
}
