import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { RecordAccumulator } from './accumulator.js';
import type { BatchSender } from './batch-sender.js';
import type { ProduceMeter } from './meter.js';
import type { Pacer } from './pacer.js';
import type { RecordPlacer } from './record-placer.js';
import type { TransactionCycle } from './transaction-cycle.js';

/**
 * Records appended between two clock readings (and linger checks): a few microseconds of work, written one by
 * one; pre-encoded, appending is counting, so a chunk is larger.
 */
const CHUNK_RECORDS = 32;
const PRE_ENCODED_CHUNK_RECORDS = 1024;
/** The send loop yields to I/O this often while it has records to append, so requests go out and acks come in. */
const SLICE_US = 1000;

/** Appends `count` records from index `from` stamped `nowUs`; returns how many went in (fewer: no buffer was free). */
export type AppendRecords = (from: number, count: number, nowUs: number) => number;

/** How a worker appends its records: one by one with their values (`valueOf`), or pre-encoded (without), and how many between two clock readings. */
export function appenderOf(placer: RecordPlacer, valueOf: ((index: number) => Buffer) | undefined): { appendRecords: AppendRecords; chunkRecords: number } {
  return valueOf
    ? { appendRecords: appendOneByOne(placer, valueOf), chunkRecords: CHUNK_RECORDS }
    : { appendRecords: appendPreEncoded(placer), chunkRecords: PRE_ENCODED_CHUNK_RECORDS };
}

const appendOneByOne = (placer: RecordPlacer, valueOf: (index: number) => Buffer): AppendRecords => (from, count, now) => {
  let index = from;
  while (index < from + count && placer.append(index, valueOf(index), now)) index++;
  return index - from;
};

const appendPreEncoded = (placer: RecordPlacer): AppendRecords => (from, count, now) => {
  let done = 0;
  while (done < count) {
    const taken = placer.appendRun(from + done, count - done, now);
    if (taken === 0) break;
    done += taken;
  }
  return done;
};

/** The loop's side of the worker's protocol: a stop asked for, and a wait that news (an acknowledgement, a stop) ends early. */
export interface LoopControl {
  readonly stopping: boolean;
  woken(timeoutMs: number): Promise<void>;
}

export interface AppendLoopSettings {
  /** The worker's records (Infinity: until the duration is up or a stop). */
  records: number;
  durationMs?: number;
  /** Records below this index are warm-up: the first steady one's append time starts the steady state. */
  firstSteadyIndex: number;
  /** Kafka's max.block.ms: how long a record may wait for a free batch buffer before it fails. */
  maxBlockMs: number;
}

export interface AppendLoopParts {
  pacer: Pacer;
  meter: ProduceMeter;
  control: LoopControl;
  accumulator: Pick<RecordAccumulator, 'lingerDeadlineUs'>;
  sender: BatchSender;
  appendRecords: AppendRecords;
  /** Records appended between two clock readings. */
  chunkRecords: number;
  cycle?: TransactionCycle;
  /** The clock, in µs (the worker's: performance.now() * 1000). */
  nowUs: () => number;
}

/**
 * Appends the worker's records as the pacer makes them due, in chunks stamped with one clock reading; between
 * chunks, batches that are full or have lingered leave. When buffer.memory is full it waits for an
 * acknowledgement, at most max.block.ms per record (then that record fails, as in Kafka's producer).
 */
export class AppendLoop {
  /** When the first steady-state record was appended, on the loop's clock. */
  firstSteadyAtUs: number | undefined;
  bufferWaitUs = 0;
  private generated = 0;
  private blockedSinceUs: number | undefined;
  private readonly startUs: number;
  private readonly endUs: number;

  constructor(private readonly settings: AppendLoopSettings, private readonly parts: AppendLoopParts) {
    this.startUs = parts.nowUs();
    parts.meter.startsAt(this.startUs);
    this.endUs = settings.durationMs !== undefined ? this.startUs + settings.durationMs * 1000 : Infinity;
  }

