import { describe, expect, it } from 'vitest';
import { capacityChart, formatCapacityHeader } from '../../src/capacity/capacity-report.js';
import type { CapacityStep, StepRequest } from '../../src/capacity/capacity-step.js';
import { searchCapacity } from '../../src/capacity/capacity-search.js';
import { endToEndRecordBytes, stepSamples } from '../../src/capacity/e2e-steps.js';
import { parseSlo } from '../../src/capacity/slo.js';
import { StepWindows } from '../../src/capacity/step-windows.js';
import { toCapacitySpec, type CapacityFlags } from '../../src/run-spec/capacity-options.js';
import { defaultProduceFlags, toProduceRun } from '../../src/run-spec/produce-options.js';
import type { ProduceOptionKey } from '../../src/run-spec/produce-options.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../../src/shared/histograms.js';

/** A consumer's window: `latenciesUs` read in window `window` of the shared clock. */
function consumerWindow(window: number, latenciesUs: number[]) {
  const histogram = createHistogram();
  for (const us of latenciesUs) recordLatencyUs(histogram, us);
  return { window, histogram: encodeHistogram(histogram) };
}

describe('an e2e step\'s windows from its consumers\' windows of the shared clock (stepSamples)', () => {
  // The schedule ran from 10.4 s to 14 s on the clock: its end on a window's edge, its first window short.
  const startMs = 10_400;
  const durationMs = 3_600;
  const consumers = [
    consumerWindow(9, [100]), // read before the schedule began: counted in the first window
    consumerWindow(10, [200, 300]),
    consumerWindow(11, [400, 500]),
    consumerWindow(11, [600]), // another consumer's part of the same window
    consumerWindow(13, [700]),
    consumerWindow(14, [1_900, 1_950, 1_980, 1_990, 2_000]), // read after the end, the rest: latencies only
    consumerWindow(15, [1_500]),
  ];

  it('gives one window a second of the step, the first short, each with the records read in it', () => {
    const samples = stepSamples(consumers, startMs, durationMs);
    expect(samples.map((s) => [s.elapsedMs, s.durationMs, s.records, s.latency.totalCount])).toEqual([
      [600, 600, 3, 3],
      [1600, 1000, 3, 3],
      [2600, 1000, 0, 0],
      [3600, 1000, 1, 7], // the records read after the end are in no count, and in the last window's latencies
    ]);
    expect(samples[3].latency.maxValue).toBe(2_000);
  });

  it('makes the backlog records due minus records consumed, and the step\'s latency holds the records read after the end', () => {
    const request: StepRequest = { phase: 'search', load: { kind: 'rate', rateRps: 5 }, durationMs, warmupMs: 600 };
    const windows = new StepWindows(parseSlo('p99<=1ms'), request);
    for (const sample of stepSamples(consumers, startMs, durationMs)) windows.add(sample);
    // Due by 0.6, 1.6, 2.6, 3.6 s at 5/s: 3, 8, 13, 18; consumed by then: 3, 6, 6, 7.
    expect(windows.windows.map((w) => [w.offeredRps, w.backlogRecords])).toEqual([[5, 0], [5, 2], [5, 7], [5, 11]]);
    const measure = windows.measure({ acknowledgedRecords: 18, failedRecords: 0, accountingMatch: true });
    expect([measure.steadyMs, measure.records]).toEqual([3000, 4]);
    expect(measure.latency.maxMs).toBe(2);
    expect(measure.sloValuesMs).toEqual([2]);
  });

  it('offers a ramp\'s rate over each window: the records due in it over its length', () => {
    const request: StepRequest = { phase: 'ramp', load: { kind: 'ramp', fromRps: 0, toRps: 2000 }, durationMs: 2000, warmupMs: 0 };
    const windows = new StepWindows(parseSlo('p99<=1ms'), request);
    for (const sample of stepSamples([consumerWindow(3, [10])], 2000, 2000)) windows.add(sample);
    expect(windows.windows.map((w) => [w.elapsedMs, w.offeredRps, w.backlogRecords])).toEqual([[1000, 500, 500], [2000, 1500, 1999]]);
  });
});

