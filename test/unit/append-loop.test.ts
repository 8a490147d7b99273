import { describe, expect, it } from 'vitest';
import type { ProducerDriver } from '../../src/drivers/producer-driver.js';
import { RecordAccumulator, type ProducerBatch } from '../../src/produce/accumulator.js';
import { AppendLoop, appenderOf, sendTheRest, type AppendRecords, type LoopControl } from '../../src/produce/append-loop.js';
import { BatchBufferPool, REQUEST_ROOM_BYTES } from '../../src/produce/batch-buffers.js';
import { BatchSender } from '../../src/produce/batch-sender.js';
import { ProduceMeter } from '../../src/produce/meter.js';
import { Pacer } from '../../src/produce/pacer.js';
import { RecordPlacer } from '../../src/produce/record-placer.js';
import { decodeHistogram } from '../../src/shared/histograms.js';

const VALUE = Buffer.alloc(100, 7);
const START_US = 1_000_000;

/**
 * A clock that moves only when the loop waits: a wait ends at its timeout or at the first acknowledgement due
 * before it, which is then delivered. No real time passes, so the figures are exact on any machine.
 */
class SimulatedTime implements LoopControl {
  us = START_US;
  stopping = false;
  private acks: Array<{ atUs: number; deliver: () => void }> = [];
  private idleWaits = 0;

  readonly nowUs = () => this.us;

  /** A driver whose batches are acknowledged `delayUs(batch)` after they were sent (Infinity: never). */
  driver(delayUs: (batch: ProducerBatch) => number): ProducerDriver {
    return {
      connect: async () => undefined,
      send: (batch) => new Promise<void>((deliver) => {
        const atUs = this.us + delayUs(batch as ProducerBatch);
        if (atUs !== Infinity) this.acks.push({ atUs, deliver });
      }),
      released: async () => undefined,
      wireBytes: () => 0,
      close: async () => undefined,
    };
  }

  async woken(timeoutMs: number): Promise<void> {
    const firstAck = Math.min(...this.acks.map((ack) => ack.atUs));
    const before = this.us;
    this.us = Math.max(this.us, Math.min(this.us + timeoutMs * 1000, firstAck));
    const due = this.acks.filter((ack) => ack.atUs <= this.us);
    // A loop that keeps waiting for nothing would spin here for ever: fail it instead.
    this.idleWaits = this.us === before && due.length === 0 ? this.idleWaits + 1 : 0;
    if (this.idleWaits > 1000) throw new Error('the loop waits again and again while no time passes and nothing arrives');
    this.acks = this.acks.filter((ack) => ack.atUs > this.us);
    for (const ack of due) ack.deliver();
    await new Promise((resolve) => setImmediate(resolve)); // the acknowledgements' callbacks run: buffers come back
  }
}

interface LoopCase {
  records: number;
  /** Records/s; -1: no limit. */
  rate?: number;
  firstSteadyIndex?: number;
  maxBlockMs?: number;
  /** Batch buffers of the worker, and where its batches close. */
  buffers?: number;
  batchLimitBytes?: number;
  ackDelayUs?: (batch: ProducerBatch) => number;
}

/** A worker's send path on simulated time: the real accumulator, placer, sender, pacer and meter; a driver that acknowledges on the clock. */
function loopOn(time: SimulatedTime, c: LoopCase) {
  const firstSteadyIndex = c.firstSteadyIndex ?? 0;
  const pacer = new Pacer(c.rate ?? -1, c.records);
  const meter = new ProduceMeter({ warmupRecords: firstSteadyIndex, pacer });
  const batchLimitBytes = c.batchLimitBytes ?? 4096;
  const accumulator = new RecordAccumulator(new BatchBufferPool(batchLimitBytes + REQUEST_ROOM_BYTES, c.buffers ?? 8), {
    batchLimitBytes, lingerUs: 0, newRunAt: firstSteadyIndex,
  });
  const sender = new BatchSender(time.driver(c.ackDelayUs ?? (() => 1000)), accumulator, meter, {
    maxInFlight: 1000, idempotent: false, nowUs: time.nowUs, onAcknowledged: () => undefined, onSettled: () => undefined,
  });
  const placer = new RecordPlacer(accumulator, {
    keyMode: 'none', keyRange: 1024, zipfExponent: 1, partitions: 1, ownPartitions: [0], topicCount: 1, sequence: { first: 0, stride: 1 },
  });
  const { appendRecords, chunkRecords } = appenderOf(placer, () => VALUE);
  /** Each record's append time, by index, and the chunks the loop asked for. */
  const appendedAtUs: number[] = [];
  const chunks: Array<[from: number, count: number]> = [];
  const recording: AppendRecords = (from, count, nowUs) => {
    const taken = appendRecords(from, count, nowUs);
    chunks.push([from, count]);
    for (let i = from; i < from + taken; i++) appendedAtUs[i] = nowUs;
    return taken;
  };
  const loop = new AppendLoop(
    { records: c.records, firstSteadyIndex, maxBlockMs: c.maxBlockMs ?? 60_000 },
    { pacer, meter, control: time, accumulator, sender, appendRecords: recording, chunkRecords, nowUs: time.nowUs },
  );
  return { loop, meter, sender, appendedAtUs, chunks, finish: () => sendTheRest(sender, undefined, time, time.nowUs) };
}

