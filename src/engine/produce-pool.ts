import { addToSlot } from '../faults/fault-plan.js';
import { createHistogram, decodeHistogram, type Histogram } from '../shared/histograms.js';
import { DataStormError } from '../shared/errors.js';
import { callAt } from '../shared/sleep.js';
import type { FatalError } from '../produce/batch-sender.js';
import type { FatalMessage } from './pool-protocol.js';
import { WorkerPool } from './worker-pool.js';
import { IdentityLedger } from '../verify/identity-ledger.js';
import { workerModule, type WorkerModule } from './worker-modules.js';
import {
  GAUGES_PER_WORKER, type HttpInterval, type MainToWorker, type ProduceAssignment, type WorkerInterval, type WorkerSummary, type WorkerToMain,
} from './worker-protocol.js';

/** Running totals of one worker (or of all), fed interval by interval. */
export class Tally {
  records = 0;
  payloadBytes = 0;
  steadyRecords = 0;
  steadyPayloadBytes = 0;
  errors: Record<string, number> = {};
  latency: Histogram = createHistogram();
  intended: Histogram = createHistogram();
  steady: Histogram = createHistogram();

  /** http-produce's figures (undefined in produce runs). */
  http: HttpTally | undefined;

  add(interval: WorkerInterval, histograms: DecodedInterval): void {
    if (interval.http) (this.http ??= new HttpTally()).add(interval.http);
    this.records += interval.records;
    this.payloadBytes += interval.payloadBytes;
    this.steadyRecords += interval.steadyRecords;
    this.steadyPayloadBytes += interval.steadyPayloadBytes;
    for (const [type, count] of Object.entries(interval.errors)) this.errors[type] = (this.errors[type] ?? 0) + count;
    this.latency.add(histograms.latency);
    if (histograms.intended) this.intended.add(histograms.intended);
    this.steady.add(histograms.steady);
  }
}

/** The requests of http-produce's workers and the offsets the proxy named, added up. */
export class HttpTally {
  requests = 0;
  statuses: Record<string, number> = {};
  requestLatency: Histogram = createHistogram();
  /** Per partition: records acknowledged with an offset, the lowest and the highest offset named. */
  partitions = new Map<number, { records: number; minOffset: number; maxOffset: number }>();

  add(http: HttpInterval): void {
    this.requests += http.requests;
    for (const [status, count] of Object.entries(http.statuses)) this.statuses[status] = (this.statuses[status] ?? 0) + count;
    this.requestLatency.add(decodeHistogram(http.requestHistogram));
    for (const [partition, records, minOffset, maxOffset] of http.partitions) {
      const seen = this.partitions.get(partition);
      this.partitions.set(partition, seen
        ? { records: seen.records + records, minOffset: Math.min(seen.minOffset, minOffset), maxOffset: Math.max(seen.maxOffset, maxOffset) }
        : { records, minOffset, maxOffset });
    }
  }
}

interface DecodedInterval {
  latency: Histogram;
  intended?: Histogram;
  steady: Histogram;
}

/** The figures of one reporting window, all workers together. */
export interface Window {
  histogram: Histogram;
  /** From each record's intended send time, under a rate limit (absent without one). */
  intended?: Histogram;
  records: number;
  payloadBytes: number;
}

const emptyWindow = (): Window => ({ histogram: createHistogram(), records: 0, payloadBytes: 0 });

/** What a produce worker posts besides a fatal (the worker pool handles that). */
type ProduceNews = Exclude<WorkerToMain, FatalMessage>;

/**
 * The produce workers of one run on the worker pool (one long-lived task per worker, on threadsFor threads), and the
 * figures they send added up as they arrive (to the run's totals, each worker's and the open window). The workers are
 * produce's (workers/produce-worker.ts) unless another module speaking the same protocol is given (http-produce's).
 */
export class ProducePool<Task extends { workerId: number } = ProduceAssignment> {
  readonly total = new Tally();
  readonly perWorker: Tally[];
  /** Per ACK_SLOT_MS slot since the start, records acknowledged in it (the fault report's timeline). */
  readonly acksPerSlot: number[] = [];
  /** Records acknowledged so far, one slot per worker, written by the workers themselves. */
  readonly acknowledged: BigInt64Array;
  /** --verify: how every record's send ended, by identity, as the workers report it. */
  readonly ledger = new IdentityLedger();

  /** Requests in flight and bytes buffered, per worker (GAUGE), set by the workers every GAUGE_MS. */
  private readonly gauges: BigInt64Array;

  /** Records acknowledged so far, all workers together (their shared counters, read now). */
  acknowledgedTotal(): number {
    return Number(this.acknowledged.reduce((sum, count) => sum + count, 0n));
  }

  /** Records acknowledged so far by each worker, in worker order (their shared counters, read now). */
  acknowledgedByWorker(): number[] {
    return Array.from(this.acknowledged, Number);
  }

  /** A gauge of each worker, in worker order, as each last set it. */
  gaugeByWorker(gauge: number): number[] {
    return Array.from({ length: this.workers }, (_, workerId) => Number(this.gauges[workerId * GAUGES_PER_WORKER + gauge]));
  }

  /** The first fatal error a worker reported: the run stops on it. */
  get fatal(): FatalError | undefined {
    return this.pool.fatal;
  }

  private readonly pool: WorkerPool<MainToWorker, ProduceNews, WorkerSummary>;
  private readonly answered = new Set<number>();
  private window = emptyWindow();
  private seq = 0;
  private readyCount = 0;
  private onReady: () => void = () => undefined;
  private readonly ready = new Promise<void>((resolve) => { this.onReady = resolve; });

