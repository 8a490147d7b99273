import type { MessagePort } from 'node:worker_threads';
import type { HttpInterval } from '../engine/worker-protocol.js';
import type { ProduceMeter } from '../produce/meter.js';
import type { Pacer } from '../produce/pacer.js';
import type { SharedValues } from '../produce/shared-values.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../shared/histograms.js';
import type { HttpProduceSpec } from './http-spec.js';
import { decodeAcks, encodeRecords, headersField, type OutgoingRecord } from './formats.js';
import type { PostOutcome } from './proxy-client.js';

/** What every request of a run is made of, the same for each worker. */
export type RequestSettings = Pick<HttpProduceSpec, 'url' | 'format' | 'valueEncoding' | 'recordsPerRequest' | 'timeoutMs' | 'httpHeaders' |
  'recordHeaders' | 'topic' | 'durationMs'>;

/** One http-produce worker's assignment (workers/http-produce-worker.ts runs it): its shares, computed once by the main thread. */
export interface HttpWorkerTask {
  workerId: number;
  request: RequestSettings;
  /** Its records (undefined in --duration runs). */
  records?: number;
  /** Its records per second; -1: no limit. */
  rate: number;
  /** Its requests in flight at most (its share of --connections). */
  connections: number;
  /** Its records' numbers in the run: first, first + stride, ... (sequential keys). */
  sequence: { first: number; stride: number };
  keys: Pick<HttpProduceSpec, 'keys' | 'keyRange' | 'zipfExponent'>;
  /** The values as the body carries them (JSON texts, or base64 in quotes), made once by the main thread. */
  values: SharedValues;
  /** The bytes Kafka stores of each value, for MB/s. */
  valueBytes: number[];
  /** Records acknowledged so far, one BigInt64 slot per worker (its own): the progress line reads it. */
  acknowledged: SharedArrayBuffer;
  port: MessagePort;
}

/** The requests of one worker: count, statuses, latency, and the offsets the proxy named per partition. */
export class RequestMeter {
  private requests = 0;
  private statuses: Record<string, number> = {};
  private latency = createHistogram();
  private partitions = new Map<number, [number, number, number, number]>();

  answered(label: string, latencyUs: number): void {
    this.requests += 1;
    this.statuses[label] = (this.statuses[label] ?? 0) + 1;
    recordLatencyUs(this.latency, latencyUs);
  }

  stored(partition: number, offset: number): void {
    const seen = this.partitions.get(partition);
    if (!seen) this.partitions.set(partition, [partition, 1, offset, offset]);
    else {
      seen[1] += 1;
      seen[2] = Math.min(seen[2], offset);
      seen[3] = Math.max(seen[3], offset);
    }
  }

  /** The figures since the previous call; the meter starts afresh. */
  take(): HttpInterval {
    const interval: HttpInterval = {
      requests: this.requests, statuses: this.statuses, requestHistogram: encodeHistogram(this.latency), partitions: [...this.partitions.values()],
    };
    this.requests = 0;
    this.statuses = {};
    this.latency = createHistogram();
    this.partitions = new Map();
    return interval;
  }
}

export interface LoopParts {
  request: RequestSettings;
  path: string;
  /** Records of this worker in all (Infinity in --duration runs). */
  total: number;
  connections: number;
  pacer: Pacer;
  meter: ProduceMeter;
  requests: RequestMeter;
  post: (path: string, body: string) => Promise<PostOutcome>;
  /** Record i's key (null: none) and value, as the body carries it, and the bytes Kafka stores of the value. */
  record: (index: number) => OutgoingRecord;
  valueBytes: (index: number) => number;
  /** The stop the main thread asked for, and a wait that a stop ends early. */
  stopping: () => boolean;
  woken: (ms: number) => Promise<void>;
  onAcknowledged: (records: number) => void;
  nowUs: () => number;
}

/**
 * Posts the worker's records, --records-per-request to a request, at most `connections` requests at once. Under
 * --throughput a request leaves when its last record is due (the pacer's schedule), and each record's latency is
 * also measured from when it was due: a request that waited for a free connection carries that wait.
 */
export class RequestLoop {
  bodyBytes = 0;
  requestsSent = 0;
  /** Requests none of whose records were acknowledged. */
  requestsFailed = 0;
  lastAnswerUs = 0;
  private next = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly startUs: number;
  private readonly endUs: number;
  /** The run's record headers, as every record in the body carries them. */
  private readonly headers: string;

  constructor(private readonly parts: LoopParts) {
    this.headers = headersField(parts.request.format, parts.request.recordHeaders);
    this.startUs = parts.nowUs();
    parts.meter.startsAt(this.startUs);
    this.endUs = parts.request.durationMs === undefined ? Infinity : this.startUs + parts.request.durationMs * 1000;
  }

  async run(): Promise<void> {
    const { parts } = this;
    const perRequest = parts.request.recordsPerRequest;
    while (!parts.stopping() && this.next < parts.total && parts.nowUs() < this.endUs) {
      if (this.inFlight.size >= parts.connections) {
        await Promise.race(this.inFlight);
        continue;
      }
      const count = Math.min(perRequest, parts.total - this.next);
      const dueUs = this.startUs + parts.pacer.dueAtUs(this.next + count - 1);
      if (parts.pacer.limited && parts.nowUs() < dueUs) {
        await parts.woken((Math.min(dueUs, this.endUs) - parts.nowUs()) / 1000);
        continue;
      }
      const sent: Promise<void> = this.request(this.next, count).finally(() => this.inFlight.delete(sent));
      this.inFlight.add(sent);
      this.next += count;
    }
    await Promise.all(this.inFlight);
  }

  /** One request of records first .. first + count - 1, measured when its whole answer is in. */
  private async request(first: number, count: number): Promise<void> {
    const { parts } = this;
    const records = Array.from({ length: count }, (_, i) => parts.record(first + i));
    const body = encodeRecords(parts.request.format, parts.request.valueEncoding, records, this.headers);
    this.bodyBytes += Buffer.byteLength(body);
    this.requestsSent += 1;
    const sentUs = parts.nowUs();
    const outcome = await parts.post(parts.path, body);
    const answerUs = parts.nowUs();
    this.lastAnswerUs = answerUs;
    parts.requests.answered('status' in outcome ? String(outcome.status) : outcome.error, answerUs - sentUs);
    const acks = 'status' in outcome
      ? decodeAcks(parts.request.format, outcome.status, outcome.body, count)
      : Array.from({ length: count }, () => ({ error: outcome.error }));
    // Acknowledged records as runs of consecutive indexes (the meter's unit), failed ones counted by error.
    const runs: number[] = [];
    let acknowledged = 0;
    let payloadBytes = 0;
    const failures: Record<string, number> = {};
    acks.forEach((ack, i) => {
      if ('error' in ack) {
        failures[ack.error] = (failures[ack.error] ?? 0) + 1;
        return;
      }
      parts.requests.stored(ack.partition, ack.offset);
      const bytes = parts.valueBytes(first + i);
      const last = runs.length - 4;
      if (last >= 0 && runs[last] + runs[last + 1] === first + i) {
        runs[last + 1] += 1;
        runs[last + 3] += bytes;
      } else runs.push(first + i, 1, sentUs, bytes);
      acknowledged += 1;
      payloadBytes += bytes;
    });
    for (const [type, records] of Object.entries(failures)) parts.meter.failed(type, records);
    if (acknowledged === 0) this.requestsFailed += 1;
    if (acknowledged > 0) {
      parts.meter.acknowledged({ runs, recordCount: acknowledged, payloadBytes }, answerUs);
      parts.onAcknowledged(acknowledged);
    }
  }
}