describe('AppendLoop', () => {
  it('appends each record when the Pacer makes it due, not before: 1,000 records/s, record i at i ms', async () => {
    const time = new SimulatedTime();
    const { loop, meter, appendedAtUs, finish } = loopOn(time, { records: 50, rate: 1000, ackDelayUs: () => 500 });
    await loop.run();
    await finish();
    expect(appendedAtUs).toEqual(Array.from({ length: 50 }, (_, i) => START_US + i * 1000));
    const figures = meter.take();
    expect(figures.records).toBe(50);
    expect(figures.errors).toEqual({});
    // Each record waited its 500 µs for the acknowledgement, from when it was due too: none was late.
    expect(decodeHistogram(figures.histogram).maxValue).toBe(500);
    expect(decodeHistogram(figures.intendedHistogram!).maxValue).toBe(500);
  });

  it('fails a record that waited max.block.ms for a free buffer, as BufferExhaustedTimeout, and goes on with the next', async () => {
    const time = new SimulatedTime();
    // One buffer, and its batch is never acknowledged: every record after the first batch waits in vain.
    const { loop, meter, appendedAtUs } = loopOn(time, { records: 30, buffers: 1, batchLimitBytes: 1024, maxBlockMs: 50, ackDelayUs: () => Infinity });
    await loop.run();
    const inFirstBatch = appendedAtUs.length;
    expect(inFirstBatch).toBeGreaterThan(1);
    expect(inFirstBatch).toBeLessThan(30);
    expect(meter.take().errors).toEqual({ BufferExhaustedTimeout: 30 - inFirstBatch });
    // Each failed record waited exactly max.block.ms, one after the other.
    expect(loop.bufferWaitUs).toBe((30 - inFirstBatch) * 50_000);
    expect(time.us).toBe(START_US + (30 - inFirstBatch) * 50_000);
  });

  it('appends a record whose buffer is freed within max.block.ms: it waited, it did not fail', async () => {
    const time = new SimulatedTime();
    const { loop, meter, appendedAtUs, finish } = loopOn(time, { records: 30, buffers: 1, batchLimitBytes: 1024, maxBlockMs: 50, ackDelayUs: () => 49_000 });
    await loop.run();
    await finish();
    const figures = meter.take();
    expect(figures.errors).toEqual({});
    expect(figures.records).toBe(30);
    // The first batch's records went in at the start; each later batch waited 49 ms for the one before it.
    const batches = new Set(appendedAtUs).size;
    expect(batches).toBeGreaterThan(2);
    expect(loop.bufferWaitUs).toBe((batches - 1) * 49_000);
  });

  it('leaves records below the warm-up count out of the steady figures; the steady state starts at the first steady record\'s append', async () => {
    const time = new SimulatedTime();
    // Warm-up records take 5 ms to be acknowledged, steady ones 1 ms: the steady histogram must hold only the 1 ms ones.
    const { loop, meter, finish } = loopOn(time, {
      records: 100, rate: 1000, firstSteadyIndex: 40, ackDelayUs: (batch) => (batch.runs[0] < 40 ? 5000 : 1000),
    });
    await loop.run();
    await finish();
    const figures = meter.take();
    expect([figures.records, figures.steadyRecords, figures.steadyPayloadBytes]).toEqual([100, 60, 60 * VALUE.length]);
    const all = decodeHistogram(figures.histogram);
    const steady = decodeHistogram(figures.steadyHistogram);
    expect(all.totalCount).toBe(100);
    expect(all.maxValue).toBeGreaterThanOrEqual(5000); // the warm-up's 5 ms, at the histogram's precision
    expect([steady.totalCount, steady.minNonZeroValue, steady.maxValue]).toEqual([60, 1000, 1000]);
    expect(loop.firstSteadyAtUs).toBe(START_US + 40 * 1000);
  });

  it('ends a chunk at the first steady record when records are appended as fast as they go', async () => {
    const time = new SimulatedTime();
    const { loop, meter, chunks, finish } = loopOn(time, { records: 100, firstSteadyIndex: 40 });
    await loop.run();
    await finish();
    // Chunks of 32 records: 0-31, then 32-39 up to the boundary, then on from 40.
    expect(chunks.slice(0, 3)).toEqual([[0, 32], [32, 8], [40, 32]]);
    const figures = meter.take();
    expect([figures.records, figures.steadyRecords]).toEqual([100, 60]);
    expect(loop.firstSteadyAtUs).toBe(START_US);
  });
});
