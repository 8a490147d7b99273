import { describe, expect, it } from 'vitest';
import { capacityStep, ceilingOf, isSteady, judgeStep, type StepRequest, type StepWindow } from '../../src/capacity/capacity-step.js';
import { StepWindows, type WindowSample } from '../../src/capacity/step-windows.js';
import { parseSlo, sloValuesMs } from '../../src/capacity/slo.js';
import { RateProfile } from '../../src/produce/rate-profile.js';
import { createHistogram, recordLatencyUs, type Histogram } from '../../src/shared/histograms.js';
import { measureOf, rateWindows, SLO_100MS } from './capacity-fixtures.js';

const warmup = { warmupMs: 3000 };
/** 3 warm-up windows, then 8 steady ones. */
const eleven = (p99sMs: number[]) => [500, 400, 300, ...p99sMs];

describe('isSteady', () => {
  it('takes a window that starts at the warm-up\'s end or after (1 ms of clock rounding allowed)', () => {
    expect(isSteady({ elapsedMs: 4000, durationMs: 1000 }, 3000)).toBe(true);
    expect(isSteady({ elapsedMs: 3999, durationMs: 1000 }, 3000)).toBe(true);
    expect(isSteady({ elapsedMs: 3998.9, durationMs: 1000 }, 3000)).toBe(false);
    expect(isSteady({ elapsedMs: 1000, durationMs: 1000 }, 0)).toBe(true);
  });
});

describe('judgeStep', () => {
  const steady8 = (p99sMs: number[], acknowledgedRps = 1000) => rateWindows(1000, acknowledgedRps, eleven(p99sMs));

  it('meets when the steady records meet the SLO, the rate is achieved, the backlog bounded and nothing failed', () => {
    const measure = measureOf(steady8(Array(8).fill(80)), 3000, [80]);
    expect(judgeStep(SLO_100MS, warmup, 1000, measure, 950, 1000)).toEqual({ outcome: 'meets' });
  });

  it('misses naming every reason: the SLO\'s terms, the rate, the backlog, failures', () => {
    const slo = parseSlo('p99<=100ms,avg<=5ms');
    const measure = measureOf(steady8(Array(8).fill(150)), 3000, [150.4, 7.25], { failedRecords: 3 });
    expect(judgeStep(slo, warmup, 1000, measure, 900, 1500.4)).toEqual({
      outcome: 'misses',
      why: ['p99 150 ms > 100 ms', 'avg 7.25 ms > 5.00 ms', 'achieved 90% of the rate', 'backlog 1500 records at the end', '3 records failed'],
      rateMet: false, stallLike: false,
    });
    expect(judgeStep(SLO_100MS, warmup, 1000, measureOf(steady8(Array(8).fill(80)), 3000, [80]), 949, 0))
      .toEqual({ outcome: 'misses', why: ['achieved 95% of the rate'], rateMet: false, stallLike: false });
    expect(judgeStep(SLO_100MS, warmup, 1000, measureOf(steady8(Array(8).fill(80)), 3000, [80]), 1000, 1001))
      .toEqual({ outcome: 'misses', why: ['backlog 1001 records at the end'], rateMet: true, stallLike: false });
  });

  it('calls a miss stall-like when a quarter of the steady windows or fewer broke the SLO, with the rate met and the backlog bounded', () => {
    const judge = (p99sMs: number[], valueMs: number, extra: { failedRecords?: number } = {}, achievedRps = 1000, backlog = 0) =>
      judgeStep(SLO_100MS, warmup, 1000, measureOf(steady8(p99sMs), 3000, [valueMs], extra), achievedRps, backlog);
    const stallLike = (verdict: ReturnType<typeof judgeStep>) => (verdict.outcome === 'misses' ? verdict.stallLike : undefined);
    // The warm-up's broken windows are not counted: 2 of 8 steady windows broke.
    expect(stallLike(judge([80, 80, 2000, 80, 80, 2000, 80, 80], 2000))).toBe(true);
    expect(stallLike(judge([80, 80, 2000, 2000, 2000, 80, 80, 80], 2000))).toBe(false);
    expect(stallLike(judge([80, 80, 2000, 80, 80, 80, 80, 80], 2000, { failedRecords: 1 }))).toBe(false);
    expect(stallLike(judge([80, 80, 2000, 80, 80, 80, 80, 80], 2000, {}, 940))).toBe(false);
    expect(stallLike(judge([80, 80, 2000, 80, 80, 80, 80, 80], 2000, {}, 1000, 1200))).toBe(false);
    // One steady window that broke: no window met, so nothing says it was a stall.
    const one = rateWindows(1000, 1000, [500, 400, 300, 2000]);
    const verdict = judgeStep(SLO_100MS, warmup, 1000, measureOf(one, 3000, [2000]), 1000, 0);
    expect(verdict).toEqual({ outcome: 'misses', why: ['p99 2000 ms > 100 ms'], rateMet: true, stallLike: false });
    // One of two (at least one window may break, even under a quarter).
    expect(stallLike(judgeStep(SLO_100MS, warmup, 1000, measureOf(rateWindows(1000, 1000, [500, 400, 300, 2000, 80]), 3000, [2000]), 1000, 0))).toBe(true);
  });
});

