import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToIo, setTimeout as sleep } from 'node:timers/promises';
import type { Socket } from 'node:net';
import type { Message } from 'kafkajs';
import { compressionTypeOf, registerCodecs } from '../src/codecs.js';
import type { MainToWorker, ProduceTask, WorkerInterval, WorkerSummary, WorkerToMain } from '../src/engine/worker-protocol.js';
import { createHistogram, encodeHistogram, recordLatencyUs } from '../src/histograms.js';
import { createKafka } from '../src/kafka-client.js';
import { buildPayloadPool, loadSchema } from '../src/payloads.js';
import { kafkajsPatched } from '../src/kafkajs-patches.js';

// Java's default partitioner hash, so keyed records land where a Java producer would put them.
const murmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

const KEY_POOL_SIZE = 1024;
/** Errors after which a run cannot go on: retrying would only repeat them. */
const FATAL_ERROR_TYPES = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'UNSUPPORTED_COMPRESSION_TYPE', 'INVALID_REQUIRED_ACKS']);
/** With no acknowledgement for this long while sends fail, the cluster is gone. */
const BROKER_LOST_AFTER_US = 20_000_000;

interface Batch {
  partition: number;
  messages: Message[];
  /** Index of each record in this worker's sequence (for warm-up and intended send times). */
  indexes: number[];
  appendUs: number[];
  bytes: number;
}

const epochMs = () => performance.timeOrigin + performance.now();
const nowUs = () => performance.now() * 1000;

function errorType(error: unknown): string {
  const e = error as { name?: string; type?: string };
  return e.type ?? e.name ?? 'Error';
}