  constructor(private readonly workers: number, threads: number, taskOf: (workerId: number) => Task, worker: WorkerModule = 'produce') {
    const shared = new SharedArrayBuffer(workers * BigInt64Array.BYTES_PER_ELEMENT);
    this.acknowledged = new BigInt64Array(shared);
    const gauges = new SharedArrayBuffer(workers * GAUGES_PER_WORKER * BigInt64Array.BYTES_PER_ELEMENT);
    this.gauges = new BigInt64Array(gauges);
    this.perWorker = Array.from({ length: workers }, () => new Tally());
    this.pool = new WorkerPool({
      workers, threads, inProcess: runsInProcess(threads), workerFile: workerModule(worker), youngGenerationMb: youngGenerationMbPerThread(threads),
      taskOf: (workerId) => ({ ...taskOf(workerId), acknowledged: shared, gauges }),
      onMessage: (message) => this.receive(message),
      onFatal: () => this.broadcast({ type: 'stop' }),
    });
  }

  private receive(message: ProduceNews): void {
    if (message.type === 'ready') {
      if (++this.readyCount === this.workers) this.onReady();
    } else {
      this.absorb(message.workerId, message.interval);
      if (message.seq === this.seq) this.answered.add(message.workerId);
    }
  }

  /** Figures land in the totals the moment they arrive; a snapshot late for its window lands in the next one. */
  private absorb(workerId: number, interval: WorkerInterval): void {
    const histograms: DecodedInterval = {
      latency: decodeHistogram(interval.histogram),
      intended: interval.intendedHistogram ? decodeHistogram(interval.intendedHistogram) : undefined,
      steady: decodeHistogram(interval.steadyHistogram),
    };
    this.perWorker[workerId].add(interval, histograms);
    this.total.add(interval, histograms);
    this.window.histogram.add(histograms.latency);
    if (histograms.intended) (this.window.intended ??= createHistogram()).add(histograms.intended);
    this.window.records += interval.records;
    this.window.payloadBytes += interval.payloadBytes;
    for (const [slot, count] of interval.acksPerSlot) addToSlot(this.acksPerSlot, slot, count);
    if (interval.outcomes) this.ledger.sent(interval.outcomes);
  }

  broadcast(message: MainToWorker): void {
    this.pool.broadcast(message);
  }

  /** Resolves once every worker's producer is connected; a worker that cannot connect fails it. */
  async whenReady(): Promise<void> {
    await Promise.race([this.ready, this.pool.firstFailure()]).catch((error: unknown) => {
      this.broadcast({ type: 'stop' });
      throw new DataStormError('DS_WORKER_FAILED', `a worker could not start its producer: ${(error as Error).message}`, { cause: error });
    });
  }

  get running(): boolean {
    return this.pool.running;
  }

  /** Resolves after `ms`, or sooner when every worker has finished. */
  async waitWhileRunning(ms: number): Promise<void> {
    const deadline = performance.now() + ms;
    while (this.running && performance.now() < deadline) {
      let cancel: (() => void) | undefined;
      await Promise.race([this.pool.news(), new Promise<void>((resolve) => { cancel = callAt(deadline, resolve, () => performance.now()); })]);
      cancel?.(); // a pending timer would keep the process alive after the run
    }
  }

  /**
   * Asks every worker for its figures since the last window and returns the window once each running one answered;
   * undefined when none answered: every worker had finished, and its last figures come with its summary, not in a
   * window (which would read as a window of 0 records at the run's end).
   */
  async takeWindow(): Promise<Window | undefined> {
    this.answered.clear();
    this.broadcast({ type: 'snapshot', seq: ++this.seq });
    const allAnswered = () => this.perWorker.every((_, id) => this.answered.has(id) || this.pool.hasFinished(id));
    while (!allAnswered()) await this.pool.news();
    if (this.answered.size === 0) return undefined;
    const window = this.window;
    this.window = emptyWindow();
    return window;
  }

  /** Every worker's summary, its last figures added; throws if a worker failed. */
  async summaries(): Promise<WorkerSummary[]> {
    const summaries: WorkerSummary[] = [];
    for (const outcome of await this.pool.settled()) {
      if (outcome.status === 'rejected') {
        throw new DataStormError('DS_WORKER_FAILED', `a worker failed: ${(outcome.reason as Error).message}`, { cause: outcome.reason });
      }
      summaries.push(outcome.value);
      this.absorb(outcome.value.workerId, outcome.value.last);
    }
    return summaries.sort((a, b) => a.workerId - b.workerId);
  }

  async destroy(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * A run of one thread runs its workers on the main thread: a worker thread's own V8 isolate, heap and modules
 * cost one worker 20-25 MB of peak RSS and about 0.1 s of CPU to start, for a thread the main one mostly leaves idle.
 */
export const runsInProcess = (threads: number) => threads === 1;

/**
 * The threads a run's workers share: one per worker up to the cores, then several workers to a thread, each
 * thread one event loop. Sixteen workers on 2 cores as 16 threads: 3.32 CPU s per 1M records, 398 MiB; as 2
 * threads of 8: 1.17 s, 192 MiB, and 1.47x the records/s (an always-runnable thread per worker made every
 * acknowledgement wait for its thread's turn on a core, and each thread has a heap and an event loop of its own).
 */
export function threadsFor(workers: number, cores: number): number {
  return Math.max(1, Math.min(workers, cores));
}

/**
 * Each thread's V8 young generation: all of them together about 32 MB, 2-16 MB each. Sixteen threads with V8's
 * default (16 MB) held 70 MB more at the headline run's peak; one thread with 2 MB spent 35% more CPU collecting.
 */
export function youngGenerationMbPerThread(threads: number): number {
  return Math.max(2, Math.min(16, Math.floor(32 / threads)));
}
