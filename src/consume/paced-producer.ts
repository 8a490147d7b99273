import type { Producer } from 'kafkajs';
import { compressionTypeOf } from '../kafka/codecs.js';
import type { CodecName } from '../kafka/codecs.js';
import { CREATED_US_HEADER, createdUsValue } from '../kafka/created-header.js';
import { IDENTITY_HEADER, identityValue } from '../kafka/record-identity.js';
import { OUTCOME, appendRange, type SendOutcomes } from '../verify/send-outcomes.js';
import { Pacer } from '../produce/pacer.js';
import { RateProfile, type RatePoint } from '../produce/rate-profile.js';
import { epochMs, epochUs } from '../shared/clock.js';
import { sleepUntil } from '../shared/sleep.js';

/**
 * A kafkajs producer held to a schedule, for the end-to-end runs: each record carries the time it was handed to the
 * client, as its timestamp (CreateTime, whole ms, for any consumer) and in µs on the process's clock in the
 * creation-time header (src/kafka/created-header.ts, for consumers in this process).
 */
export interface PacedProduceOptions {
  topic: string;
  load: PacedLoad;
  durationMs: number;
  recordSizeBytes: number;
  partitions: number;
  compression: CodecName;
  /** Aborting ends the schedule: records already due are still sent and acknowledged. */
  signal?: AbortSignal;
  /** When the schedule starts, epoch ms on the shared clock (src/shared/clock.ts); at once when absent. */
  startAtEpochMs?: number;
  /**
   * --verify: each record carries its identity (producer 0, its place in the schedule), and how each send ended is
   * told here, by identity.
   */
  onOutcomes?: (outcomes: SendOutcomes) => void;
}

/**
 * A steady rate (e2e), a rate along a profile (capacity's ramp), or as fast as the consumers read: at most
 * `aheadRecords` records produced that `consumed` does not count yet (capacity's probe: the whole path's rate, with
 * the consumers' lag bounded).
 */
export type PacedLoad =
  | { kind: 'rate'; rateRps: number }
  | { kind: 'profile'; points: RatePoint[] }
  | { kind: 'consumers'; consumed: () => number; aheadRecords: number };

export interface PacedProduceResult {
  /** Records the broker acknowledged. */
  records: number;
  failedRecords: number;
  firstError?: string;
  durationMs: number;
}

const TICK_MS = 5;
/**
 * A send's records at most (the rest wait for the partition's next send): a record batch the topic takes (e2e's
 * topics allow about 1 MB), whatever piled up behind a slow send or was due at once (the probe's first records).
 */
const MAX_SEND_BYTES = 512 * 1024;
/** A record's bytes besides its value, generously: length, attributes, deltas, the creation-time header. */
const RECORD_OVERHEAD_BYTES = 64;

/**
 * Records in the whole schedule, and those due `elapsedMs` after its start. Paced: record i is due i / rate after the
 * start (on a profile, when the area under it reaches i). As the consumers read: records until the time is up, each
 * due once the consumers are close enough.
 */
function scheduleOf(load: PacedLoad, durationMs: number): { total: number; dueBy: (elapsedMs: number) => number } {
  if (load.kind === 'consumers') return { total: Infinity, dueBy: () => load.consumed() + load.aheadRecords };
  const rate = load.kind === 'rate' ? load.rateRps : new RateProfile(load.points);
  const total = Math.floor(typeof rate === 'number' ? (durationMs * rate) / 1000 : rate.dueBy(durationMs));
  const pacer = new Pacer(rate, total);
  return { total, dueBy: (elapsedMs) => pacer.dueBy(elapsedMs * 1000) };
}

/**
 * Sends one partition's records per send, one send in flight per partition; due records wait and go in that
 * partition's next, larger send (up to MAX_SEND_BYTES). One partition per send: kafkajs retries a send only to the brokers that
 * have not answered yet, so when a broker died and its partitions moved to a broker that had answered, the
 * send resolved without writing them (75,000 acknowledged, 74,772 on the broker). One in flight per partition:
 * the producer is idempotent, and kafkajs's sequence rollback fails concurrent sends of a partition.
 */
