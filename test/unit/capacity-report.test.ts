import { describe, expect, it } from 'vitest';
import { capacityChart, capacityHtml, formatCapacityHeader, formatCapacitySummary, formatCapacityTable } from '../../src/capacity/capacity-report.js';
import { capacityStep, type CapacityStep, type StepRequest } from '../../src/capacity/capacity-step.js';
import type { CapacityResult } from '../../src/capacity/run-capacity.js';
import { BASE_CONFIG } from './bench-fixtures.js';
import { measureOf, rateWindows, SLO_100MS } from './capacity-fixtures.js';

const step = (phase: StepRequest['phase'], load: StepRequest['load'], acknowledgedRps: number, p99sMs: number[], valueMs: number): CapacityStep => {
  const offeredRps = load.kind === 'rate' ? load.rateRps : load.kind === 'ramp' ? (load.fromRps + load.toRps) / 2 : acknowledgedRps;
  const windows = rateWindows(offeredRps, acknowledgedRps, p99sMs);
  const measure = measureOf(load.kind === 'unlimited' ? windows.map(({ offeredRps: _o, backlogRecords: _b, ...w }) => w) : windows, 2000, [valueMs]);
  return capacityStep(SLO_100MS, { phase, load, durationMs: p99sMs.length * 1000, warmupMs: 2000 }, measure);
};
const steady = (ms: number) => [ms, ms, ms, ms, ms, ms];

/** A search as runCapacity returns it: a knee at 40K/s, a stall repeated away at 30K/s, confirmed, 1.25x missed. */
const RESULT: CapacityResult = {
  schemaVersion: 1, command: 'capacity', startedAt: '2026-12-07T05:00:00.000Z', slo: 'p99<=100ms',
  spec: { precision: 0.025, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5000, warmMs: 0, probeMs: 10_000, rampMs: 30_000, target: 'produce', keepTopic: false, settleMs: 120_000 },
  config: BASE_CONFIG,
  cluster: { bootstrap: ['127.0.0.1:9092', '127.0.0.1:9093'], embedded: true, before: { topics: 3, records: 1_234_567, bytesOnDisk: 2.1e9 },
    after: { topics: 3, records: 9_876_543, bytesOnDisk: 4.56e9 }, topicDeleted: true,
    settling: { settled: true, waitedMs: 61_234, found: { deleting: 48, unflushedBytes: 900 * 1024 * 1024 }, left: { deleting: 0, unflushedBytes: 0 } } },
  machine: { hostname: 'h', platform: 'linux', arch: 'x64', cpuModel: 'cpu', cpuCount: 2, totalMemoryBytes: 8e9, nodeVersion: 'v20.0.0' },
  steps: [
    step('probe', { kind: 'unlimited' }, 80_000, [900, 700, 600, 600], 640),
    step('ramp', { kind: 'ramp', fromRps: 24_000, toRps: 96_000 }, 58_000, [30, 40, 60, 90], 75),
    step('floor', { kind: 'rate', rateRps: 6900 }, 6900, steady(8.5), 9.25),
    step('search', { kind: 'rate', rateRps: 69_000 }, 52_000, steady(1500), 1834),
    step('search', { kind: 'rate', rateRps: 30_000 }, 30_000, [40, 40, 40, 40, 2000, 40, 40, 40], 2000),
    step('repeat', { kind: 'rate', rateRps: 30_000 }, 30_000, steady(41), 44.5),
    step('search', { kind: 'rate', rateRps: 40_000 }, 40_000, steady(70), 81),
    step('search', { kind: 'rate', rateRps: 41_000 }, 40_990, steady(110), 123.4),
    step('confirm', { kind: 'rate', rateRps: 40_000 }, 39_990, steady(72), 86),
    step('above', { kind: 'rate', rateRps: 50_000 }, 46_000, steady(300), 420),
  ],
  sustainableRps: 40_000, ceilingRps: 69_000, ceilingReached: true, probeRps: 80_000, bracket: { meetRps: 40_000, missRps: 41_000 },
  confidence: 'medium', notes: ['30.0K/s: a stall broke the SLO in 1 of 6 windows, the longer repeat met it'], ended: 'done',
  confirmation: { rateRps: 40_000, achievedRps: 39_990, p99Ms: 86, sloValuesMs: [86], meetsSlo: true, meetsRate: true },
  above: { rateRps: 50_000, achievedRps: 46_000, p99Ms: 420, sloValuesMs: [420], meetsSlo: false, meetsRate: false },
  partial: false,
};

