import { ACK_SLOT_MS } from '../faults/fault-plan.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../shared/histograms.js';
import type { ProducerBatch } from './accumulator.js';
import type { Pacer } from './pacer.js';

/** Figures of one worker since its previous snapshot (histograms: encoded HDR, microseconds). */
export interface MeterInterval {
  records: number;
  payloadBytes: number;
  errors: Record<string, number>;
  histogram: string;
  intendedHistogram?: string;
  steadyRecords: number;
  steadyPayloadBytes: number;
  steadyHistogram: string;
  /** [slot, records acknowledged in it]: ACK_SLOT_MS slots since the worker's start. */
  acksPerSlot: Array<[number, number]>;
}

/** What a worker measures: a batch's records when it is acknowledged or fails, taken out once per interval. */
export interface MeterSettings {
  /** Records with a lower index are warm-up, left out of the steady-state figures. */
  warmupRecords: number;
  /** The run's rate schedule: under a limit, latency is also measured from each record's intended send time. */
  pacer: Pacer;
}

export class ProduceMeter {
  private latency = createHistogram();
  private intended = createHistogram();
  private steady = createHistogram();
  private records = 0;
  private payloadBytes = 0;
  private steadyRecords = 0;
  private steadyPayloadBytes = 0;
  private errors: Record<string, number> = {};
  /** When the worker started sending: record i was intended at startUs + pacer.dueAtUs(i). */
  private startUs = 0;
  /** Records acknowledged per ACK_SLOT_MS slot since startUs (slot → count), for stalls and recovery. */
  private acksPerSlot = new Map<number, number>();

  constructor(private readonly settings: MeterSettings) {}

  startsAt(startUs: number): void {
    this.startUs = startUs;
  }

  /**
   * Records appended at one time get their latency once, with their count: the cost is per append time, not per
   * record. Consecutive runs of one append time are one recording: a keyed chunk spreads over partitions, so its
   * records are a run each in their batch (their indexes are not consecutive there). Anything that lists its
   * records as runs can be measured (a Kafka batch, http-produce's request).
   */
  acknowledged(batch: Pick<ProducerBatch, 'runs' | 'recordCount' | 'payloadBytes'>, ackUs: number): void {
    const { warmupRecords, pacer } = this.settings;
    const runs = batch.runs;
    for (let r = 0; r < runs.length;) {
      const appendUs = runs[r + 2];
      const steady = runs[r] >= warmupRecords;
      let count = 0;
      let payloadBytes = 0;
      for (; r < runs.length && runs[r + 2] === appendUs && (runs[r] >= warmupRecords) === steady; r += 4) {
        count += runs[r + 1];
        payloadBytes += runs[r + 3];
        if (pacer.limited) this.intendedLatencies(runs[r], runs[r + 1], ackUs);
      }
      recordLatencyUs(this.latency, ackUs - appendUs, count);
      if (steady) {
        recordLatencyUs(this.steady, ackUs - appendUs, count);
        this.steadyRecords += count;
        this.steadyPayloadBytes += payloadBytes;
      }
    }
    this.records += batch.recordCount;
    this.payloadBytes += batch.payloadBytes;
    const slot = Math.floor((ackUs - this.startUs) / (ACK_SLOT_MS * 1000));
    this.acksPerSlot.set(slot, (this.acksPerSlot.get(slot) ?? 0) + batch.recordCount);
  }

  /** Under a rate limit: each record's latency from the time it was due (its index's), acknowledged at ackUs. */
  private intendedLatencies(first: number, count: number, ackUs: number): void {
    const { pacer } = this.settings;
    for (let index = first; index < first + count; index++) recordLatencyUs(this.intended, ackUs - (this.startUs + pacer.dueAtUs(index)));
  }

  failed(type: string, records: number): void {
    this.errors[type] = (this.errors[type] ?? 0) + records;
  }

  /** The figures since the previous call, encoded for the main thread; the meter starts afresh. */
  take(): MeterInterval {
    const interval: MeterInterval = {
      records: this.records, payloadBytes: this.payloadBytes, errors: this.errors,
      histogram: encodeHistogram(this.latency),
      intendedHistogram: this.settings.pacer.limited ? encodeHistogram(this.intended) : undefined,
      steadyRecords: this.steadyRecords, steadyPayloadBytes: this.steadyPayloadBytes, steadyHistogram: encodeHistogram(this.steady),
      acksPerSlot: [...this.acksPerSlot],
    };
    this.acksPerSlot = new Map();
    this.latency = createHistogram();
    this.intended = createHistogram();
    this.steady = createHistogram();
    this.records = this.payloadBytes = this.steadyRecords = this.steadyPayloadBytes = 0;
    this.errors = {};
    return interval;
  }
}