  async run(): Promise<void> {
    const { pacer, control, sender, nowUs } = this.parts;
    const total = this.settings.records;
    while (!control.stopping && sender.fatal === undefined && this.generated < total) {
      if (this.parts.cycle) await rollTransaction(this.parts.cycle, sender, nowUs, false);
      const now = nowUs();
      if (now >= this.endUs) break;
      const due = pacer.dueBy(now - this.startUs);
      const before = this.generated;
      if (!this.appendSlice(now, due)) {
        // max.block.ms is each record's own wait: once the record that waited went in, the next one starts afresh.
        if (this.generated > before) this.blockedSinceUs = undefined;
        await this.waitForBuffer();
        continue;
      }
      this.blockedSinceUs = undefined;
      if (this.generated < due) await yieldToIo();
      else if (this.generated < total) await this.waitForNextDue();
    }
  }

  /** Appends due records for up to SLICE_US; false when no buffer was free. */
  private appendSlice(startUs: number, due: number): boolean {
    const { appendRecords, chunkRecords, sender, nowUs } = this.parts;
    const steadyFrom = this.settings.firstSteadyIndex;
    const sliceEndUs = startUs + SLICE_US;
    let now = startUs;
    while (this.generated < due) {
      // A chunk ends at the first steady-state record: its append time starts the steady state.
      const from = this.generated;
      const chunkEnd = Math.min(due, from + chunkRecords, from < steadyFrom ? steadyFrom : Infinity);
      this.generated += appendRecords(from, chunkEnd - from, now);
      if (from === steadyFrom && this.generated > from) this.firstSteadyAtUs = nowUs();
      if (this.generated < chunkEnd) {
        sender.dispatch(nowUs(), true);
        return false;
      }
      now = nowUs();
      sender.dispatch(now, false);
      if (now >= sliceEndUs) break;
    }
    return true;
  }

  /** buffer.memory is full: wait for an acknowledgement to free a buffer, at most max.block.ms for one record. */
  private async waitForBuffer(): Promise<void> {
    const { nowUs } = this.parts;
    const now = nowUs();
    const maxBlockUs = this.settings.maxBlockMs * 1000;
    this.blockedSinceUs ??= now;
    if (now - this.blockedSinceUs >= maxBlockUs) {
      this.parts.meter.failed('BufferExhaustedTimeout', 1);
      this.generated++;
      this.blockedSinceUs = undefined;
      await yieldToIo();
      return;
    }
    // With nothing in flight no acknowledgement is coming to free a buffer: go round at once (the loop's top
    // commits a transaction whose time ran out, after which its batches go out); waiting would end in max.block.ms.
    if (this.parts.sender.inFlight === 0) return yieldToIo();
    await this.parts.control.woken((this.blockedSinceUs + maxBlockUs - now) / 1000);
    this.bufferWaitUs += nowUs() - now;
  }

  /** Under a rate limit: sleep until the next record is due or a batch's linger ends, whichever is first. */
  private async waitForNextDue(): Promise<void> {
    const { pacer, accumulator, control, sender, nowUs } = this.parts;
    const nextDueUs = this.startUs + pacer.dueAtUs(this.generated);
    await control.woken((Math.min(nextDueUs, accumulator.lingerDeadlineUs(), this.endUs) - nowUs()) / 1000);
    sender.dispatch(nowUs(), false);
  }
}

/**
 * The end (or a stop): what was appended is sent, unless a fatal error makes sending pointless; then the last
 * transaction is committed (aborted after a failure), so what was counted committed is what consumers see.
 */
export async function sendTheRest(sender: BatchSender, cycle: TransactionCycle | undefined, control: LoopControl, nowUs: () => number): Promise<void> {
  while (sender.busy) {
    await rollTransaction(cycle, sender, nowUs, false);
    sender.dispatch(nowUs(), true);
    await control.woken(1000);
  }
  if (sender.fatal) await cycle?.abort().catch(() => undefined);
  else await rollTransaction(cycle, sender, nowUs, true);
}

/** Commits a transaction that is due (see TransactionCycle.roll); a failed commit ends the run. */
async function rollTransaction(cycle: TransactionCycle | undefined, sender: BatchSender, nowUs: () => number, ending: boolean): Promise<void> {
  try {
    await cycle?.roll(nowUs(), sender.inFlight, ending);
  } catch (error) {
    sender.fatal ??= { code: 'DS_TRANSACTION_FAILED', message: `committing a transaction failed: ${(error as Error).message}` };
  }
}
