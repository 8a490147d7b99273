import { performance } from 'node:perf_hooks';
import { driverOf } from '../src/drivers/driver-registry.js';
import { GAUGE, GAUGES_PER_WORKER, GAUGE_MS, type ProduceTask, type WorkerSummary } from '../src/engine/worker-protocol.js';
import { epochMs } from '../src/shared/clock.js';
import { RecordAccumulator } from '../src/produce/accumulator.js';
import { AppendLoop, appenderOf, sendTheRest } from '../src/produce/append-loop.js';
import { BatchBufferPool } from '../src/produce/batch-buffers.js';
import { BatchLimitControl } from '../src/produce/batch-limit-control.js';
import { BatchSender } from '../src/produce/batch-sender.js';
import { ProduceMeter } from '../src/produce/meter.js';
import { Pacer } from '../src/produce/pacer.js';
import { RateProfile } from '../src/produce/rate-profile.js';
import { valueMaker } from '../src/produce/payloads.js';
import { RecordPlacer } from '../src/produce/record-placer.js';
import { encodeHeaders } from '../src/kafka/record-batch.js';
import { templatesOf } from '../src/produce/batch-templates.js';
import { TransactionCycle } from '../src/produce/transaction-cycle.js';
import type { TransactionalDriver } from '../src/drivers/producer-driver.js';
import { topicsOf } from '../src/kafka/topic.js';
import { valueViews } from '../src/produce/shared-values.js';
import { WorkerControl } from './worker-control.js';
import { OutcomeRecorder } from '../src/verify/send-outcomes.js';
import { RUN_STRIDE, type ProducerBatch } from '../src/produce/accumulator.js';

const nowUs = () => performance.now() * 1000;

/**
 * One worker of a produce run: its own producer (a driver), its assignment's records, appended into batch buffers
 * in Kafka's format and sent from an in-flight window (src/produce/append-loop.ts); figures go to the main thread on request.
 */
export default async function produceWorker(task: ProduceTask): Promise<WorkerSummary> {
  const { workerId, producer, buffers } = task;
  // Pre-encoded, batches come from the run's templates; otherwise each record's value is made as it is appended.
  const templates = task.templates && templatesOf(task.templates);
  const valueOf = templates ? undefined : valueMaker(task.valueKind, valueViews(task.values), task.sequence);
  const description = driverOf(task.driver);
  const driver = await description.createProducer(producer, task.bootstrap, `datastorm-worker-${workerId}`);
  const pacer = new Pacer(typeof task.rate === 'number' ? task.rate : new RateProfile(task.rate), task.records ?? Infinity);
  const meter = new ProduceMeter({ warmupRecords: task.firstSteadyIndex, pacer });
  // --verify: how each batch's records ended, by identity, sent with the meter's figures.
  const outcomes = task.verify ? new OutcomeRecorder(workerId, producer.transaction !== undefined) : undefined;
  const settled = (acknowledged: boolean) => (batch: ProducerBatch) => outcomes?.settle(batch.destination, batch.runs, RUN_STRIDE, acknowledged);
  const acknowledgedOutcome = settled(true);
  const takeInterval = () => ({ ...meter.take(), ...(outcomes ? { outcomes: outcomes.take() } : {}) });
  const control = new WorkerControl(task.port, workerId, takeInterval);
  try {
    await driver.connect();
  } catch (error) {
    control.close();
    throw error;
  }
  await control.ready();
  const cycle = producer.transaction
    ? new TransactionCycle(driver as TransactionalDriver, producer.transaction.durationMs * 1000, nowUs, task.abortRate, (committed) => outcomes?.transactionEnded(committed))
    : undefined;
  await cycle?.begin(nowUs());

  const bufferPool = new BatchBufferPool(buffers.bufferBytes, buffers.buffersPerWorker);
  const topicCount = topicsOf(producer).length;
  const accumulator = new RecordAccumulator(bufferPool, {
    batchLimitBytes: buffers.batchLimitBytes, lingerUs: task.lingerMs * 1000, newRunAt: task.firstSteadyIndex,
    listRecords: description.takes === 'listed', headers: encodeHeaders(producer.headers), partitionsPerTopic: task.topicPartitions, templates,
    ...(outcomes ? { producer: workerId } : {}),
  });
  const limitControl = new BatchLimitControl({ maxBytes: buffers.batchLimitBytes, queueTargetUs: task.queueTargetMs * 1000 }, nowUs());
  accumulator.limitBytes = limitControl.limitBytes;
  const firstSendAtMs = epochMs();
  let lastAckAtMs = firstSendAtMs;
  const acknowledged = new BigInt64Array(task.acknowledged);
  const acknowledgedPerTopic = new Array<number>(topicCount).fill(0);
  const sender = new BatchSender(driver, accumulator, meter, {
    maxInFlight: producer.maxInFlight, idempotent: producer.idempotent, nowUs, transaction: cycle,
    onAcknowledged: (batch) => {
      acknowledgedOutcome(batch);
      Atomics.add(acknowledged, workerId, BigInt(batch.recordCount));
      acknowledgedPerTopic[batch.topicIndex] += batch.recordCount;
      cycle?.acknowledged(batch);
      const ackUs = nowUs();
      accumulator.limitBytes = limitControl.acknowledged(batch.sizeBytes, ackUs - batch.sentUs, ackUs);
      lastAckAtMs = epochMs();
    },
    onFailed: settled(false),
    onSettled: () => control.wake(),
  });
  const stopGauges = publishGauges(task, () => ({ inFlightRequests: sender.inFlight, bufferedBytes: bufferPool.inUseBytes }));
  const placer = new RecordPlacer(accumulator, {
    keyMode: task.keyMode, keyRange: task.keyRange, zipfExponent: task.zipfExponent, partitions: task.topicPartitions,
    ownPartitions: task.ownPartitions, topicCount, sequence: task.sequence,
  });
  const loop = new AppendLoop(
    { records: task.records ?? Infinity, durationMs: task.durationMs, firstSteadyIndex: task.firstSteadyIndex, maxBlockMs: task.maxBlockMs },
    { pacer, meter, control, accumulator, sender, cycle, nowUs, ...appenderOf(placer, valueOf) },
  );
  await loop.run();
  await sendTheRest(sender, cycle, control, nowUs);
  stopGauges();
  await driver.close();
  if (sender.fatal) control.post({ type: 'fatal', workerId, ...sender.fatal });
  const last = takeInterval();
  control.close();
  return {
    workerId, last, wireBytes: driver.wireBytes(), requests: sender.requests, failedRequests: sender.failedRequests, firstSendAtMs, lastAckAtMs,
    firstSteadyAtMs: loop.firstSteadyAtUs === undefined ? undefined : performance.timeOrigin + loop.firstSteadyAtUs / 1000,
    bufferWaitMs: loop.bufferWaitUs / 1000, transactions: cycle?.counts, batchLimitEndBytes: limitControl.limitBytes, acknowledgedPerTopic,
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