describe('capacity --target e2e\'s settings', () => {
  const flags: CapacityFlags = {
    slo: parseSlo('p99<=100ms'), precision: 0.05, budget: 600_000, confirm: 60_000, step: 15_000, stepWarmup: 5_000, warm: 0, probe: 10_000, ramp: 30_000,
    target: 'e2e', keepTopic: false,
  };
  const typedOnly = (...keys: ProduceOptionKey[]) => (key: ProduceOptionKey) => keys.includes(key);

  it('takes the options its steps honour: topic, driver, record size, consumers, codec, partitions, replication, connection', () => {
    const spec = toCapacitySpec(flags, typedOnly('topic', 'workers', 'recordSize', 'compression', 'partitions', 'bootstrapServer'), { producerProps: {} });
    expect(spec.target).toBe('e2e');
  });

  it('refuses the produce options e2e\'s paced producer does not have, and producer properties but the connection\'s', () => {
    expect(() => toCapacitySpec(flags, typedOnly('workers', 'acks', 'linger'), { producerProps: {} })).toThrow(
      '--target e2e produces with e2e\'s paced producer (kafkajs, acks all, idempotent): --linger, --acks cannot be given');
    expect(() => toCapacitySpec(flags, typedOnly(), { producerProps: { 'bootstrap.servers': 'a:9092', 'batch.size': '1000' } })).toThrow(
      '--target e2e produces with e2e\'s paced producer (kafkajs, acks all, idempotent): batch.size cannot be given');
    // The produce target takes them all.
    expect(toCapacitySpec({ ...flags, target: 'produce' }, typedOnly('acks', 'linger'), { producerProps: { 'batch.size': '1000' } }).target).toBe('produce');
  });

  it('sends values of --record-size bytes: a schema\'s or a file\'s values are not e2e\'s', () => {
    expect(endToEndRecordBytes({ payload: { kind: 'avro', recordSizeBytes: 250 } })).toBe(250);
    expect(() => endToEndRecordBytes({ payload: { kind: 'file', path: 'x', delimiter: '\n' } })).toThrow('--target e2e produces values of --record-size bytes');
  });

  it('names the chart\'s lines for where the latency was measured', () => {
    const step = (rateRps: number, p99Ms: number) => ({ load: { kind: 'rate' as const, rateRps }, sloValuesMs: [p99Ms] }) as CapacityStep;
    const steps = [step(1000, 20), step(5000, 150)];
    expect(capacityChart({ slo: 'p99<=100ms', steps, sustainableRps: 1000, spec: { target: 'e2e', confirmMs: 60_000 } })).toContain('latency from creation to read (ms)');
    expect(capacityChart({ slo: 'p99<=100ms', steps, sustainableRps: 1000, spec: { target: 'produce', confirmMs: 60_000 } })).toContain('latency from intended send time (ms)');
  });

  it('says in the report\'s header what produced and what read', () => {
    const { config } = toProduceRun({ ...defaultProduceFlags(), topic: 'cap', workers: 2, recordSize: 100 }, () => false);
    const header = formatCapacityHeader({
      slo: 'p99<=100ms', spec: { ...flags, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5_000, warmMs: 0, probeMs: 10_000, rampMs: 30_000, settleMs: 0 },
      config: { ...config, driver: 'kafkajs', partitions: 8 }, cluster: { bootstrap: ['127.0.0.1:9092'], embedded: false, before: { topics: 3, records: 1000 }, topicDeleted: false },
    });
    expect(header.slice(0, 2)).toEqual([
      'capacity: the highest rate that meets p99<=100ms (latency from produce to consume), within 10.0 min, precision 5%',
      'settings: topic cap (8 partitions), e2e\'s paced producer (kafkajs, acks all, idempotent, compression none, record 100 B), 2 consumers (kafkajs) of a group per step',
    ]);
  });
});

describe('the search on e2e steps', () => {
  it('stops at a step whose records do not reconcile, saying its produced, consumed and growth counts', async () => {
    const settings = { slo: parseSlo('p99<=100ms'), precision: 0.05, budgetMs: 600_000, confirmMs: 60_000, stepMs: 15_000, warmupMs: 5_000, warmMs: 0, probeMs: 10_000, rampMs: 30_000 };
    const unread = {
      steadyMs: 5000, records: 5000, sloValuesMs: [10], latency: { p50Ms: 5, p99Ms: 10, p999Ms: 12, avgMs: 6, maxMs: 12 }, windows: [], acknowledgedRecords: 10_000, failedRecords: 0,
      accountingMatch: false, endToEnd: { producedRecords: 10_000, consumedRecords: 9_000, topicGrowth: 10_000, latencyResolutionMs: 0.001 },
    };
    const runner = { run: async () => unread, elapsedMs: () => 0, overheadMs: () => 1000, stopped: () => false, log: () => undefined, recover: async () => 0 };
    await expect(searchCapacity(settings, runner)).rejects.toThrow('the probe step\'s records produced (10000), consumed (9000) and the topic\'s growth (10000) differ');
  });
});
