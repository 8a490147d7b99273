import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import { createProducerDriver } from '../src/drivers/create-driver.js';
import { errorTypeOf } from '../src/drivers/producer-driver.js';
import type { MainToWorker, ProduceTask, WorkerSummary, WorkerToMain } from '../src/engine/worker-protocol.js';
import { RecordAccumulator, type ProducerBatch } from '../src/produce/accumulator.js';
import { BatchBufferPool } from '../src/produce/batch-buffers.js';
import { ProduceMeter } from '../src/produce/meter.js';
import { valueViews } from '../src/produce/shared-values.js';

// Java's default partitioner hash, so keyed records land where a Java producer would put them.
const murmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const KEY_POOL_SIZE = 1024;
/** Errors after which a run cannot go on: retrying would only repeat them. */
const FATAL_ERROR_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'UNSUPPORTED_COMPRESSION_TYPE', 'INVALID_REQUIRED_ACKS']);
/** With no acknowledgement for this long while sends fail, the cluster is gone. */
const BROKER_LOST_AFTER_US = 20_000_000;
/** Records appended between two clock readings (and linger checks): a few microseconds of work. */
const CHUNK_RECORDS = 32;
/** The send loop yields to I/O this often while it has records to append, so requests go out and acks come in. */
const SLICE_US = 1000;

const epochMs = () => performance.timeOrigin + performance.now();
const nowUs = () => performance.now() * 1000;


