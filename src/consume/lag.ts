import type { Admin } from 'kafkajs';
import { topicPartitionCount } from './consumer-group.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { lagSample, partitionLags, summarizeLag, type LagSample, type LagSummary, type OffsetsOfTopic } from './lag-stats.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';
import { readOrWhyNot, whenClusterSettled } from '../kafka/topic.js';
import { sleepUntil } from '../shared/sleep.js';

/**
 * `datastorm lag`: samples a consumer group's committed offsets and the topics' end offsets on a fixed
 * schedule. Any group works, whoever created it: only the offsets the broker holds are read.
 */
export interface LagConfig {
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  group: string;
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

async function readOffsets(admin: Admin, group: string, watched: string[]): Promise<OffsetsOfTopic[]> {
  const committed = await admin.fetchOffsets({ groupId: group });
  const topics = [...new Set([...committed.map((t) => t.topic), ...watched])].sort();
  return Promise.all(topics.map(async (topic) => ({
    topic,
    committed: committed.find((t) => t.topic === topic)?.partitions ?? [],
    ends: await admin.fetchTopicOffsets(topic),
  })));
}

export async function runLag(
  config: LagConfig,
  onSample: (sample: LagSample, previous?: LagSample) => void = () => undefined,
  signal?: AbortSignal,
): Promise<LagResult> {
  await describeBrokers(config.bootstrap, { security: config.security });
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
      const offsets = await readOrWhyNot(() => whenClusterSettled(() => readOffsets(admin, config.group, config.topics)), undefined);
      if (offsets.value === undefined) {
        unreadBecause = offsets.unreadBecause;
        break;
      }
      const atMs = Date.now();
      const sample = lagSample(atMs - startMs, atMs, partitionLags(offsets.value));
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