describe('capacityStep', () => {
  const request = (load: StepRequest['load']): StepRequest => ({ phase: 'search', load, durationMs: 11_000, warmupMs: 3000 });

  it('works out a fixed-rate step\'s achieved rate over its steady windows, its backlog, and judges it', () => {
    const windows = rateWindows(1000, 990, eleven(Array(8).fill(60)));
    const step = capacityStep(SLO_100MS, request({ kind: 'rate', rateRps: 1000 }), measureOf(windows, 3000, [60]));
    expect(step).toMatchObject({ offeredRps: 1000, achievedRps: 990, backlogMaxRecords: 110, backlogEndRecords: 110, verdict: { outcome: 'meets' } });
    expect(step.steadyMs).toBe(8000);
  });

  it('measures the probe and the ramp without judging them; a step without steady windows achieved nothing', () => {
    const probe = capacityStep(SLO_100MS, request({ kind: 'unlimited' }), measureOf([{ elapsedMs: 4000, durationMs: 1000, records: 5000, sloValuesMs: [500] }], 3000, [500]));
    expect(probe).toMatchObject({ offeredRps: undefined, achievedRps: 5000, verdict: { outcome: 'measured' } });
    expect(probe.backlogEndRecords).toBeUndefined();
    const ramp = capacityStep(SLO_100MS, request({ kind: 'ramp', fromRps: 300, toRps: 1200 }), measureOf(rateWindows(800, 700, [50, 50, 50, 50]), 3000, [50]));
    expect(ramp).toMatchObject({ offeredRps: 1200, achievedRps: 700, backlogEndRecords: 400, verdict: { outcome: 'measured' } });
    const cut = capacityStep(SLO_100MS, request({ kind: 'rate', rateRps: 1000 }), measureOf(rateWindows(1000, 1000, [50, 50]), 3000, [0]));
    expect([cut.steadyMs, cut.achievedRps, cut.verdict]).toEqual([0, 0, { outcome: 'misses', why: ['achieved 0% of the rate'], rateMet: false, stallLike: false }]);
  });
});

describe('ceilingOf', () => {
  const ramp = (pairs: Array<[number, number]>): StepWindow[] => pairs.map(([offeredRps, backlogRecords], i) => ({
    elapsedMs: (i + 1) * 1000, durationMs: 1000, records: 0, offeredRps, backlogRecords, sloValuesMs: [1],
  }));

  it('is the offered rate of the last window before the backlog first passed 1 s of records', () => {
    expect(ceilingOf({ windows: ramp([[100, 0], [200, 50], [300, 300], [400, 401], [500, 100]]) })).toEqual({ rateRps: 300, reached: true });
  });

  it('is the first window\'s rate when that one already passed it, and the top when none did', () => {
    expect(ceilingOf({ windows: ramp([[100, 101], [200, 0]]) })).toEqual({ rateRps: 100, reached: true });
    expect(ceilingOf({ windows: ramp([[100, 0], [200, 200]]) })).toEqual({ rateRps: 200, reached: false });
  });

  it('skips windows without an offered rate or a backlog; none leaves 0', () => {
    expect(ceilingOf({ windows: [{ elapsedMs: 1000, durationMs: 1000, records: 5, sloValuesMs: [1] }] })).toEqual({ rateRps: 0, reached: false });
    expect(ceilingOf({ windows: [] })).toEqual({ rateRps: 0, reached: false });
  });
});

