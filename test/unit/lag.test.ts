import { describe, expect, it } from 'vitest';
import { formatLagHeader, formatLagRow, formatLagSummary, formatLagUnread, lagChart, lagTableHead, lagTableRows } from '../../src/consume/lag-report.js';
import { lagChangePerSec, lagSample, partitionLags, shareGroupLags, summarizeLag, type LagSample } from '../../src/consume/lag-stats.js';
import type { LagResult } from '../../src/consume/lag.js';
import { PLAINTEXT } from '../../src/security/client-security.js';

/** A sample with one topic "t" whose partitions have the given lags (end offsets 1000 + lag, committed 1000). */
function sampleOf(elapsedMs: number, lags: number[]): LagSample {
  return lagSample(elapsedMs, 1_700_000_000_000 + elapsedMs, lags.map((lag, partition) => ({
    topic: 't', partition, committedOffset: 1000, logStartOffset: 0, endOffset: 1000 + lag, lag,
  })));
}

describe('partitionLags', () => {
  it('is end − committed per partition, and everything in the log where the group has no commit (or kafkajs\'s -2)', () => {
    const lags = partitionLags([
      {
        topic: 'orders',
        committed: [{ partition: 1, offset: '40' }, { partition: 0, offset: '100' }, { partition: 2, offset: '-2' }],
        ends: [{ partition: 0, low: '0', high: '150' }, { partition: 2, low: '10', high: '25' }, { partition: 1, low: '0', high: '40' }],
      },
      { topic: 'audit', committed: [], ends: [{ partition: 0, low: '5', high: '9' }] },
    ]);
    expect(lags).toEqual([
      { topic: 'orders', partition: 0, committedOffset: 100, logStartOffset: 0, endOffset: 150, lag: 50 },
      { topic: 'orders', partition: 1, committedOffset: 40, logStartOffset: 0, endOffset: 40, lag: 0 },
      { topic: 'orders', partition: 2, committedOffset: undefined, logStartOffset: 10, endOffset: 25, lag: 15 },
      { topic: 'audit', partition: 0, committedOffset: undefined, logStartOffset: 5, endOffset: 9, lag: 4 },
    ]);
    expect(lagSample(0, 0, lags).totalLag).toBe(69);
  });
});

describe('summarizeLag', () => {
  it('measures a burst: the peak, the drain rate from the end of the peak to 0, and the time to catch up', () => {
    const samples = [
      sampleOf(0, [0, 0]), sampleOf(1000, [300, 200]), sampleOf(2000, [1000, 1000]), sampleOf(3000, [1000, 1000]),
      sampleOf(4000, [500, 500]), sampleOf(5000, [0, 0]), sampleOf(6000, [0, 0]),
    ];
    expect(summarizeLag(samples)).toEqual({
      samples: 7, peakLag: 2000, peakAtMs: 3000, finalLag: 0, drainRecordsPerSec: 1000, catchUpMs: 2000,
    });
    expect(lagChangePerSec(samples[1], samples[2])).toBe(1500);
    expect(lagChangePerSec(samples[3], samples[4])).toBe(-1000);
  });

  it('leaves the time to catch up undefined when lag never got back to 0', () => {
    const summary = summarizeLag([sampleOf(0, [0]), sampleOf(500, [400]), sampleOf(1500, [100])]);
    expect(summary).toEqual({ samples: 3, peakLag: 400, peakAtMs: 500, finalLag: 100, drainRecordsPerSec: 300, catchUpMs: undefined });
  });

  it('has no drain rate when there was no lag, or when lag only grew', () => {
    expect(summarizeLag([sampleOf(0, [0]), sampleOf(1000, [0])])).toEqual({
      samples: 2, peakLag: 0, peakAtMs: 1000, finalLag: 0, drainRecordsPerSec: undefined, catchUpMs: 0,
    });
    expect(summarizeLag([sampleOf(0, [10]), sampleOf(1000, [20])]).drainRecordsPerSec).toBeUndefined();
    expect(summarizeLag([])).toEqual({ samples: 0, peakLag: 0, peakAtMs: 0, finalLag: 0, catchUpMs: 0 });
  });
});

