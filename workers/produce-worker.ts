import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { driverOf } from '../src/drivers/driver-registry.js';
import { epochMs, GAUGE, GAUGES_PER_WORKER, GAUGE_MS, type ProduceTask, type WorkerSummary } from '../src/engine/worker-protocol.js';
import { RecordAccumulator } from '../src/produce/accumulator.js';
import { BatchBufferPool } from '../src/produce/batch-buffers.js';
import { BatchLimitControl } from '../src/produce/batch-limit-control.js';
import { BatchSender } from '../src/produce/batch-sender.js';
import { ProduceMeter } from '../src/produce/meter.js';
import { Pacer } from '../src/produce/pacer.js';
import { RateProfile } from '../src/produce/rate-profile.js';
import { monotonicValue } from '../src/produce/payloads.js';
import { RecordPlacer } from '../src/produce/record-placer.js';
import { encodeHeaders } from '../src/kafka/record-batch.js';
import { templatesOf } from '../src/produce/batch-templates.js';
import { TransactionCycle } from '../src/produce/transaction-cycle.js';
import type { TransactionalDriver } from '../src/drivers/producer-driver.js';
import { type RunConfig } from '../src/produce/run-config.js';
import { topicsOf } from '../src/kafka/topic.js';
import { valueViews } from '../src/produce/shared-values.js';
import { WorkerControl } from './worker-control.js';

/**
 * Records appended between two clock readings (and linger checks): a few microseconds of work, written one by
 * one; pre-encoded, appending is counting, so a chunk is larger.
 */
const CHUNK_RECORDS = 32;
const PRE_ENCODED_CHUNK_RECORDS = 1024;
/** The send loop yields to I/O this often while it has records to append, so requests go out and acks come in. */
const SLICE_US = 1000;

const nowUs = () => performance.now() * 1000;

/**
 * Record i's value: the shared pre-serialized values, or (--serialize-on-send) the same values encoded again each
 * time, or (--payload-monotonic) the record's number across all workers as text: worker w of W sends w, w + W, ...
 * (with splitExactly's shares, every number below --num-records once).
 */
async function valueSource(task: ProduceTask): Promise<(index: number) => Buffer> {
  const { payload, workers } = task.config;
  if (payload.kind === 'monotonic') return (index) => monotonicValue(index * workers + task.workerId);
  const values = valueViews(task.values);
  if (payload.kind !== 'avro' || !payload.serializeOnSend) return (index) => values[index % values.length];
  const schema = (await import('../src/produce/payloads.js')).loadSchema(payload.schemaFile); // avsc loads only here
  const objects = values.map((value) => schema.fromBuffer(value) as unknown);
  return (index) => schema.toBuffer(objects[index % objects.length]);
}

/**
 * One worker of a produce run: its own producer (a driver), its share of the records, appended into batch
 * buffers in Kafka's format and sent from an in-flight window; figures go to the main thread on request.
 */
