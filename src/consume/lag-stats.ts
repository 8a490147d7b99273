/**
 * Consumer-group lag arithmetic, pure: lag per partition from committed and end offsets, and what a series
 * of samples says about a burst (its peak, how fast the group drained it, how long it took to catch up).
 */
export interface PartitionLag {
  topic: string;
  partition: number;
  /**
   * A consumer group's committed offset, or a share group's start offset (every record before it acknowledged);
   * undefined: the group has committed nothing (or only kafkajs's -2 "earliest" marker), or not started, here.
   */
  committedOffset?: number;
  logStartOffset: number;
  endOffset: number;
  /** endOffset − committedOffset; with no commit, every record still in the log (as auto.offset.reset=earliest reads them). */
  lag: number;
}

export interface LagSample {
  /** Since sampling started. */
  elapsedMs: number;
  atMs: number;
  partitions: PartitionLag[];
  totalLag: number;
}

export interface OffsetsOfTopic {
  topic: string;
  /** Committed offsets as the admin API gives them: strings, negative when none. */
  committed: Array<{ partition: number; offset: string }>;
  ends: Array<{ partition: number; low: string; high: string }>;
}

export function partitionLags(topics: OffsetsOfTopic[]): PartitionLag[] {
  const lags: PartitionLag[] = [];
  for (const { topic, committed, ends } of topics) {
    for (const end of [...ends].sort((a, b) => a.partition - b.partition)) {
      const offset = Number(committed.find((c) => c.partition === end.partition)?.offset ?? -1);
      const committedOffset = offset >= 0 ? offset : undefined;
      const logStartOffset = Number(end.low);
      const endOffset = Number(end.high);
      const lag = Math.max(0, endOffset - (committedOffset ?? logStartOffset));
      lags.push({ topic, partition: end.partition, committedOffset, logStartOffset, endOffset, lag });
    }
  }
  return lags;
}

/** A share group's standing on a topic: start offset and lag per partition as its coordinator counts them (-1: not started there). */
export interface ShareOffsetsOfTopic {
  topic: string;
  standing: Array<{ partition: number; startOffset: number; lag: number }>;
  ends: Array<{ partition: number; low: string; high: string }>;
}

/**
 * A share group's lag is the brokers' own count (records past its start offset not yet acknowledged: in flight ones
 * too), not end − start; where it has not started, every record still in the log, as for a consumer group.
 */
export function shareGroupLags(topics: ShareOffsetsOfTopic[]): PartitionLag[] {
  return topics.flatMap(({ topic, standing, ends }) => [...ends].sort((a, b) => a.partition - b.partition).map((end) => {
    const { startOffset = -1, lag = -1 } = standing.find((s) => s.partition === end.partition) ?? {};
    const [logStartOffset, endOffset] = [Number(end.low), Number(end.high)];
    return {
      topic, partition: end.partition, committedOffset: startOffset >= 0 ? startOffset : undefined, logStartOffset, endOffset,
      lag: lag >= 0 ? lag : Math.max(0, endOffset - logStartOffset),
    };
  }));
}

export function lagSample(elapsedMs: number, atMs: number, partitions: PartitionLag[]): LagSample {
  return { elapsedMs, atMs, partitions, totalLag: partitions.reduce((sum, p) => sum + p.lag, 0) };
}

/** Change of total lag per second between two samples: positive while lag builds, negative while it drains. */
export function lagChangePerSec(previous: LagSample, current: LagSample): number {
  const seconds = (current.elapsedMs - previous.elapsedMs) / 1000;
  return seconds > 0 ? (current.totalLag - previous.totalLag) / seconds : 0;
}

export interface LagSummary {
  samples: number;
  peakLag: number;
  /** elapsedMs of the last sample of the first run of samples at the peak, where draining began. */
  peakAtMs: number;
  finalLag: number;
  /**
   * Fall in total lag per second from the peak (its last sample) to the first sample back at 0, or to the last
   * sample when lag never got there; undefined when nothing drained after the peak.
   */
  drainRecordsPerSec?: number;
  /** From the peak to the first sample back at 0; undefined when lag was still above 0 at the end. */
  catchUpMs?: number;
}

export function summarizeLag(samples: LagSample[]): LagSummary {
  if (samples.length === 0) return { samples: 0, peakLag: 0, peakAtMs: 0, finalLag: 0, catchUpMs: 0 };
  const peakLag = Math.max(...samples.map((s) => s.totalLag));
  // The last sample of the first plateau at the peak: the drain starts when lag leaves it.
  let peakIndex = samples.findIndex((s) => s.totalLag === peakLag);
  while (samples[peakIndex + 1]?.totalLag === peakLag) peakIndex += 1;
  const peak = samples[peakIndex];
  const after = samples.slice(peakIndex);
  const caughtUp = after.find((s) => s.totalLag === 0);
  const drainEnd = caughtUp ?? after[after.length - 1];
  const drainSeconds = (drainEnd.elapsedMs - peak.elapsedMs) / 1000;
  const drained = peak.totalLag - drainEnd.totalLag;
  return {
    samples: samples.length,
    peakLag,
    peakAtMs: peak.elapsedMs,
    finalLag: samples[samples.length - 1].totalLag,
    drainRecordsPerSec: drainSeconds > 0 && drained > 0 ? drained / drainSeconds : undefined,
    catchUpMs: caughtUp ? caughtUp.elapsedMs - peak.elapsedMs : undefined,
  };
}
