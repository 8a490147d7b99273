import type { Admin } from 'kafkajs';
import { topicPartitionCount } from './consumer-group.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { lagSample, partitionLags, shareGroupLags, summarizeLag, type LagSample, type LagSummary, type PartitionLag } from './lag-stats.js';
import { shareGroupAllOffsets } from '../drivers/share-group-admin.js';
import { requireShareGroups } from './share-consume.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';
import { sleepUntil } from '../shared/sleep.js';

/**
 * `datastorm lag`: samples a consumer group's committed offsets (or a share group's start offsets and lag) and the
 * topics' end offsets on a fixed schedule. Any group works, whoever created it: only what the brokers hold is read.
 */
export type GroupType = 'consumer' | 'share';

export interface LagConfig {
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  group: string;
  /** A consumer group (committed offsets) or a share group (KIP-932: start offsets, and the brokers' lag). */
  groupType: GroupType;
  intervalMs: number;
  durationMs: number;
  /** Topics to watch besides those the group has committed offsets for. */
  topics: string[];
}

export interface LagResult {
  schemaVersion: 1;
  command: 'lag';
  startedAt: string;
  config: LagConfig;
  samples: LagSample[];
  summary: LagSummary;
  /** True when the run was stopped before --duration (Ctrl-C). */
  partial: boolean;
  /** Why sampling stopped early: the offsets could not be read (the cluster was gone); the samples are those before. */
  unreadBecause?: string;
}

async function consumerGroupLags(admin: Admin, group: string, watched: string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId: group });
  const topics = [...new Set([...committed.map((t) => t.topic), ...watched])].sort();
  return partitionLags(await Promise.all(topics.map(async (topic) => ({
    topic,
    committed: committed.find((t) => t.topic === topic)?.partitions ?? [],
    ends: await admin.fetchTopicOffsets(topic),
  }))));
}

async function shareGroupLagsNow(admin: Admin, config: LagConfig): Promise<PartitionLag[]> {
  const standing = await shareGroupAllOffsets(config.bootstrap, config.security, config.group);
  const topics = [...new Set([...standing.keys(), ...config.topics])].sort();
  return shareGroupLags(await Promise.all(topics.map(async (topic) => ({
    topic,
    standing: standing.get(topic) ?? [],
    ends: await admin.fetchTopicOffsets(topic),
  }))));
}

const lagsNow = (admin: Admin, config: LagConfig) => (config.groupType === 'share' ? shareGroupLagsNow(admin, config) : consumerGroupLags(admin, config.group, config.topics));

export async function runLag(
  config: LagConfig,
  onSample: (sample: LagSample, previous?: LagSample) => void = () => undefined,
  signal?: AbortSignal,
): Promise<LagResult> {
  await describeBrokers(config.bootstrap, { security: config.security });
  if (config.groupType === 'share') await requireShareGroups(config.bootstrap, config.security);
  const admin = createKafka(config.bootstrap, 'datastorm-lag', {}, config.security).admin();
  await admin.connect();
  const samples: LagSample[] = [];
  try {
    for (const topic of config.topics) await topicPartitionCount(admin, topic);
    const startedAt = new Date().toISOString();
    const startMs = Date.now();
    let unreadBecause: string | undefined;
    // Samples at 0, interval, 2 × interval, ... up to the duration, on the clock (no drift from slow reads).
    for (let k = 0; k * config.intervalMs <= config.durationMs && !signal?.aborted; k += 1) {
      await sleepUntil(startMs + k * config.intervalMs, signal);
      if (signal?.aborted) break;
      const lags = await readOrWhyNot(() => whenClusterSettled(() => lagsNow(admin, config)), undefined);
      if (lags.value === undefined) {
        unreadBecause = lags.unreadBecause;
        break;
      }
      const atMs = Date.now();
      const sample = lagSample(atMs - startMs, atMs, lags.value);
      onSample(sample, samples.at(-1));
      samples.push(sample);
    }
    return {
      schemaVersion: 1, command: 'lag', startedAt, config: { ...config, security: publicSecurity(config.security) }, samples, summary: summarizeLag(samples), partial: Boolean(signal?.aborted),
      ...(unreadBecause !== undefined ? { unreadBecause } : {}),
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