export default async function produceWorker(task: ProduceTask): Promise<WorkerSummary> {
  const { workerId } = task;
  const config = workerConfig(task);
  // Pre-encoded, batches come from the run's templates; otherwise each record's value is written as it is appended.
  const templates = task.templates && templatesOf(task.templates);
  const valueOf = templates ? undefined : await valueSource(task);
  const description = driverOf(config.driver);
  const driver = await description.createProducer(config, task.bootstrap, `datastorm-worker-${workerId}`);
  // A profile is the run's: each worker paces an equal part of it.
  const rate = config.throughputProfile ? new RateProfile(config.throughputProfile).scaled(1 / config.workers) : task.throughputRps;
  const pacer = new Pacer(rate, task.records ?? Infinity);
  const meter = new ProduceMeter({ warmupRecords: task.warmupRecords, pacer });
  const control = new WorkerControl(task.port, workerId, () => meter.take());
  try {
    await driver.connect();
  } catch (error) {
    control.close();
    throw error;
  }
  await control.ready();
  const cycle = config.transaction ? new TransactionCycle(driver as TransactionalDriver, config.transaction.durationMs * 1000, nowUs, config.transaction.abortRate) : undefined;
  await cycle?.begin(nowUs());

  const bufferPool = new BatchBufferPool(task.buffers.bufferBytes, task.buffers.buffersPerWorker);
  const headers = encodeHeaders(config.headers);
  const accumulator = new RecordAccumulator(bufferPool, {
    batchLimitBytes: task.buffers.batchLimitBytes, lingerUs: config.lingerMs * 1000, newRunAt: task.warmupRecords,
    listRecords: description.takes === 'listed', headers, partitionsPerTopic: config.partitions, templates,
  });
  const limitControl = new BatchLimitControl({ maxBytes: task.buffers.batchLimitBytes, queueTargetUs: config.queueTargetMs * 1000 }, nowUs());
  accumulator.limitBytes = limitControl.limitBytes;
  const firstSendAtMs = epochMs();
  let lastAckAtMs = firstSendAtMs;
  const acknowledged = new BigInt64Array(task.acknowledged);
  const acknowledgedPerTopic = new Array<number>(topicsOf(config).length).fill(0);
  const sender = new BatchSender(driver, accumulator, meter, {
    maxInFlight: config.maxInFlight, idempotent: config.idempotent, nowUs, transaction: cycle,
    onAcknowledged: (batch) => {
      Atomics.add(acknowledged, workerId, BigInt(batch.recordCount));
      acknowledgedPerTopic[batch.topicIndex] += batch.recordCount;
      cycle?.acknowledged(batch);
      const ackUs = nowUs();
      accumulator.limitBytes = limitControl.acknowledged(batch.sizeBytes, ackUs - batch.sentUs, ackUs);
      lastAckAtMs = epochMs();
    },
    onSettled: () => control.wake(),
  });
  const stopGauges = publishGauges(task, () => ({ inFlightRequests: sender.inFlight, bufferedBytes: bufferPool.inUseBytes }));
  const placer = new RecordPlacer(accumulator, {
    keyMode: config.keys, keyRange: config.keyRange, zipfExponent: config.zipfExponent, partitions: config.partitions,
    ownPartitions: task.partitions, topicCount: acknowledgedPerTopic.length, workerId, workers: config.workers,
  });
  const loop = new AppendLoop(task, { pacer, meter, control, accumulator, sender, cycle,
    ...(valueOf ? { appendRecords: appendOneByOne(placer, valueOf), chunkRecords: CHUNK_RECORDS }
      : { appendRecords: appendPreEncoded(placer), chunkRecords: PRE_ENCODED_CHUNK_RECORDS }) });
  await loop.run();
  await sendTheRest(sender, cycle, control);
  stopGauges();
  await driver.close();
  if (sender.fatal) control.post({ type: 'fatal', workerId, ...sender.fatal });
  const last = meter.take();
  control.close();
  return {
    workerId, last, wireBytes: driver.wireBytes(), requests: sender.requests, failedRequests: sender.failedRequests, firstSendAtMs, lastAckAtMs,
    firstSteadyAtMs: loop.firstSteadyAtMs, bufferWaitMs: loop.bufferWaitUs / 1000, transactions: cycle?.counts,
    batchLimitEndBytes: limitControl.limitBytes, acknowledgedPerTopic,
  };
}

/** Sets this worker's live gauges every GAUGE_MS, for the main thread's metrics endpoint; the returned stop sets them a last time. */
function publishGauges({ gauges, workerId }: ProduceTask, read: () => Record<keyof typeof GAUGE, number>): () => void {
  const slots = new BigInt64Array(gauges, workerId * GAUGES_PER_WORKER * BigInt64Array.BYTES_PER_ELEMENT, GAUGES_PER_WORKER);
  const publish = () => {
    for (const [gauge, value] of Object.entries(read())) Atomics.store(slots, GAUGE[gauge as keyof typeof GAUGE], BigInt(value));
  };
  const timer = setInterval(publish, GAUGE_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    publish();
  };
}

/** The run's settings as this worker's producer takes them: two producers with one transactional id fence each other. */
function workerConfig({ config, workerId }: ProduceTask): RunConfig {
  return config.transaction ? { ...config, transaction: { ...config.transaction, id: `${config.transaction.id}-${workerId}` } } : config;
}

/**
 * The end (or a stop): what was appended is sent, unless a fatal error makes sending pointless; then the last
 * transaction is committed (aborted after a failure), so what was counted committed is what consumers see.
 */
async function sendTheRest(sender: BatchSender, cycle: TransactionCycle | undefined, control: WorkerControl): Promise<void> {
  while (sender.busy) {
    await rollTransaction(cycle, sender, false);
    sender.dispatch(nowUs(), true);
    await control.woken(1000);
  }
  if (sender.fatal) await cycle?.abort().catch(() => undefined);
  else await rollTransaction(cycle, sender, true);
}

/** Commits a transaction that is due (see TransactionCycle.roll); a failed commit ends the run. */
async function rollTransaction(cycle: TransactionCycle | undefined, sender: BatchSender, ending: boolean): Promise<void> {
  try {
    await cycle?.roll(nowUs(), sender.inFlight, ending);
  } catch (error) {
    sender.fatal ??= { code: 'DS_TRANSACTION_FAILED', message: `committing a transaction failed: ${(error as Error).message}` };
  }
}

/** Appends `count` records from index `from` stamped `nowUs`; returns how many went in (fewer: no buffer was free). */
type AppendRecords = (from: number, count: number, nowUs: number) => number;