describe('StepWindows', () => {
  const slo = parseSlo('p99<=100ms,avg<=20ms');
  /** A window as a produce step gives it: latency from intended time under a limit, send-to-ack without one. */
  const sample = (elapsedMs: number, durationMs: number, records: number, histograms: { histogram: Histogram; intended?: Histogram }): WindowSample => ({
    elapsedMs, durationMs, records, latency: histograms.intended ?? histograms.histogram,
  });
  /** A histogram of `records` latencies from `fromMs` up, 1 ms apart modulo `spreadMs`. */
  const latencies = (records: number, fromMs: number, spreadMs: number): Histogram => {
    const histogram = createHistogram();
    for (let i = 0; i < records; i++) recordLatencyUs(histogram, (fromMs + (i % spreadMs)) * 1000);
    return histogram;
  };
  // A step at 1000/s for 8 s (3 s warm-up): windows a little over 1 s each, as the run reports them; the 8th was cut by the end.
  const ends = [1010, 2030, 3035, 4050, 5060, 6075, 7090];
  const acked = [900, 1000, 1020, 1000, 1000, 1000, 1015];
  const rateRequest: StepRequest = { phase: 'search', load: { kind: 'rate', rateRps: 1000 }, durationMs: 8000, warmupMs: 3000 };

  const fill = (windows: StepWindows, intended: (i: number) => Histogram | undefined) => {
    ends.forEach((end, i) => {
      const start = i === 0 ? 0 : ends[i - 1];
      const histogram = latencies(acked[i], 1, 3); // send-to-ack: 1-3 ms
      const intendedOne = intended(i);
      windows.add(sample(end, end - start, acked[i], { histogram, ...(intendedOne ? { intended: intendedOne } : {}) }));
    });
  };

  it('gives each window its rate asked, its backlog (records due by its end less records acknowledged) and the SLO\'s values from intended time', () => {
    const windows = new StepWindows(slo, rateRequest);
    fill(windows, (i) => latencies(acked[i], 10 * (i + 1), 5));
    let acknowledged = 0;
    expect(windows.windows.map((w) => w.backlogRecords)).toEqual(ends.map((end, i) => {
      acknowledged += acked[i];
      return Math.max(0, end - acknowledged);
    }));
    expect(windows.windows.map((w) => w.backlogRecords)).toEqual([110, 130, 115, 130, 140, 155, 155]);
    expect(windows.windows.every((w) => w.offeredRps === 1000)).toBe(true);
    // From intended time (10·(i+1) to 10·(i+1)+4 ms), not send-to-ack (1-3 ms).
    expect(windows.windows.map((w) => Math.round(w.sloValuesMs[0]))).toEqual([14, 24, 34, 44, 54, 64, 74]);
    expect(windows.windows[2]).toEqual({ elapsedMs: 3035, durationMs: 1005, records: 1020, offeredRps: 1000, backlogRecords: 115, sloValuesMs: windows.windows[2].sloValuesMs });
  });

  it('measures the steady windows only (those that start after the warm-up), their histograms merged exactly', () => {
    const intended = ends.map((_, i) => latencies(acked[i], 10 * (i + 1), 7 + i));
    const windows = new StepWindows(slo, rateRequest);
    fill(windows, (i) => intended[i]);
    const measure = windows.measure({ acknowledgedRecords: 0, failedRecords: 2, accountingMatch: false });
    // Windows starting at 3035, 4050, 5060 and 6075 ms: the one starting at 2030 is warm-up.
    expect(measure.steadyMs).toBe(7090 - 3035);
    expect(measure.records).toBe(1000 + 1000 + 1000 + 1015);
    const all = createHistogram();
    for (const i of [3, 4, 5, 6]) all.add(latencies(acked[i], 10 * (i + 1), 7 + i));
    expect(measure.sloValuesMs).toEqual(sloValuesMs(slo, all));
    expect(measure.latency).toEqual({
      p50Ms: all.getValueAtPercentile(50) / 1000, p99Ms: all.getValueAtPercentile(99) / 1000, p999Ms: all.getValueAtPercentile(99.9) / 1000,
      avgMs: all.mean / 1000, maxMs: all.getValueAtPercentile(100) / 1000,
    });
    expect(measure.latency.p99Ms).toBeCloseTo(82, 1);
    expect([measure.failedRecords, measure.accountingMatch, measure.windows.length]).toEqual([2, false, 7]);
    // A warm-up that ends at a window's start keeps that window.
    const early = new StepWindows(slo, { ...rateRequest, warmupMs: 3036 });
    fill(early, (i) => intended[i]);
    expect(early.measure({ acknowledgedRecords: 0, failedRecords: 0, accountingMatch: true }).steadyMs).toBe(7090 - 3035);
    const late = new StepWindows(slo, { ...rateRequest, warmupMs: 3037 });
    fill(late, (i) => intended[i]);
    expect(late.measure({ acknowledgedRecords: 0, failedRecords: 0, accountingMatch: true }).steadyMs).toBe(7090 - 4050);
  });

  it('gives the probe send-to-ack latency and no rate or backlog; no steady window leaves zeros', () => {
    const windows = new StepWindows(slo, { phase: 'probe', load: { kind: 'unlimited' }, durationMs: 2000, warmupMs: 1000 });
    windows.add(sample(1010, 1010, 500, { histogram: latencies(500, 1, 3) }));
    expect(windows.windows).toEqual([{ elapsedMs: 1010, durationMs: 1010, records: 500, sloValuesMs: sloValuesMs(slo, latencies(500, 1, 3)) }]);
    const measure = windows.measure({ acknowledgedRecords: 0, failedRecords: 0, accountingMatch: true });
    expect([measure.steadyMs, measure.records, measure.sloValuesMs, measure.latency])
      .toEqual([0, 0, [0, 0], { p50Ms: 0, p99Ms: 0, p999Ms: 0, avgMs: 0, maxMs: 0 }]);
  });

  it('gives a ramp\'s windows the profile\'s rate and a backlog against the profile', () => {
    const ramp: StepRequest = { phase: 'ramp', load: { kind: 'ramp', fromRps: 1000, toRps: 5000 }, durationMs: 4000, warmupMs: 2000 };
    const profile = new RateProfile([{ atMs: 0, recordsPerSec: 1000 }, { atMs: 4000, recordsPerSec: 5000 }]);
    const windows = new StepWindows(slo, ramp);
    windows.add(sample(2000, 2000, 2500, { histogram: latencies(10, 1, 1), intended: latencies(10, 5, 1) }));
    windows.add(sample(4000, 2000, 7000, { histogram: latencies(10, 1, 1), intended: latencies(10, 5, 1) }));
    // The rate asked over a window: the records the profile made due in it over its length.
    expect(windows.windows.map((w) => [w.offeredRps, w.backlogRecords])).toEqual([
      [2000, profile.dueBy(2000) - 2500],
      [4000, 12_000 - 9500],
    ]);
  });

  it('leaves out a window that ends after the step\'s end: the workers stopped in it, their last acks are in the totals only', () => {
    // As a real 22.5 s step at 71.1K/s reported it: its last window, after the end, held no records.
    const step: StepRequest = { phase: 'repeat', load: { kind: 'rate', rateRps: 1000 }, durationMs: 3000, warmupMs: 1000 };
    const windows = new StepWindows(slo, step);
    for (const [end, length, records] of [[1000, 1000, 1000], [2000, 1000, 1000], [3000, 1000, 1000], [3009, 9, 0]]) {
      windows.add(sample(end, length, records, { histogram: latencies(records, 1, 1) }));
    }
    expect(windows.windows.map((w) => w.elapsedMs)).toEqual([1000, 2000, 3000]);
    const measured = capacityStep(slo, step, windows.measure({ acknowledgedRecords: 3000, failedRecords: 0, accountingMatch: true }));
    expect([measured.achievedRps, measured.backlogEndRecords, measured.verdict.outcome]).toEqual([1000, 0, 'meets']);
  });
});
