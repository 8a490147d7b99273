import type { TransactionalDriver } from '../drivers/producer-driver.js';
import type { ProducerBatch } from './accumulator.js';

/** What a worker's transactions came to: commits and aborts write one marker in each partition they touched. */
export interface TransactionCounts {
  committed: number;
  aborted: number;
  /** Records acknowledged in transactions that were then committed: what read_committed consumers see. */
  committedRecords: number;
  /** Records acknowledged in transactions that were then aborted: on the broker, never visible to read_committed. */
  abortedRecords: number;
  /** Control records the commits and aborts added to the partitions: the topic's offsets grow by these too. */
  markers: number;
  /** Time spent committing, all commits together, and the longest commit (ms): what a transaction costs. */
  commitMsTotal: number;
  commitMsMax: number;
  /** The same for aborts (--abort-rate's, and one after a failed send). */
  abortMsTotal: number;
  abortMsMax: number;
}

/**
 * Whether transaction `n` (0-based, in the order they end) is aborted so that `abortRate` of them are, spread
 * evenly: n is aborted when it carries the running count of aborts past a whole number (rate 0.25: 3, 7, 11, ...).
 */
export function plannedAbort(n: number, abortRate: number): boolean {
  return Math.floor((n + 1) * abortRate) > Math.floor(n * abortRate);
}

/**
 * A worker's transactions, as perf-test runs them: one is open from the start; once it has been open for the
 * duration no batch is sent into it, and when nothing of it is in flight it is committed (or, --abort-rate, aborted
 * as planned) and the next is opened.
 */
export class TransactionCycle {
  readonly counts: TransactionCounts = {
    committed: 0, aborted: 0, committedRecords: 0, abortedRecords: 0, markers: 0, commitMsTotal: 0, commitMsMax: 0, abortMsTotal: 0, abortMsMax: 0,
  };
  private openedUs = 0;
  private open = false;
  private readonly partitions = new Set<number>();
  private records = 0;

  /** `onEnded`: told how each transaction ended (--verify: its acknowledged records are committed or aborted). */
  constructor(
    private readonly driver: TransactionalDriver, private readonly durationUs: number, private readonly clockUs: () => number,
    private readonly abortRate = 0, private readonly onEnded?: (committed: boolean) => void,
  ) {}

  async begin(nowUs: number): Promise<void> {
    await this.driver.beginTransaction();
    this.open = true;
    this.openedUs = nowUs;
  }

  /** A batch may be sent into the open transaction: one is open and its duration has not run out. */
  accepts(nowUs: number): boolean {
    return this.open && nowUs - this.openedUs < this.durationUs;
  }

  sent(batch: ProducerBatch): void {
    this.partitions.add(batch.destination);
  }

  acknowledged(batch: ProducerBatch): void {
    this.records += batch.recordCount;
  }

  /**
   * With nothing in flight: ends a transaction whose duration is over (or, `ending`, the last one), committing it
   * unless the plan aborts it, and opens the next unless ending. A transaction nothing was sent into stays open
   * (there is nothing to end).
   */
  async roll(nowUs: number, inFlight: number, ending: boolean): Promise<void> {
    if (!this.open || inFlight > 0 || (!ending && this.accepts(nowUs))) return;
    if (this.partitions.size === 0) {
      this.openedUs = nowUs;
      return;
    }
    await this.end(!plannedAbort(this.counts.committed + this.counts.aborted, this.abortRate));
    if (!ending) await this.begin(nowUs);
  }

  /** After a failed send: the open transaction is aborted (its acknowledged records will never be visible). */
  async abort(): Promise<void> {
    if (this.open) await this.end(false);
  }

  private async end(commit: boolean): Promise<void> {
    const startUs = this.clockUs();
    await (commit ? this.driver.commitTransaction() : this.driver.abortTransaction());
    const tookMs = (this.clockUs() - startUs) / 1000;
    const c = this.counts;
    if (commit) {
      c.committed++;
      c.committedRecords += this.records;
      c.commitMsTotal += tookMs;
      c.commitMsMax = Math.max(c.commitMsMax, tookMs);
    } else {
      c.aborted++;
      c.abortedRecords += this.records;
      c.abortMsTotal += tookMs;
      c.abortMsMax = Math.max(c.abortMsMax, tookMs);
    }
    c.markers += this.partitions.size;
    this.onEnded?.(commit);
    this.partitions.clear();
    this.records = 0;
    this.open = false;
  }
}