describe('the capacity report', () => {
  it('opens with what was searched, on what', () => {
    expect(formatCapacityHeader(RESULT)).toEqual([
      'capacity: the highest rate that meets p99<=100ms (latency from intended send to ack), within 10.0 min, precision 2.5%',
      'settings: topic bench-t (8 partitions), 4 workers, batch 65536 B, linger 5 ms, compression lz4, acks all, record 100 B',
      'cluster: 127.0.0.1:9092,127.0.0.1:9093 (embedded local cluster); before the search: 3 topics, 1,234,567 records, 2.10 GB on disk',
      'local cluster before the search: settled after 61.2 s (at first: 48 log files being deleted, 944 MB to flush)',
    ]);
    const unsettled = { settled: false, waitedMs: 120_000, found: { deleting: 4 }, left: { deleting: 2 } };
    expect(formatCapacityHeader({ ...RESULT, cluster: { ...RESULT.cluster, settling: unsettled } })[3])
      .toBe('local cluster before the search: not settled after 120 s (2 log files being deleted), the search went on');
    const e2e = formatCapacityHeader({ ...RESULT, spec: { ...RESULT.spec, target: 'e2e', precision: 0.05, budgetMs: 90_000 },
      cluster: { bootstrap: RESULT.cluster.bootstrap, embedded: false, before: { topics: 1, records: 0 }, topicDeleted: true } });
    expect(e2e[0]).toBe('capacity: the highest rate that meets p99<=100ms (latency from produce to consume), within 1.5 min, precision 5%');
    expect(e2e[2]).toBe('cluster: 127.0.0.1:9092,127.0.0.1:9093; before the search: 1 topics, 0 records');
    expect(e2e).toHaveLength(3);
  });

  it('tabulates every step: load, achieved rate, records and latency of its steady windows, backlog at its end, verdict', () => {
    expect(formatCapacityTable(RESULT)).toBe([
      '┌─────────┬───────────────────┬──────────┬─────────┬────────┬────────┬──────────┬─────────┬───────────────────────────────────────────────────────────────────────────────────────────┐',
      '│ step    │           offered │ achieved │ records │ p50 ms │ p99 ms │ p99.9 ms │ backlog │ verdict                                                                                   │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ probe   │          no limit │  80.0K/s │ 160,000 │    160 │    640 │      768 │         │ measured                                                                                  │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ ramp    │ 24.0K/s → 96.0K/s │  58.0K/s │ 116,000 │   18.8 │   75.0 │     90.0 │   8,000 │ measured                                                                                  │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ floor   │            6900/s │   6900/s │  27,600 │   2.31 │   9.25 │     11.1 │       0 │ meets                                                                                     │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ search  │           69.0K/s │  52.0K/s │ 208,000 │    459 │   1834 │     2201 │ 102,000 │ misses: p99 1834 ms > 100 ms, achieved 75% of the rate, backlog 102000 records at the end │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ search  │           30.0K/s │  30.0K/s │ 180,000 │    500 │   2000 │     2400 │       0 │ misses: p99 2000 ms > 100 ms (stall?)                                                     │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ repeat  │           30.0K/s │  30.0K/s │ 120,000 │   11.1 │   44.5 │     53.4 │       0 │ meets                                                                                     │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ search  │           40.0K/s │  40.0K/s │ 160,000 │   20.3 │   81.0 │     97.2 │       0 │ meets                                                                                     │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ search  │           41.0K/s │  41.0K/s │ 163,960 │   30.9 │    123 │      148 │      60 │ misses: p99 123 ms > 100 ms                                                               │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ confirm │           40.0K/s │  40.0K/s │ 159,960 │   21.5 │   86.0 │      103 │      60 │ meets                                                                                     │',
      '├─────────┼───────────────────┼──────────┼─────────┼────────┼────────┼──────────┼─────────┼───────────────────────────────────────────────────────────────────────────────────────────┤',
      '│ above   │           50.0K/s │  46.0K/s │ 184,000 │    105 │    420 │      504 │  24,000 │ misses: p99 420 ms > 100 ms, achieved 92% of the rate                                     │',
      '└─────────┴───────────────────┴──────────┴─────────┴────────┴────────┴──────────┴─────────┴───────────────────────────────────────────────────────────────────────────────────────────┘',
    ].join('\n'));
  });

  it('sums up the answer: ceiling, knee and its bracket, confirmation, 1.25x, notes, the cluster after', () => {
    expect(formatCapacitySummary(RESULT)).toEqual([
      'ceiling: 69.0K/s (the ramp\'s backlog stayed under 1 s of records up to it; unlimited probe 80.0K/s)',
      'sustainable: 40.0K/s at p99<=100ms (met at 40.0K/s, missed at 41.0K/s); confidence medium',
      'confirmation 60 s: 40.0K/s (achieved 40.0K/s): p99 86.0 ms, meets p99<=100ms',
      'above, 1.25x the knee for 60 s: 50.0K/s (achieved 46.0K/s): p99 420 ms, misses p99<=100ms, misses the rate: the knee is one',
      'note: 30.0K/s: a stall broke the SLO in 1 of 6 windows, the longer repeat met it',
      'cluster after the search: 3 topics, 9,876,543 records, 4.56 GB on disk (the search\'s topic deleted; --keep-topic keeps it)',
    ]);
  });

  it('says when no rate met, when the ceiling itself met, how far above the knee the run above missed, and when the search was stopped', () => {
    const none: CapacityResult = {
      ...RESULT, steps: RESULT.steps.slice(0, 3), sustainableRps: 0, bracket: { meetRps: 0 }, confidence: 'low', ceilingReached: false,
      floor: { rateRps: 6900, achievedRps: 6900, p99Ms: 150, sloValuesMs: [150], meetsSlo: false, meetsRate: true },
      confirmation: undefined, above: undefined, notes: ['no rate meets the SLO: 6900/s (10% of the ceiling) already missed it'],
      cluster: { ...RESULT.cluster, after: undefined },
    };
    expect(formatCapacitySummary(none)).toEqual([
      'ceiling: 69.0K/s or more (the ramp\'s backlog stayed under 1 s of records up to it; unlimited probe 80.0K/s)',
      'sustainable: none: the lowest rate tried, 6900/s (achieved 6900/s): p99 150 ms, misses p99<=100ms',
      'note: no rate meets the SLO: 6900/s (10% of the ceiling) already missed it',
    ]);
    const ceilingMet: CapacityResult = {
      ...RESULT, bracket: { meetRps: 69_000 }, sustainableRps: 69_000, confidence: 'low', notes: [], ended: 'stopped', cluster: { ...RESULT.cluster, topicDeleted: false },
      above: { ...RESULT.above!, rateRps: 72_450, achievedRps: 72_400, p99Ms: 130, meetsSlo: false, meetsRate: true },
    };
    expect(formatCapacitySummary(ceilingMet).slice(1)).toEqual([
      'sustainable: 69.0K/s at p99<=100ms (the ceiling itself met it); confidence low',
      'confirmation 60 s: 40.0K/s (achieved 40.0K/s): p99 86.0 ms, meets p99<=100ms',
      'above, 1.05x the knee for 60 s: 72.5K/s (achieved 72.4K/s): p99 130 ms, misses p99<=100ms: the knee is one',
      'stopped early: the figures are what was found so far',
      'cluster after the search: 3 topics, 9,876,543 records, 4.56 GB on disk',
    ]);
  });
});