export default async function produceWorker(task: ProduceTask): Promise<WorkerSummary> {
  const { config, port, workerId } = task;
  const values = valueViews(task.values);
  // --serialize-on-send: the same values, kept as objects and encoded again for every record (avsc is loaded only then).
  const schema = config.payload.kind === 'avro' && config.payload.serializeOnSend
    ? (await import('../src/produce/payloads.js')).loadSchema(config.payload.schemaFile) : undefined;
  const objects = schema ? values.map((value) => schema.fromBuffer(value) as unknown) : undefined;
  const keys = config.keys === 'none' ? [] : Array.from({ length: KEY_POOL_SIZE }, (_, i) => Buffer.from(`key-${i}`));
  const allPartitions = config.partitions;
  const keyPartitions = keys.map((key) => (murmur2(key) & 0x7fffffff) % allPartitions);

  const driver = await createProducerDriver(config, task.bootstrap, `datastorm-worker-${workerId}`);
  const post = (message: WorkerToMain) => port.postMessage(message);
  const perRecordUs = task.throughputRps > 0 ? 1e6 / task.throughputRps : 0;
  const meter = new ProduceMeter({ warmupRecords: task.warmupRecords, perRecordUs });

  let stopping = false;
  let fatal: { code: string; message: string } | undefined;
  let startAtMs = 0;
  let releaseStart: () => void = () => undefined;
  const started = new Promise<void>((resolve) => { releaseStart = resolve; });
  // Every wait of the send loop ends early on news: an acknowledgement, a failure, a stop.
  let wakeUp: () => void = () => undefined;
  const wake = () => wakeUp();
  const woken = (timeoutMs: number) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, timeoutMs));
    wakeUp = () => { clearTimeout(timer); resolve(); };
  });
  port.on('message', (message: MainToWorker) => {
    if (message.type === 'go') {
      startAtMs = message.startAtMs;
      releaseStart();
    } else if (message.type === 'snapshot') {
      post({ type: 'snapshot', workerId, seq: message.seq, interval: meter.take() });
    } else {
      stopping = true;
      releaseStart();
      wake();
    }
  });

  try {
    await driver.connect();
  } catch (error) {
    port.close();
    throw error;
  }
  post({ type: 'ready', workerId });
  await started;
  const waitMs = startAtMs - epochMs();
  if (waitMs > 0) await sleep(waitMs);

  const pool = new BatchBufferPool(task.buffers.bufferBytes, task.buffers.buffersPerWorker);
  const accumulator = new RecordAccumulator(pool, {
    batchLimitBytes: task.buffers.batchLimitBytes, lingerUs: config.lingerMs * 1000, newRunAt: task.warmupRecords,
    listRecords: driver.takes === 'listed',
  });
  const startUs = nowUs();
  meter.startsAt(startUs);
  const firstSendAtMs = epochMs();
  let lastAckAtMs = firstSendAtMs;
  let firstSteadyAtMs: number | undefined;
  let lastSuccessUs = startUs;
  let requests = 0;
  let inFlight = 0;
  let bufferWaitUs = 0;

  const acknowledged = new BigInt64Array(task.acknowledged);
  const onAcknowledged = (batch: ProducerBatch) => {
    Atomics.add(acknowledged, workerId, BigInt(batch.recordCount));
    const ackUs = nowUs();
    lastSuccessUs = ackUs;
    lastAckAtMs = epochMs();
    meter.acknowledged(batch, ackUs);
  };
  const onFailed = (batch: ProducerBatch, error: unknown) => {
    const type = errorTypeOf(error);
    meter.failed(type, batch.recordCount);
    if (FATAL_ERROR_TYPES.has(type)) {
      fatal ??= { code: type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE' ? 'DS_RECORD_TOO_LARGE' : 'DS_PRODUCE_FAILED',
        message: `the broker refused a batch of ${batch.recordCount} records (${batch.sizeBytes} bytes): ${type}` };
    } else if (nowUs() - lastSuccessUs > BROKER_LOST_AFTER_US) {
      fatal ??= { code: 'DS_BROKER_LOST', message: `no acknowledgement for ${Math.round((nowUs() - lastSuccessUs) / 1e6)} s; last error: ${(error as Error).message}` };
    }
  };
  // kafkajs rolls an idempotent partition's sequence back when a send fails: with two batches of a partition in
  // flight a broker failure then fails records with OUT_OF_ORDER_SEQUENCE_NUMBER; platformatic advances a partition's
  // sequence only on its acknowledgement, so a second batch in flight would reuse it. One at a time per partition.
  const partitionsInFlight = new Set<number>();
  const partitionBusy = config.idempotent ? (partition: number) => partitionsInFlight.has(partition) : undefined;
  const send = (batch: ProducerBatch) => {
    inFlight++;
    requests++;
    partitionsInFlight.add(batch.partition);
    driver.send(batch).then(
      async () => { onAcknowledged(batch); await driver.released(); accumulator.release(batch, true); },
      (error: unknown) => { onFailed(batch, error); accumulator.release(batch, false); },
    ).finally(() => {
      inFlight--;
      partitionsInFlight.delete(batch.partition);
      wake();
    });
  };
  /** Sends what is ready while request slots are free; `drain`: everything appended. */
  const dispatch = (now: number, drain: boolean) => {
    while (inFlight < config.maxInFlight && fatal === undefined) {
      const batch = accumulator.next(now, drain, partitionBusy);
      if (!batch) return;
      send(batch);
    }
  };

  const keyFor = (index: number) => (keys.length === 0 ? -1 : config.keys === 'random' ? Math.floor(Math.random() * keys.length) : index % keys.length);
  const ownPartitions = task.partitions;
  let stickyTurn = 0;
  /** Appends record `index`; false when no buffer is free. Unkeyed records stick to a partition until its batch leaves. */
  const append = (index: number, appendUs: number): boolean => {
    const keyIndex = keyFor(index);
    const value = objects ? schema!.toBuffer(objects[index % objects.length]) : values[index % values.length];
    if (keyIndex >= 0) return accumulator.append(keyPartitions[keyIndex], keys[keyIndex], value, index, appendUs);
    if (accumulator.appendToOpen(ownPartitions[stickyTurn % ownPartitions.length], null, value, index, appendUs)) return true;
    // A new batch: on the next partition, which stays the sticky one only once the record is in.
    if (!accumulator.append(ownPartitions[(stickyTurn + 1) % ownPartitions.length], null, value, index, appendUs)) return false;
    stickyTurn++;
    return true;
  };

  const endUs = config.durationMs !== undefined ? startUs + config.durationMs * 1000 : Infinity;
  const total = task.records ?? Infinity;
  const maxBlockUs = config.maxBlockMs * 1000;
  let generated = 0;
  let blockedSinceUs: number | undefined;
  while (!stopping && fatal === undefined && generated < total) {
    let now = nowUs();
    if (now >= endUs) break;
    // Under a rate limit only the records whose intended time has come are appended.
    const due = perRecordUs > 0 ? Math.min(total, Math.floor((now - startUs) / perRecordUs) + 1) : total;
    const sliceEndUs = now + SLICE_US;
    let blocked = false;
    // Records go in chunks stamped with one clock reading; between chunks, batches that have lingered leave.
    while (generated < due && !blocked) {
      const chunkEnd = Math.min(due, generated + CHUNK_RECORDS);
      while (generated < chunkEnd) {
        if (!append(generated, now)) {
          blocked = true;
          break;
        }
        if (generated === task.warmupRecords) firstSteadyAtMs = epochMs();
        generated++;
      }
      now = nowUs();
      dispatch(now, blocked);
      if (now >= sliceEndUs) break;
    }
    if (blocked) {
      // buffer.memory is full: wait for an acknowledgement to free a buffer, at most max.block.ms in all.
      blockedSinceUs ??= now;
      if (now - blockedSinceUs >= maxBlockUs) {
        meter.failed('BufferExhaustedTimeout', 1);
        generated++;
        blockedSinceUs = undefined;
        await yieldToIo();
      } else {
        await woken((blockedSinceUs + maxBlockUs - now) / 1000);
        bufferWaitUs += nowUs() - now;
      }
      continue;
    }
    blockedSinceUs = undefined;
    if (generated < due) {
      await yieldToIo();
    } else if (generated < total) {
      const nextDueUs = startUs + generated * perRecordUs;
      await woken((Math.min(nextDueUs, accumulator.lingerDeadlineUs(), endUs) - nowUs()) / 1000);
      dispatch(nowUs(), false);
    }
  }
  // The end (or a stop): what was appended is sent, unless a fatal error makes sending pointless.
  while (inFlight > 0 || (fatal === undefined && accumulator.waiting > 0)) {
    dispatch(nowUs(), true);
    await woken(1000);
  }

  await driver.close();
  const wireBytes = driver.wireBytes();
  if (fatal) post({ type: 'fatal', workerId, ...fatal });
  const last = meter.take();
  port.close();
  return { workerId, last, wireBytes, requests, firstSendAtMs, lastAckAtMs, firstSteadyAtMs, bufferWaitMs: bufferWaitUs / 1000 };
}
