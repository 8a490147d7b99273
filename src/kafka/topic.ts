import kafkajs from './kafkajs.js';
import { retriedWithin } from '../shared/retry.js';
import type { Admin } from 'kafkajs';
import { DataStormError } from '../shared/errors.js';

/** The topics a run uses, in order: `topics`, or the one `topic`. */
export const topicsOf = (config: { topic: string; topics?: string[] }): string[] => config.topics ?? [config.topic];

const { ConfigResourceTypes } = kafkajs;

/** Kafka's rule for topic names (org.apache.kafka.common.internals.Topic): legal characters, at most 249, not . or .. */
export function checkTopicName(name: string): string {
  const reason = name.length === 0 ? 'is empty'
    : name.length > 249 ? `is ${name.length} characters long (at most 249)`
      : name === '.' || name === '..' ? 'cannot be "." or ".."'
        : /[^A-Za-z0-9._-]/.test(name) ? `holds "${name.match(/[^A-Za-z0-9._-]/)![0]}" (only ASCII letters, digits, ".", "_" and "-")`
          : undefined;
  if (reason) throw new DataStormError('DS_BAD_TOPIC', `topic name "${name}" ${reason}`);
  return name;
}

export interface TopicPlan {
  topic: string;
  partitions: number;
  replication: number;
  batchBytes: number;
  /** The largest single record value the run will send. */
  largestRecordBytes: number;
}

export interface PreparedTopic {
  partitions: number;
  maxMessageBytes: number;
  created: boolean;
}

/** A batch's keys and values plus record-batch overhead (headers, varints, small records' share of it). */
const BATCH_OVERHEAD_FACTOR = 1.2;

export function maxMessageBytesFor(batchBytes: number): number {
  return Math.ceil(batchBytes * BATCH_OVERHEAD_FACTOR) + 1024 * 1024;
}

async function topicMaxMessageBytes(admin: Admin, topic: string): Promise<number> {
  const described = await whenClusterSettled(() => admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    includeSynonyms: false,
  }));
  const entry = described.resources[0]?.configEntries.find((e) => e.configName === 'max.message.bytes');
  return Number(entry?.configValue ?? 1048588);
}

/**
 * Creates the topic when it is missing (sized so a full batch fits), or checks an existing one; either way
 * a batch or record the broker would refuse is an error before the run, not a failure in the middle of it.
 */
export async function prepareTopic(admin: Admin, plan: TopicPlan, brokers: number, log: (line: string) => void): Promise<PreparedTopic> {
  const existing = await admin.fetchTopicMetadata({ topics: [] });
  const found = existing.topics.find((t) => t.name === plan.topic);
  let created = false;
  if (!found) {
    if (plan.replication > brokers) {
      throw new DataStormError('DS_BAD_OPTION', `--replication ${plan.replication} is more than the ${brokers} brokers of the cluster`);
    }
    const maxMessageBytes = maxMessageBytesFor(plan.batchBytes);
    await admin.createTopics({
      // Leaders are awaited below, with retries that outlast a loaded machine (kafkajs's own give up after ~3 s).
      waitForLeaders: false,
      topics: [{
        topic: plan.topic,
        numPartitions: plan.partitions,
        replicationFactor: plan.replication,
        configEntries: [{ name: 'max.message.bytes', value: String(maxMessageBytes) }],
      }],
    });
    await whenClusterSettled(async () => {
      const [described] = (await admin.fetchTopicMetadata({ topics: [plan.topic] })).topics;
      if (described.partitions.length < plan.partitions || described.partitions.some((p) => p.leader < 0)) {
        throw Object.assign(new Error(`topic ${plan.topic} has no leader for every partition yet`), { type: 'LEADER_NOT_AVAILABLE' });
      }
    });
    log(`created topic ${plan.topic}: ${plan.partitions} partitions, replication ${plan.replication}, max.message.bytes ${maxMessageBytes}`);
    created = true;
  }
  const partitions = found ? found.partitions.length : plan.partitions;
  const maxMessageBytes = await topicMaxMessageBytes(admin, plan.topic);
  if (plan.largestRecordBytes > maxMessageBytes) {
    throw new DataStormError('DS_RECORD_TOO_LARGE',
      `a record of ${plan.largestRecordBytes} bytes is larger than topic ${plan.topic} accepts (max.message.bytes=${maxMessageBytes})`,
      { hint: 'use a smaller --record-size, or raise the topic\'s max.message.bytes' });
  }
  if (plan.batchBytes * BATCH_OVERHEAD_FACTOR > maxMessageBytes) {
    throw new DataStormError('DS_BATCH_TOO_LARGE',
      `--batch ${plan.batchBytes} bytes with record overhead is larger than topic ${plan.topic} accepts (max.message.bytes=${maxMessageBytes})`,
      { hint: `use --batch ${Math.floor(maxMessageBytes / BATCH_OVERHEAD_FACTOR)} or less, or raise the topic's max.message.bytes` });
  }
  return { partitions, maxMessageBytes, created };
}