describe('the capacity chart', () => {
  const svg = capacityChart(RESULT);

  it('draws each judged rate\'s SLO statistic, the steps and the confirmation-long runs apart, the SLO\'s limit and the knee', () => {
    expect(svg).toContain('<title>Latency against offered rate (p99&lt;=100ms)</title>');
    expect(svg).toContain('>p99, steps</text>');
    expect(svg).toContain('>p99, 60 s runs</text>');
    expect(svg).toContain('latency from intended send time (ms)</text>');
    expect(svg).toContain('>SLO p99 ≤ 100 ms</text>');
    expect(svg).toContain('>knee 40.0K/s</text>');
    // One point per rate and kind of run: the steps' floor, 30K (its repeat), 40K, 41K, 69K; the 60 s runs' 40K and 50K.
    expect(svg.match(/<circle /g)).toHaveLength(7);
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2);
    expect(svg).not.toContain('NaN');
  });

  it('is the same bytes for the same result', () => {
    expect(capacityChart(structuredClone(RESULT))).toBe(svg);
  });

  it('has no knee line without a sustainable rate, and draws nothing it cannot place (no judged step)', () => {
    const none = capacityChart({ ...RESULT, sustainableRps: 0, steps: RESULT.steps.slice(0, 3) });
    expect(none).not.toContain('knee');
    expect(none).not.toContain('NaN');
    const stopped = capacityChart({ ...RESULT, sustainableRps: 0, steps: RESULT.steps.slice(0, 1) });
    expect(stopped).not.toContain('NaN');
    expect(stopped).not.toContain('<polyline');
  });
});

describe('the capacity HTML report', () => {
  it('holds the answer, the chart and the steps\' table', () => {
    const html = capacityHtml(RESULT, 'datastorm capacity --slo \'p99<=100ms\'');
    expect(html).toContain('<title>DataStorm capacity: p99&lt;=100ms</title>');
    expect(html).toContain('sustainable: 40.0K/s at p99&lt;=100ms (met at 40.0K/s, missed at 41.0K/s); confidence medium');
    expect(html).toContain(capacityChart(RESULT));
    expect(html).toContain('misses: p99 2000 ms &gt; 100 ms (stall?)');
  });
});