const appendOneByOne = (placer: RecordPlacer, valueOf: (index: number) => Buffer): AppendRecords => (from, count, now) => {
  let index = from;
  while (index < from + count && placer.append(index, valueOf(index), now)) index++;
  return index - from;
};

const appendPreEncoded = (placer: RecordPlacer): AppendRecords => (from, count, now) => {
  let done = 0;
  while (done < count) {
    const taken = placer.appendRun(from + done, count - done, now);
    if (taken === 0) break;
    done += taken;
  }
  return done;
};

interface LoopParts {
  pacer: Pacer;
  meter: ProduceMeter;
  control: WorkerControl;
  accumulator: RecordAccumulator;
  sender: BatchSender;
  appendRecords: AppendRecords;
  /** Records appended between two clock readings. */
  chunkRecords: number;
  cycle?: TransactionCycle;
}

/**
 * Appends the worker's records as the pacer makes them due, in chunks stamped with one clock reading; between
 * chunks, batches that are full or have lingered leave. When buffer.memory is full it waits for an
 * acknowledgement, at most max.block.ms per record (then that record fails, as in Kafka's producer).
 */
class AppendLoop {
  firstSteadyAtMs: number | undefined;
  bufferWaitUs = 0;
  private generated = 0;
  private blockedSinceUs: number | undefined;
  private readonly startUs = nowUs();
  private readonly endUs: number;
  private readonly total: number;

  constructor(private readonly task: ProduceTask, private readonly parts: LoopParts) {
    parts.meter.startsAt(this.startUs);
    this.endUs = task.config.durationMs !== undefined ? this.startUs + task.config.durationMs * 1000 : Infinity;
    this.total = task.records ?? Infinity;
  }

  async run(): Promise<void> {
    const { pacer, control, sender } = this.parts;
    while (!control.stopping && sender.fatal === undefined && this.generated < this.total) {
      if (this.parts.cycle) await rollTransaction(this.parts.cycle, sender, false);
      const now = nowUs();
      if (now >= this.endUs) break;
      const due = pacer.dueBy(now - this.startUs);
      const before = this.generated;
      if (!this.appendSlice(now, due)) {
        // max.block.ms is each record's own wait: once the record that waited went in, the next one starts afresh.
        if (this.generated > before) this.blockedSinceUs = undefined;
        await this.waitForBuffer();
        continue;
      }
      this.blockedSinceUs = undefined;
      if (this.generated < due) await yieldToIo();
      else if (this.generated < this.total) await this.waitForNextDue();
    }
  }

  /** Appends due records for up to SLICE_US; false when no buffer was free. */
  private appendSlice(startUs: number, due: number): boolean {
    const { appendRecords, chunkRecords, sender } = this.parts;
    const warmup = this.task.warmupRecords;
    const sliceEndUs = startUs + SLICE_US;
    let now = startUs;
    while (this.generated < due) {
      // A chunk ends at the first steady-state record: its append time starts the steady state.
      const from = this.generated;
      const chunkEnd = Math.min(due, from + chunkRecords, from < warmup ? warmup : Infinity);
      this.generated += appendRecords(from, chunkEnd - from, now);
      if (from === warmup && this.generated > from) this.firstSteadyAtMs = epochMs();
      if (this.generated < chunkEnd) {
        sender.dispatch(nowUs(), true);
        return false;
      }
      now = nowUs();
      sender.dispatch(now, false);
      if (now >= sliceEndUs) break;
    }
    return true;
  }

  /** buffer.memory is full: wait for an acknowledgement to free a buffer, at most max.block.ms for one record. */
  private async waitForBuffer(): Promise<void> {
    const now = nowUs();
    const maxBlockUs = this.task.config.maxBlockMs * 1000;
    this.blockedSinceUs ??= now;
    if (now - this.blockedSinceUs >= maxBlockUs) {
      this.parts.meter.failed('BufferExhaustedTimeout', 1);
      this.generated++;
      this.blockedSinceUs = undefined;
      await yieldToIo();
      return;
    }
    // With nothing in flight no acknowledgement is coming to free a buffer: go round at once (the loop's top
    // commits a transaction whose time ran out, after which its batches go out); waiting would end in max.block.ms.
    if (this.parts.sender.inFlight === 0) return yieldToIo();
    await this.parts.control.woken((this.blockedSinceUs + maxBlockUs - now) / 1000);
    this.bufferWaitUs += nowUs() - now;
  }

  /** Under a rate limit: sleep until the next record is due or a batch's linger ends, whichever is first. */
  private async waitForNextDue(): Promise<void> {
    const { pacer, accumulator, control, sender } = this.parts;
    const nextDueUs = this.startUs + pacer.dueAtUs(this.generated);
    await control.woken((Math.min(nextDueUs, accumulator.lingerDeadlineUs(), this.endUs) - nowUs()) / 1000);
    sender.dispatch(nowUs(), false);
  }
}
