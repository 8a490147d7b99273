import type { TransactionalDriver } from '../drivers/producer-driver.js';
import type { ProducerBatch } from './accumulator.js';

/** What a worker's transactions came to: commits and aborts write one marker in each partition they touched. */
export interface TransactionCounts {
  committed: number;
  aborted: number;
  /** Records acknowledged in transactions that were then committed: what read_committed consumers see. */
  committedRecords: number;
  /** Control records the commits and aborts added to the partitions: the topic's offsets grow by these too. */
  markers: number;
  /** Time spent committing, all commits together, and the longest commit (ms): what a transaction costs. */
  commitMsTotal: number;
  commitMsMax: number;
}

/**
 * A worker's transactions, as perf-test runs them: one is open from the start; once it has been open for the
 * duration no batch is sent into it, and when nothing of it is in flight it is committed and the next is opened.
 */
export class TransactionCycle {
  readonly counts: TransactionCounts = { committed: 0, aborted: 0, committedRecords: 0, markers: 0, commitMsTotal: 0, commitMsMax: 0 };
  private openedUs = 0;
  private open = false;
  private readonly partitions = new Set<number>();
  private records = 0;

  constructor(private readonly driver: TransactionalDriver, private readonly durationUs: number, private readonly clockUs: () => number) {}

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
    this.partitions.add(batch.partition);
  }

  acknowledged(batch: ProducerBatch): void {
    this.records += batch.recordCount;
  }

  /**
   * With nothing in flight: commits a transaction whose duration is over (or, `ending`, the last one) and opens
   * the next unless ending. A transaction nothing was sent into stays open (there is nothing to commit).
   */
  async roll(nowUs: number, inFlight: number, ending: boolean): Promise<void> {
    if (!this.open || inFlight > 0 || (!ending && this.accepts(nowUs))) return;
    if (this.partitions.size === 0) {
      this.openedUs = nowUs;
      return;
    }
    const startUs = this.clockUs();
    await this.driver.commitTransaction();
    const commitMs = (this.clockUs() - startUs) / 1000;
    this.counts.commitMsTotal += commitMs;
    this.counts.commitMsMax = Math.max(this.counts.commitMsMax, commitMs);
    this.close(true);
    if (!ending) await this.begin(nowUs);
  }

  /** After a failed send: the open transaction is aborted (its acknowledged records will never be visible). */
  async abort(): Promise<void> {
    if (!this.open) return;
    await this.driver.abortTransaction();
    this.close(false);
  }

  private close(committed: boolean): void {
    if (committed) {
      this.counts.committed++;
      this.counts.committedRecords += this.records;
    } else {
      this.counts.aborted++;
    }
    this.counts.markers += this.partitions.size;
    this.partitions.clear();
    this.records = 0;
    this.open = false;
  }
}
