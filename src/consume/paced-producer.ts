import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';
import { compressionTypeOf } from '../kafka/codecs.js';
import type { CodecName } from '../kafka/codecs.js';
import { Pacer } from '../produce/pacer.js';

/**
 * A kafkajs producer held to a steady rate, for the end-to-end run: each record carries the time it was
 * handed to the client as its timestamp (CreateTime), which the consumers subtract from their clock.
 */
export interface PacedProduceOptions {
  topic: string;
  ratePerSec: number;
  durationMs: number;
  recordSizeBytes: number;
  partitions: number;
  compression: CodecName;
  /** Aborting ends the schedule: records already due are still sent and acknowledged. */
  signal?: AbortSignal;
}

export interface PacedProduceResult {
  /** Records the broker acknowledged. */
  records: number;
  failedRecords: number;
  firstError?: string;
  durationMs: number;
}

const TICK_MS = 5;

/**
 * Sends one partition's records per send, one send in flight per partition; due records wait and go in that
 * partition's next, larger send. One partition per send: kafkajs retries a send only to the brokers that
 * have not answered yet, so when a broker died and its partitions moved to a broker that had answered, the
 * send resolved without writing them (75,000 acknowledged, 74,772 on the broker). One in flight per partition:
 * the producer is idempotent, and kafkajs's sequence rollback fails concurrent sends of a partition.
 */
export async function producePaced(producer: Producer, options: PacedProduceOptions): Promise<PacedProduceResult> {
  const value = Buffer.alloc(options.recordSizeBytes, 'x');
  // The records of the whole duration, record i due i / rate after the start.
  let total = Math.floor((options.durationMs * options.ratePerSec) / 1000);
  const pacer = new Pacer(options.ratePerSec, total);
  // Per partition, records handed over and not yet sent, as runs of one CreateTime: a record's timestamp is
  // when it became due, so time spent waiting for its partition's send is in its end-to-end latency.
  const waiting = Array.from({ length: options.partitions }, () => [] as Array<{ timestamp: string; count: number }>);
  const inFlight = new Map<number, Promise<void>>();
  let issued = 0;
  let records = 0;
  let failedRecords = 0;
  let firstError: string | undefined;
  const compression = compressionTypeOf(options.compression);
  const startMs = performance.now();
  const send = (partition: number) => {
    const runs = waiting[partition];
    waiting[partition] = [];
    const messages = runs.flatMap(({ timestamp, count }) => Array.from({ length: count }, () => ({ value, timestamp, partition })));
    const sent: Promise<void> = producer.send({ topic: options.topic, acks: -1, compression, messages }).then(
      () => { records += messages.length; },
      (error: Error) => { failedRecords += messages.length; firstError ??= error.message; },
    ).finally(() => inFlight.delete(partition));
    inFlight.set(partition, sent);
  };
  while (issued < total || waiting.some((runs) => runs.length > 0)) {
    if (options.signal?.aborted) total = issued;
    const due = Math.min(pacer.dueBy((performance.now() - startMs) * 1000), total) - issued;
    const timestamp = String(Date.now());
    for (let i = 0; i < due; i++) { // round robin over the partitions
      const runs = waiting[(issued + i) % options.partitions];
      if (runs.at(-1)?.timestamp === timestamp) runs.at(-1)!.count++;
      else runs.push({ timestamp, count: 1 });
    }
    issued += Math.max(0, due);
    for (let partition = 0; partition < options.partitions; partition++) {
      if (waiting[partition].length > 0 && !inFlight.has(partition)) send(partition);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight.values());
  return { records, failedRecords, firstError, durationMs: performance.now() - startMs };
}