describe('lag report', () => {
  it('prints aligned live rows under a header of partitions', () => {
    const first = sampleOf(0, [0, 12]);
    const second = sampleOf(1500, [3000, 12]);
    expect(formatLagHeader(first)).toBe('  elapsed    total lag     change/s       p0       p1');
    expect(formatLagRow(first)).toBe('    0.0 s           12            -        0       12');
    expect(formatLagRow(second, first)).toBe('    1.5 s         3012      +2000.0     3000       12');
  });

  it('names partitions by topic when a group reads several topics, and says how many columns it left out', () => {
    const sample = lagSample(0, 0, [
      ...Array.from({ length: 13 }, (_, partition) => ({ topic: 'a', partition, logStartOffset: 0, endOffset: 1, lag: 1 })),
      { topic: 'b', partition: 0, logStartOffset: 0, endOffset: 0, lag: 0 },
    ]);
    expect(formatLagHeader(sample)).toBe(`  elapsed    total lag     change/s${Array.from({ length: 10 }, (_, p) => `     a/p${p}`).join('')}` +
      '    a/p10    a/p11 (+2 partitions)');
  });

  it('sums up a run in one line', () => {
    expect(formatLagSummary({ samples: 7, peakLag: 2000, peakAtMs: 3000, finalLag: 0, drainRecordsPerSec: 1000, catchUpMs: 2000 }))
      .toBe('peak lag 2000 records at 3.0 s; drained at 1000.0 records/s; caught up 2.0 s after the peak; final lag 0 (7 samples)');
    expect(formatLagSummary({ samples: 3, peakLag: 400, peakAtMs: 500, finalLag: 100, drainRecordsPerSec: 300 }))
      .toBe('peak lag 400 records at 0.5 s; drained at 300.0 records/s; not caught up by the end; final lag 100 (3 samples)');
    expect(formatLagSummary({ samples: 2, peakLag: 0, peakAtMs: 1000, finalLag: 0, catchUpMs: 0 }))
      .toBe('peak lag 0 records at 1.0 s; no drain after the peak; no lag at any sample; final lag 0 (2 samples)');
  });

  it('tabulates the last sample with each partition\'s peak, and charts total lag over time', () => {
    const samples = [sampleOf(0, [0, 5]), sampleOf(1000, [70, 9]), sampleOf(2000, [0, 0])];
    expect(lagTableRows(samples)).toEqual([['t', 0, 1000, 1000, 0, 70], ['t', 1, 1000, 1000, 0, 9]]);
    const result: LagResult = {
      schemaVersion: 1, command: 'lag', startedAt: '', partial: false, samples, summary: summarizeLag(samples),
      config: { bootstrap: [], security: PLAINTEXT, group: 'g<1>', groupType: 'consumer', intervalMs: 1000, durationMs: 2000, topics: [] },
    };
    expect(formatLagUnread(result)).toBeUndefined();
    expect(formatLagUnread({ ...result, unreadBecause: 'Failed to find group coordinator' })).toBe('lag: NOT CHECKED after 3 samples: ' +
      'group g<1>\'s offsets could not be read (Failed to find group coordinator); the summary is of the samples before');
    const svg = lagChart(result);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('<title>Lag of consumer group g&lt;1&gt; (sampled every 1.0 s)</title>');
    expect(svg).toContain('total lag (records)');
    expect(svg).toContain('<polyline');
    expect(lagTableHead('consumer')).toEqual(['topic', 'partition', 'committed', 'end offset', 'lag', 'peak lag']);
    expect(lagTableHead('share')).toEqual(['topic', 'partition', 'start offset', 'end offset', 'lag', 'peak lag']);
    expect(lagChart({ ...result, config: { ...result.config, groupType: 'share' } })).toContain('<title>Lag of share group g&lt;1&gt; (sampled every 1.0 s)</title>');
  });

  it('takes a share group\'s lag from its brokers (in-flight records count), and counts a partition it has not started on from the log start', () => {
    const ends = [{ partition: 1, low: '0', high: '900' }, { partition: 0, low: '100', high: '1000' }];
    expect(shareGroupLags([{ topic: 't', ends, standing: [{ partition: 0, startOffset: 400, lag: 550 }] }])).toEqual([
      { topic: 't', partition: 0, committedOffset: 400, logStartOffset: 100, endOffset: 1000, lag: 550 },
      { topic: 't', partition: 1, committedOffset: undefined, logStartOffset: 0, endOffset: 900, lag: 900 },
    ]);
  });
});