export default async function produceWorker(task: ProduceTask): Promise<WorkerSummary> {
  const { config, port, workerId } = task;
  if (!kafkajsPatched()) throw new Error('kafkajs was loaded without DataStorm\'s fixes: import it from src/kafkajs.ts');
  registerCodecs();
  const values = buildPayloadPool(config.payload, 1 + workerId);
  // --serialize-on-send: the same values, kept as objects and encoded again for every record.
  const schema = config.payload.kind === 'avro' && config.payload.serializeOnSend ? loadSchema(config.payload.schemaFile) : undefined;
  const objects = schema ? values.map((value) => schema.fromBuffer(value) as unknown) : undefined;
  const keys = config.keys === 'none' ? [] : Array.from({ length: KEY_POOL_SIZE }, (_, i) => Buffer.from(`key-${i}`));
  const allPartitions = config.partitions;
  const keyPartitions = keys.map((key) => (murmur2(key) & 0x7fffffff) % allPartitions);

  const sockets: Socket[] = [];
  const kafka = createKafka(task.bootstrap, `datastorm-worker-${workerId}`, {
    // Our own sockets, so that bytes on the wire can be counted exactly.
    socketFactory: ({ host, port: brokerPort, onConnect }) => {
      const socket = connect({ host, port: brokerPort }, onConnect);
      socket.setKeepAlive(true, 60_000);
      sockets.push(socket);
      return socket;
    },
  });
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    idempotent: config.idempotent,
    maxInFlightRequests: config.idempotent ? 1 : undefined,
  });
  const post = (message: WorkerToMain) => port.postMessage(message);

  // Figures since the last snapshot.
  let interval = createHistogram();
  let intendedInterval = createHistogram();
  let steadyInterval = createHistogram();
  let records = 0;
  let payloadBytes = 0;
  let steadyRecords = 0;
  let steadyPayloadBytes = 0;
  let errors: Record<string, number> = {};
  const takeInterval = (): WorkerInterval => {
    const snapshot: WorkerInterval = {
      records, payloadBytes, errors, histogram: encodeHistogram(interval),
      intendedHistogram: task.throughputRps > 0 ? encodeHistogram(intendedInterval) : undefined,
      steadyRecords, steadyPayloadBytes, steadyHistogram: encodeHistogram(steadyInterval),
    };
    interval = createHistogram();
    intendedInterval = createHistogram();
    steadyInterval = createHistogram();
    records = payloadBytes = steadyRecords = steadyPayloadBytes = 0;
    errors = {};
    return snapshot;
  };

  let stopping = false;
  let fatal: { code: string; message: string } | undefined;
  let startAtMs = 0;
  let releaseStart: () => void = () => undefined;
  const started = new Promise<void>((resolve) => { releaseStart = resolve; });
  port.on('message', (message: MainToWorker) => {
    if (message.type === 'go') {
      startAtMs = message.startAtMs;
      releaseStart();
    } else if (message.type === 'snapshot') {
      post({ type: 'snapshot', workerId, seq: message.seq, interval: takeInterval() });
    } else {
      stopping = true;
      releaseStart();
    }
  });

  try {
    await producer.connect();
  } catch (error) {
    port.close();
    throw error;
  }
  post({ type: 'ready', workerId });
  await started;
  const waitMs = startAtMs - epochMs();
  if (waitMs > 0) await sleep(waitMs);

  const compression = compressionTypeOf(config.compression);
  const startUs = nowUs();
  const firstSendAtMs = epochMs();
  let lastAckAtMs = firstSendAtMs;
  let firstSteadyAtMs: number | undefined;
  let lastSuccessUs = startUs;
  let requests = 0;
  let inFlight = 0;
  let slotFreed: () => void = () => undefined;

  const send = (batch: Batch) => {
    inFlight++;
    requests++;
    producer.send({ topic: config.topic, acks: config.acks, compression, messages: batch.messages }).then(() => {
      const ackUs = nowUs();
      lastSuccessUs = ackUs;
      lastAckAtMs = epochMs();
      for (let j = 0; j < batch.indexes.length; j++) {
        const index = batch.indexes[j];
        const bytes = (batch.messages[j].value as Buffer).length;
        recordLatencyUs(interval, ackUs - batch.appendUs[j]);
        if (task.throughputRps > 0) recordLatencyUs(intendedInterval, ackUs - (startUs + (index * 1e6) / task.throughputRps));
        if (index >= task.warmupRecords) {
          recordLatencyUs(steadyInterval, ackUs - batch.appendUs[j]);
          steadyRecords++;
          steadyPayloadBytes += bytes;
        }
        records++;
        payloadBytes += bytes;
      }
    }, (error: unknown) => {
      const type = errorType(error);
      errors[type] = (errors[type] ?? 0) + batch.messages.length;
      if (FATAL_ERROR_TYPES.has(type)) {
        fatal ??= { code: type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE' ? 'DS_RECORD_TOO_LARGE' : 'DS_PRODUCE_FAILED',
          message: `the broker refused a batch of ${batch.messages.length} records (${batch.bytes} bytes): ${type}` };
      } else if (nowUs() - lastSuccessUs > BROKER_LOST_AFTER_US) {
        fatal ??= { code: 'DS_BROKER_LOST', message: `no acknowledgement for ${Math.round((nowUs() - lastSuccessUs) / 1e6)} s; last error: ${(error as Error).message}` };
      }
    }).finally(() => {
      inFlight--;
      slotFreed();
    });
  };
  const slotAvailable = () => new Promise<void>((resolve) => { slotFreed = resolve; });

  // Records are appended to their partition's batch; a batch goes out when it reaches --batch bytes, when it
  // has waited --linger ms, or at the end.
  const open = new Map<number, Batch>();
  const ownPartitions = task.partitions;
  let stickyTurn = 0;
  const lingerUs = config.lingerMs * 1000;
  const endUs = config.durationMs !== undefined ? startUs + config.durationMs * 1000 : Infinity;
  const total = task.records ?? Infinity;
  let generated = 0;

  const flush = (batch: Batch) => {
    open.delete(batch.partition);
    send(batch);
  };
  const append = (index: number, appendUs: number) => {
    const keyIndex = keys.length === 0 ? -1 : config.keys === 'random' ? Math.floor(Math.random() * keys.length) : index % keys.length;
    let partition: number;
    if (keyIndex >= 0) {
      partition = keyPartitions[keyIndex];
    } else {
      partition = ownPartitions[stickyTurn % ownPartitions.length];
    }
    let batch = open.get(partition);
    if (!batch) {
      batch = { partition, messages: [], indexes: [], appendUs: [], bytes: 0 };
      open.set(partition, batch);
    }
    const value = objects ? schema!.toBuffer(objects[index % objects.length]) : values[index % values.length];
    const key = keyIndex >= 0 ? keys[keyIndex] : null;
    batch.messages.push({ key, value, partition });
    batch.indexes.push(index);
    batch.appendUs.push(appendUs);
    batch.bytes += value.length + (key?.length ?? 0);
    if (batch.bytes >= config.batchBytes) {
      flush(batch);
      if (keyIndex < 0) stickyTurn++;
      return true;
    }
    return false;
  };

  const perRecordUs = task.throughputRps > 0 ? 1e6 / task.throughputRps : 0;
  while (!stopping && fatal === undefined && generated < total) {
    const now = nowUs();
    if (now >= endUs) break;
    if (inFlight >= config.maxInFlight) {
      await slotAvailable();
      continue;
    }
    // Under a rate limit only the records whose intended time has come are appended.
    const due = perRecordUs > 0 ? Math.min(total, Math.floor((now - startUs) / perRecordUs) + 1) : total;
    let sent = false;
    while (generated < due && !sent) {
      sent = append(generated, perRecordUs > 0 ? now : nowUs());
      if (generated === task.warmupRecords) firstSteadyAtMs = epochMs();
      generated++;
    }
    for (const batch of [...open.values()]) {
      if (lingerUs === 0 ? perRecordUs > 0 : now - batch.appendUs[0] >= lingerUs) flush(batch);
    }
    if (sent || generated < due) {
      await yieldToIo();
    } else if (generated < total) {
      const nextDueUs = startUs + generated * perRecordUs;
      const oldest = Math.min(...[...open.values()].map((b) => b.appendUs[0] + lingerUs));
      await sleep(Math.max(1, Math.ceil((Math.min(nextDueUs, oldest, endUs) - nowUs()) / 1000)));
    }
  }
  if (fatal === undefined) for (const batch of [...open.values()]) flush(batch);
  while (inFlight > 0) await slotAvailable();

  await producer.disconnect().catch(() => undefined);
  const wireBytes = sockets.reduce((sum, socket) => sum + socket.bytesWritten, 0);
  if (fatal) post({ type: 'fatal', workerId, ...fatal });
  const last = takeInterval();
  port.close();
  return { workerId, last, wireBytes, requests, firstSendAtMs, lastAckAtMs, firstSteadyAtMs };
}
