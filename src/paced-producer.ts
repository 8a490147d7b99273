import { performance } from 'node:perf_hooks';
import type { Producer } from 'kafkajs';

/**
 * A kafkajs producer held to a steady rate, for the end-to-end run: each record carries the time it was
 * handed to the client as its timestamp (CreateTime), which the consumers subtract from their clock.
 */
export interface PacedProduceOptions {
  topic: string;
  ratePerSec: number;
  durationMs: number;
  recordSizeBytes: number;
}

export interface PacedProduceResult {
  /** Records the broker acknowledged. */
  records: number;
  failedRecords: number;
  firstError?: string;
  durationMs: number;
}

const TICK_MS = 5;
/** Requests in flight at once; past it, due records wait and go in the next, larger request. */
const MAX_IN_FLIGHT = 16;

/** Records due by elapsedMs on a schedule of ratePerSec that ends at durationMs. */
export function recordsDue(elapsedMs: number, ratePerSec: number, durationMs: number): number {
  return Math.floor((Math.min(elapsedMs, durationMs) * ratePerSec) / 1000);
}

export async function producePaced(producer: Producer, options: PacedProduceOptions): Promise<PacedProduceResult> {
  const value = Buffer.alloc(options.recordSizeBytes, 'x');
  const total = recordsDue(options.durationMs, options.ratePerSec, options.durationMs);
  const inFlight = new Set<Promise<void>>();
  let issued = 0;
  let records = 0;
  let failedRecords = 0;
  let firstError: string | undefined;
  const startMs = performance.now();
  while (issued < total) {
    const due = recordsDue(performance.now() - startMs, options.ratePerSec, options.durationMs) - issued;
    if (due > 0 && inFlight.size < MAX_IN_FLIGHT) {
      const timestamp = String(Date.now());
      const messages = Array.from({ length: due }, () => ({ value, timestamp }));
      issued += due;
      const sent: Promise<void> = producer.send({ topic: options.topic, acks: -1, messages }).then(
        () => { records += due; },
        (error: Error) => { failedRecords += due; firstError ??= error.message; },
      ).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  return { records, failedRecords, firstError, durationMs: performance.now() - startMs };
}