export async function producePaced(producer: Producer, options: PacedProduceOptions): Promise<PacedProduceResult> {
  const value = Buffer.alloc(options.recordSizeBytes, 'x');
  const schedule = scheduleOf(options.load, options.durationMs);
  let { total } = schedule;
  // Per partition, records handed over and not yet sent, as runs of one creation time: a record's timestamps say
  // when it became due, so time spent waiting for its partition's send is in its end-to-end latency. Record i goes to
  // partition i % P: a run's records are its `sequence`, then every P-th after it.
  const waiting = Array.from({ length: options.partitions }, () => [] as Array<{ timestamp: string; headers: Record<string, string>; count: number; sequence: number }>);
  const { onOutcomes } = options;
  const inFlight = new Map<number, Promise<void>>();
  let issued = 0;
  let records = 0;
  let failedRecords = 0;
  let firstError: string | undefined;
  const compression = compressionTypeOf(options.compression);
  if (options.startAtEpochMs !== undefined) await sleepUntil(options.startAtEpochMs, options.signal, epochMs);
  const startMs = options.startAtEpochMs ?? epochMs();
  const perSend = Math.max(1, Math.floor(MAX_SEND_BYTES / (options.recordSizeBytes + RECORD_OVERHEAD_BYTES)));
  const send = (partition: number) => {
    const runs = waiting[partition];
    const messages: Array<{ value: Buffer; timestamp: string; headers: Record<string, string | Buffer>; partition: number }> = [];
    const sequences: number[] = [];
    while (runs.length > 0 && messages.length < perSend) {
      const run = runs[0];
      const taken = Math.min(run.count, perSend - messages.length);
      for (let i = 0; i < taken; i++) {
        const sequence = run.sequence + i * options.partitions;
        const headers = onOutcomes ? { ...run.headers, [IDENTITY_HEADER]: identityValue(0, sequence) } : run.headers;
        messages.push({ value, timestamp: run.timestamp, headers, partition });
        if (onOutcomes) sequences.push(sequence);
      }
      run.count -= taken;
      run.sequence += taken * options.partitions;
      if (run.count === 0) runs.shift();
    }
    const settled = (outcome: typeof OUTCOME.acknowledged | typeof OUTCOME.failed) => {
      const ranges: number[] = [];
      for (const sequence of sequences) appendRange(ranges, partition, sequence, 1, outcome);
      onOutcomes?.({ producer: 0, ranges });
    };
    const sent: Promise<void> = producer.send({ topic: options.topic, acks: -1, compression, messages }).then(
      () => { records += messages.length; settled(OUTCOME.acknowledged); },
      (error: Error) => { failedRecords += messages.length; firstError ??= error.message; settled(OUTCOME.failed); },
    ).finally(() => inFlight.delete(partition));
    inFlight.set(partition, sent);
  };
  while (issued < total || waiting.some((runs) => runs.length > 0)) {
    const elapsedMs = epochMs() - startMs;
    if (options.signal?.aborted || (options.load.kind === 'consumers' && elapsedMs >= options.durationMs)) total = issued;
    const due = Math.min(schedule.dueBy(elapsedMs), total) - issued;
    const timestamp = String(Date.now());
    const created = createdUsValue(epochUs());
    for (let i = 0; i < due; i++) { // round robin over the partitions
      const runs = waiting[(issued + i) % options.partitions];
      if (runs.at(-1)?.headers[CREATED_US_HEADER] === created) runs.at(-1)!.count++;
      else runs.push({ timestamp, headers: { [CREATED_US_HEADER]: created }, count: 1, sequence: issued + i });
    }
    issued += Math.max(0, due);
    for (let partition = 0; partition < options.partitions; partition++) {
      if (waiting[partition].length > 0 && !inFlight.has(partition)) send(partition);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight.values());
  return { records, failedRecords, firstError, durationMs: epochMs() - startMs };
}
