/**
 * What a producer's sends came to, by identity, as it tells the verifier (src/verify/identity-ledger.ts): ranges of its
 * sequence numbers, each with the destination (partition; with several topics destinationOf's number) its batch went
 * to and how it ended. Compact: a batch's records are a range or a few, and ranges that follow on are merged.
 */
export const OUTCOME = { acknowledged: 0, failed: 1, aborted: 2 } as const;
export type Outcome = (typeof OUTCOME)[keyof typeof OUTCOME];

export interface SendOutcomes {
  producer: number;
  /** Flat quadruples: destination, first sequence, count, outcome (OUTCOME). */
  ranges: number[];
}

/** Appends a range, merged into the last one when it follows on from it (same destination and outcome). */
export function appendRange(ranges: number[], destination: number, first: number, count: number, outcome: Outcome): void {
  const last = ranges.length - 4;
  if (last >= 0 && ranges[last] === destination && ranges[last + 3] === outcome && ranges[last + 1] + ranges[last + 2] === first) {
    ranges[last + 2] += count;
  } else {
    ranges.push(destination, first, count, outcome);
  }
}

/**
 * One producer's outcomes as its batches settle, taken out now and then (a worker's snapshots). In transactions an
 * acknowledged record counts only once its transaction ends: committed, it is acknowledged; aborted, aborted. Records
 * of a transaction that never ended (the run failed and the abort too) are never reported: read back, they are in doubt.
 */
export class OutcomeRecorder {
  private settled: number[] = [];
  /** Acknowledged in the open transaction: destination, first, count triples. */
  private readonly open: number[] = [];

  constructor(readonly producer: number, private readonly transactional: boolean) {}

  /**
   * A batch settled: `runs` holds its records' sequences as (first, count) pairs, one every `stride` numbers (a
   * batch's own layout of its runs).
   */
  settle(destination: number, runs: readonly number[], stride: number, acknowledged: boolean): void {
    for (let r = 0; r < runs.length; r += stride) {
      if (acknowledged && this.transactional) this.open.push(destination, runs[r], runs[r + 1]);
      else appendRange(this.settled, destination, runs[r], runs[r + 1], acknowledged ? OUTCOME.acknowledged : OUTCOME.failed);
    }
  }

  /** The open transaction ended: its acknowledged records are committed or aborted. */
  transactionEnded(committed: boolean): void {
    const outcome = committed ? OUTCOME.acknowledged : OUTCOME.aborted;
    for (let t = 0; t < this.open.length; t += 3) appendRange(this.settled, this.open[t], this.open[t + 1], this.open[t + 2], outcome);
    this.open.length = 0;
  }

  /** The outcomes settled since the last take. */
  take(): SendOutcomes {
    const ranges = this.settled;
    this.settled = [];
    return { producer: this.producer, ranges };
  }
}
