import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { createKafka } from '../kafka/kafka-client.js';
import { buildPayloadPool } from '../produce/payloads.js';
import type { ClientSecurity } from '../security/client-security.js';
import { prepareTopic, topicEndOffsetTotal } from '../kafka/topic.js';

/**
 * Each point's fresh topic, created before the point's processes start, the way `datastorm produce` would
 * create it (src/kafka/topic.ts prepareTopic): its creation stays out of the point's figures, processes that share
 * it do not race to create it, and the point starts only once every partition's leader answers for its
 * offsets (a broker can take a moment to learn it leads a partition of a new topic).
 */
const LEADERS_TIMEOUT_MS = 30_000;
const POLL_MS = 200;

async function withAdmin<T>(bootstrap: string[], security: ClientSecurity, work: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafka(bootstrap, 'datastorm-analysis', {}, security).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export async function createPointTopic(bootstrap: string[], brokers: number, topic: string, config: RunConfig): Promise<void> {
  const largestRecordBytes = Math.max(...buildPayloadPool(config.payload, 1).map((value) => value.length));
  await withAdmin(bootstrap, config.security, async (admin) => {
    await prepareTopic(admin, {
      topic, partitions: config.partitions, replication: config.replication, batchBytes: config.batchBytes, largestRecordBytes,
    }, brokers, () => undefined);
    const deadline = Date.now() + LEADERS_TIMEOUT_MS;
    for (;;) {
      try {
        await topicEndOffsetTotal(admin, topic);
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          throw new DataStormError('DS_TOPIC_NOT_READY', `topic ${topic}'s partition leaders did not answer within ${LEADERS_TIMEOUT_MS / 1000} s: ` +
            `${(error as Error).message}`, { cause: error });
        }
        await sleep(POLL_MS);
      }
    }
  });
}

export async function deletePointTopic(bootstrap: string[], security: ClientSecurity, topic: string): Promise<void> {
  await withAdmin(bootstrap, security, (admin) => admin.deleteTopics({ topics: [topic] }));
}
