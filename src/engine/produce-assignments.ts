import type { ProducerSettings } from '../drivers/producer-driver.js';
import type { BatchBufferPlan } from '../produce/batch-buffers.js';
import type { SharedTemplates } from '../produce/batch-templates.js';
import { valueKindOf } from '../produce/payloads.js';
import { scaledPoints } from '../produce/rate-profile.js';
import { recordHeadersOf, type RunConfig } from '../produce/run-config.js';
import type { SharedValues } from '../produce/shared-values.js';
import { partitionsOfWorker, splitExactly } from './split.js';
import type { ProduceAssignment } from './worker-protocol.js';

/** What a run prepared once for all its workers: the topic's partitions, the buffer plan, the values. */
export interface PreparedShares {
  /** Each topic's partitions, as prepared (an existing topic's own count). */
  topicPartitions: number;
  buffers: BatchBufferPlan;
  bootstrap: string[];
  values: SharedValues;
  templates?: SharedTemplates;
}

/**
 * Each worker's assignment: its shares of the run (records, warm-up and rate split exactly, the profile's rates
 * divided, its partitions and record numbers), computed here once, with the settings its pieces send with.
 */
export function produceAssignments(config: RunConfig, prepared: PreparedShares): (workerId: number) => ProduceAssignment {
  const { workers } = config;
  const records = config.numRecords !== undefined ? splitExactly(config.numRecords, workers) : undefined;
  const warmups = splitExactly(config.warmupRecords, workers);
  const rates = config.throughputRps > 0 ? splitExactly(config.throughputRps, workers) : undefined;
  // A profile is the run's: each worker paces an equal part of it.
  const profile = config.throughputProfile && scaledPoints(config.throughputProfile, 1 / workers);
  const valueKind = valueKindOf(config.payload, prepared.values);
  return (workerId) => ({
    workerId,
    records: records?.[workerId],
    durationMs: config.durationMs,
    firstSteadyIndex: warmups[workerId],
    rate: profile ?? rates?.[workerId] ?? -1,
    sequence: { first: workerId, stride: workers },
    ownPartitions: partitionsOfWorker(workerId, workers, prepared.topicPartitions),
    topicPartitions: prepared.topicPartitions,
    buffers: prepared.buffers,
    driver: config.driver,
    producer: producerSettingsOf(config, workerId),
    bootstrap: prepared.bootstrap,
    lingerMs: config.lingerMs,
    queueTargetMs: config.queueTargetMs,
    maxBlockMs: config.maxBlockMs,
    keyMode: config.keys,
    keyRange: config.keyRange,
    zipfExponent: config.zipfExponent,
    abortRate: config.transaction?.abortRate ?? 0,
    valueKind,
    values: prepared.values,
    ...(prepared.templates ? { templates: prepared.templates } : {}),
    verify: config.verify ?? false,
  });
}

/** The run's client settings as worker `workerId`'s producer takes them: two producers with one transactional id fence each other. */
function producerSettingsOf(config: RunConfig, workerId: number): ProducerSettings {
  const { topic, topics, compression, acks, idempotent, maxInFlight, transaction, security } = config;
  return {
    topic, ...(topics ? { topics } : {}), compression, acks, idempotent, maxInFlight, headers: recordHeadersOf(config), security,
    ...(transaction ? { transaction: { id: `${transaction.id}-${workerId}`, durationMs: transaction.durationMs } } : {}),
  };
}