/** Errors a broker gives while a new topic's metadata spreads through the cluster. */
const SETTLING_ERRORS = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE']);

function isSettling(error: unknown): boolean {
  const e = error as { type?: string; retriable?: boolean; cause?: unknown };
  return Boolean(e.retriable) || SETTLING_ERRORS.has(e.type ?? '') || (e.cause !== undefined && isSettling(e.cause));
}

/**
 * An admin call about a topic that may have just been created, or a group whose coordinator is moving (a
 * restarted cluster, a broker death): some brokers may not know its partitions, leaders or coordinator yet
 * (under load, for longer than kafkajs's own retries). Asked again for up to 15 s.
 */
export async function whenClusterSettled<T>(call: () => Promise<T>): Promise<T> {
  return retriedWithin(call, { forMs: 15_000, pauseMs: () => 200, retriable: isSettling });
}

/** The topic's end offset of each partition, by partition number. */
export async function topicEndOffsets(admin: Admin, topic: string): Promise<number[]> {
  const offsets = await whenClusterSettled(() => admin.fetchTopicOffsets(topic));
  const ends: number[] = [];
  for (const { partition, high } of offsets) ends[partition] = Number(high);
  return ends;
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * Reads offsets a run is checked against. A cluster gone by then (stopped by another process) must not lose the
 * run's report: the read gives `unread` (NaN for an offset, never a stand-in reading) and why it failed.
 */
export async function readOrWhyNot<T>(read: () => Promise<T>, unread: T): Promise<{ value: T; unreadBecause?: string }> {
  try {
    return { value: await read() };
  } catch (error) {
    return { value: unread, unreadBecause: error instanceof Error ? error.message : String(error) };
  }
}

/** The sum of the topic's end offsets: how many records it has ever held. */
export async function topicEndOffsetTotal(admin: Admin, topic: string): Promise<number> {
  return sum(await topicEndOffsets(admin, topic));
}

/**
 * The topic's end-offset total once the records a run was acknowledged for are visible: end offsets are high
 * watermarks, which trail the leader's log until the followers have the records (acks=1 returns before that).
 * Polls until the total reaches `expected`, or stops at the deadline with what it read.
 */
export async function settledEndOffsetTotal(admin: Admin, topic: string, expected: number, timeoutMs = 15_000): Promise<number> {
  return sum(await settledEndOffsets(admin, topic, expected, timeoutMs));
}

/** settledEndOffsetTotal's reading, per partition. */
export async function settledEndOffsets(admin: Admin, topic: string, expectedTotal: number, timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  let ends = await topicEndOffsets(admin, topic);
  while (sum(ends) < expectedTotal && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    ends = await topicEndOffsets(admin, topic);
  }
  return ends;
}

/**
 * Sets topic-level configs, keeping those the topic has (max.message.bytes): kafkajs has only AlterConfigs, which
 * replaces a topic's whole set.
 */
export async function setTopicConfigs(admin: Admin, topic: string, configs: Record<string, string>): Promise<void> {
  const described = await whenClusterSettled(() => admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }], includeSynonyms: false }));
  const own = (described.resources[0]?.configEntries ?? [])
    .filter((entry) => !entry.isDefault && entry.configSource === DYNAMIC_TOPIC_CONFIG)
    .map((entry): [string, string] => [entry.configName, entry.configValue]);
  const merged = { ...Object.fromEntries(own), ...configs };
  await whenClusterSettled(() => admin.alterConfigs({
    validateOnly: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: Object.entries(merged).map(([name, value]) => ({ name, value })) }],
  }));
}

/** DescribeConfigs' source of a config set on the topic itself. */
const DYNAMIC_TOPIC_CONFIG = 1;

/** Deletes every record of a topic up to each partition's end (DeleteRecords): its offsets stay as they are. */
export async function deleteRecordsToEnd(admin: Admin, topic: string): Promise<void> {
  // A leader that moves under load answers "does not host this topic-partition": asked again, as the cluster settles.
  await whenClusterSettled(async () => {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.deleteTopicRecords({ topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  });
}
