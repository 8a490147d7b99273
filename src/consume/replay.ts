import type { Admin } from 'kafkajs';
import type { PartitionOffset } from '../drivers/consumer-driver.js';
import { driverOf, type DriverName } from '../drivers/driver-registry.js';
import { requireIdleGroup, topicPartitionCount } from './consumer-group.js';
import { whenClusterSettled } from '../kafka/topic.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import { compareDigests, DigestBuilder, type DigestDiff, type PassDigest } from './replay-digest.js';
import { publicSecurity, type ClientSecurity } from '../security/client-security.js';

/**
 * `datastorm replay-check`: reads a topic twice through one consumer group, resetting the group to the
 * earliest offsets before each pass, and compares what the two passes read. Each pass reads up to the end
 * offsets it found when it began, so records added between the passes make them differ.
 */
export interface ReplayConfig {
  /** The Kafka client each pass reads with (--driver). */
  driver: DriverName;
  bootstrap: string[];
  /** TLS and SASL (--command-config / --consumer.config). */
  security: ClientSecurity;
  topic: string;
  group: string;
  /** Longest wait for the next record before a pass gives up. */
  timeoutMs: number;
}

export interface PassResult extends PassDigest {
  /** Per partition: where the group was reset to, and the end offset the pass read up to. */
  startOffsets: number[];
  endOffsets: number[];
  /** Σ(end − start): what the broker's offsets say the pass should read. */
  expectedRecords: number;
  durationMs: number;
}

export interface ReplayResult {
  schemaVersion: 1;
  command: 'replay-check';
  startedAt: string;
  config: ReplayConfig;
  passes: [PassResult, PassResult];
  diff: DigestDiff;
  match: boolean;
}

export interface ReplayHooks {
  log?: (line: string) => void;
  /** Runs between the passes (tests use it to change the topic). */
  betweenPasses?: () => Promise<void>;
  /** Aborting (Ctrl-C) ends the check where it is, with no verdict. */
  signal?: AbortSignal;
}

const POLL_MS = 20;

/** kafkajs's default max.partition.fetch.bytes, which replay-check has always read with. */
const REPLAY_FETCH_BYTES = 1024 * 1024;

function offsetsOf(offsets: number[]): PartitionOffset[] {
  return offsets.map((offset, partition) => ({ partition, offset }));
}

/**
 * One pass: the group is reset to the log start offsets, then read up to the end offsets found when the pass
 * began, then committed there. The pass's own consumer does the reset as its first act in the group (it
 * seeks every partition it is given to the start and commits those offsets): admin.setOffsets would join
 * the group with a consumer of its own that waits out a 5 s fetch, and resetOffsets({ earliest }) commits
 * kafkajs's -2 marker rather than offsets.
 */
async function readPass(admin: Admin, config: ReplayConfig, partitions: number, pass: number, signal?: AbortSignal): Promise<PassResult> {
  await requireIdleGroup(admin, config.group);
  const offsets = await whenClusterSettled(() => admin.fetchTopicOffsets(config.topic));
  const at = (p: number) => offsets.find((o) => o.partition === p);
  const startOffsets = Array.from({ length: partitions }, (_, p) => Number(at(p)?.low ?? 0));
  const endOffsets = Array.from({ length: partitions }, (_, p) => Number(at(p)?.high ?? 0));

  const startMs = Date.now();
  const digest = new DigestBuilder();
  // Next offset to read per partition: a consumer given a partition (again) seeks there, so nothing is read twice.
  const next = [...startOffsets];
  const done = () => next.every((offset, p) => offset >= endOffsets[p]);
  let joined = false;
  let failure: Error | undefined;
  let lastProgressMs = startMs;
  const consumer = await driverOf(config.driver).createConsumer({
    bootstrap: config.bootstrap, security: config.security, clientId: 'datastorm-replay',
    topic: config.topic, group: config.group, fetchSizeBytes: REPLAY_FETCH_BYTES, countOnly: false,
  });
  const recordsLeft = () => next.reduce((sum, o, p) => sum + Math.max(0, endOffsets[p] - o), 0);
  const waitUntil = async (condition: () => boolean, what: () => string) => {
    while (!condition()) {
      if (failure) throw failure;
      if (signal?.aborted) {
        const total = endOffsets.reduce((sum, end, p) => sum + end - startOffsets[p], 0);
        throw new DataStormError('DS_INTERRUPTED', `interrupted in pass ${pass} after ${total - recordsLeft()} of its ${total} records: no verdict`,
          { exitCode: INTERRUPTED_EXIT_CODE });
      }
      if (Date.now() - lastProgressMs > config.timeoutMs) {
        throw new DataStormError('DS_CONSUME_TIMEOUT', `a pass over ${config.topic} ${what()} for ${config.timeoutMs} ms`, {
          hint: 'raise --timeout, or check that the records are still there (retention, compaction)',
        });
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  };
  let durationMs: number;
  try {
    await consumer.start({
      onAssigned: ({ partitions: assigned }) => {
        for (const partition of assigned) consumer.seek(partition, next[partition]);
        joined = true;
      },
      onRebalancing: () => undefined,
      onBatch: ({ partition: p, records, nextOffset }) => {
        for (const record of records) {
          if (record.offset < next[p] || record.offset >= endOffsets[p]) continue;
          digest.add(p, record.key, record.value);
          next[p] = record.offset + 1;
        }
        // Past the last record: control records (transactions) can sit between it and the end offset.
        next[p] = Math.max(next[p], Math.min(nextOffset, endOffsets[p]));
        lastProgressMs = Date.now();
      },
      onFailure: (error) => { failure ??= error; },
    });
    await waitUntil(() => joined, () => 'could not join the group');
    await consumer.commit(offsetsOf(startOffsets));
    await waitUntil(done, () => `read nothing before reaching the end offsets (${recordsLeft()} records left)`);
    durationMs = Date.now() - startMs;
    await consumer.commit(offsetsOf(endOffsets));
  } finally {
    await consumer.close();
  }
  return {
    ...digest.finish(partitions),
    startOffsets,
    endOffsets,
    expectedRecords: endOffsets.reduce((sum, end, p) => sum + end - startOffsets[p], 0),
    durationMs,
  };
}

export async function runReplayCheck(config: ReplayConfig, hooks: ReplayHooks = {}): Promise<ReplayResult> {
  const log = hooks.log ?? (() => undefined);
  await describeBrokers(config.bootstrap, { security: config.security });
  const admin = createKafka(config.bootstrap, 'datastorm-replay', {}, config.security).admin();
  await admin.connect();
  try {
    const partitions = await topicPartitionCount(admin, config.topic);
    const startedAt = new Date().toISOString();
    const first = await readPass(admin, config, partitions, 1, hooks.signal);
    log(`pass 1: ${first.records} records in ${first.durationMs} ms`);
    await hooks.betweenPasses?.();
    const second = await readPass(admin, config, partitions, 2, hooks.signal);
    log(`pass 2: ${second.records} records in ${second.durationMs} ms`);
    const diff = compareDigests(first, second);
    return { schemaVersion: 1, command: 'replay-check', startedAt, config: { ...config, security: publicSecurity(config.security) }, passes: [first, second], diff, match: diff.match };
  } finally {
    await admin.disconnect();
  }
}
