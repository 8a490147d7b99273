import type { RecordIdentity } from '../kafka/record-identity.js';
import { PagedBitmap } from './paged-bitmap.js';
import { OUTCOME, type SendOutcomes } from './send-outcomes.js';
import { DataStormError } from '../shared/errors.js';

/**
 * Every record of a run accounted for by identity (--verify). The producers say how each of their sequences ended
 * (acknowledged, failed, in an aborted transaction); a reader of the run's partitions says what it read, in offset
 * order. Per partition and producer the ledger keeps bitmaps of sequences (never a number per record), and counts:
 * - lost: acknowledged, never read;
 * - duplicated: read more than once (each copy after the first);
 * - reordered: read after a higher sequence of its producer in the partition;
 * - in doubt: read, never acknowledged (a failed send may have been written: not an error), or without an identity;
 * - aborted visible: read though its transaction was aborted (a read_committed reader must never see one).
 * Counts alone cannot tell one lost record and one duplicated record from neither; identities can.
 */
export interface VerificationCounts {
  /** Records read (each copy of a duplicate too): what the partitions hold between the run's offsets, for its reader. */
  checked: number;
  lost: number;
  duplicated: number;
  reordered: number;
  inDoubt: number;
  abortedVisible: number;
}

export interface PartitionVerification extends VerificationCounts {
  topic: string;
  partition: number;
}

export interface Verification extends VerificationCounts {
  /** Records whose sends failed (by identity): read back, they count as in doubt. */
  failed: number;
  /** Records acknowledged in transactions that were then aborted (by identity): read back, they are aborted visible. */
  aborted: number;
  /** How the partitions were read: read_committed with transactions (aborted records must stay invisible). */
  isolation: 'read_committed' | 'read_uncommitted';
  /** Reading after the run took this long (e2e: 0, its consumers read as it ran). */
  readMs: number;
  partitions: PartitionVerification[];
}

/** One producer's sequences in one partition. */
interface Lane {
  readonly acknowledged: PagedBitmap;
  readonly aborted: PagedBitmap;
  readonly seen: PagedBitmap;
  /** The highest sequence read so far (-1: none). */
  lastRead: number;
}

interface PartitionTally {
  readonly lanes: Map<number, Lane>;
  checked: number;
  duplicated: number;
  reordered: number;
  /** Records read with no identity (another producer's). */
  unidentified: number;
  failed: number;
  aborted: number;
}

export class IdentityLedger {
  private readonly tallies = new Map<number, PartitionTally>();

  /** What a producer's sends came to (any order, any time: before, during or after the reading). */
  sent({ producer, ranges }: SendOutcomes): void {
    for (let r = 0; r < ranges.length; r += 4) {
      const [destination, first, count, outcome] = [ranges[r], ranges[r + 1], ranges[r + 2], ranges[r + 3]];
      const tally = this.tally(destination);
      if (outcome === OUTCOME.failed) {
        tally.failed += count;
        continue;
      }
      const lane = laneOf(tally, producer);
      if (outcome === OUTCOME.aborted) tally.aborted += count;
      (outcome === OUTCOME.acknowledged ? lane.acknowledged : lane.aborted).addRange(first, count);
    }
  }

  /** A record read from the destination, in offset order; `identity` undefined when it carries none. */
  read(destination: number, identity: RecordIdentity | undefined): void {
    const tally = this.tally(destination);
    tally.checked++;
    if (!identity) {
      tally.unidentified++;
      return;
    }
    const lane = laneOf(tally, identity.producer);
    if (lane.seen.add(identity.sequence)) {
      tally.duplicated++;
      return;
    }
    if (identity.sequence < lane.lastRead) tally.reordered++;
    else lane.lastRead = identity.sequence;
  }

  /** The counts per destination (ascending), named by `nameOf`, and in all. */
  verification(nameOf: (destination: number) => { topic: string; partition: number }, settings: Pick<Verification, 'isolation' | 'readMs'>): Verification {
    const partitions = [...this.tallies.keys()].sort((a, b) => a - b).map((destination) => ({ ...nameOf(destination), ...countsOf(this.tallies.get(destination)!) }));
    const total = (key: keyof VerificationCounts) => partitions.reduce((sum, p) => sum + p[key], 0);
    const tallies = [...this.tallies.values()];
    return {
      checked: total('checked'), lost: total('lost'), duplicated: total('duplicated'), reordered: total('reordered'), inDoubt: total('inDoubt'),
      abortedVisible: total('abortedVisible'), failed: tallies.reduce((sum, t) => sum + t.failed, 0), aborted: tallies.reduce((sum, t) => sum + t.aborted, 0),
      ...settings, partitions,
    };
  }

  private tally(destination: number): PartitionTally {
    let tally = this.tallies.get(destination);
    if (!tally) this.tallies.set(destination, tally = { lanes: new Map(), checked: 0, duplicated: 0, reordered: 0, unidentified: 0, failed: 0, aborted: 0 });
    return tally;
  }
}

function laneOf(tally: PartitionTally, producer: number): Lane {
  let lane = tally.lanes.get(producer);
  if (!lane) tally.lanes.set(producer, lane = { acknowledged: new PagedBitmap(), aborted: new PagedBitmap(), seen: new PagedBitmap(), lastRead: -1 });
  return lane;
}

function countsOf(tally: PartitionTally): VerificationCounts {
  let lost = 0;
  let inDoubt = tally.unidentified;
  let abortedVisible = 0;
  for (const lane of tally.lanes.values()) {
    lost += lane.acknowledged.count(undefined, [lane.seen]);
    inDoubt += lane.seen.count(undefined, [lane.acknowledged, lane.aborted]);
    abortedVisible += lane.seen.count(lane.aborted, []);
  }
  return { checked: tally.checked, lost, duplicated: tally.duplicated, reordered: tally.reordered, inDoubt, abortedVisible };
}

/** The error a verified run ends with when it lost or duplicated records or showed aborted ones; undefined when none. */
export function verificationFailure(v: VerificationCounts, prefix = ''): DataStormError | undefined {
  const problems = verificationProblems(v);
  return problems ? new DataStormError('DS_VERIFICATION_FAILED', `${prefix}verified by identity: ${problems} (see the verification lines)`) : undefined;
}

/** What makes a verified run fail: acknowledged records lost, records duplicated, aborted records seen; undefined when none. */
export function verificationProblems(v: VerificationCounts): string | undefined {
  const problems = [
    v.lost > 0 ? `${v.lost} acknowledged records lost` : '',
    v.duplicated > 0 ? `${v.duplicated} duplicated` : '',
    v.abortedVisible > 0 ? `${v.abortedVisible} of aborted transactions visible to read_committed` : '',
  ].filter(Boolean);
  return problems.length > 0 ? problems.join(', ') : undefined;
}
