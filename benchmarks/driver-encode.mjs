#!/usr/bin/env node
import { randomFillSync } from 'node:crypto';
import { produceV11 } from '@platformatic/kafka';
import { RecordAccumulator } from '../dist/src/produce/accumulator.js';
import { BatchBufferPool, REQUEST_ROOM_BYTES } from '../dist/src/produce/batch-buffers.js';
import { writeRecordBatchHeader } from '../dist/src/kafka/record-batch.js';
import { batchMessages } from '../dist/src/drivers/platformatic-driver.js';
import { scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    'Where a produce worker\'s CPU goes before the socket, per driver, with no broker: the same records (250 B values, no',
    'keys, 8 partitions, batches closed at 512 KB as `produce` does by default) appended to DataStorm\'s accumulator and',
    'turned into what each driver hands its socket. kafkajs: the records written in Kafka\'s format as they are',
    'appended, the batch header and CRC32C written in place (src/kafka/kafkajs-patches.ts frames it). platformatic: the',
    'records listed, made into its messages (src/drivers/platformatic-driver.ts), then its own produce request',
    '(produceV11.createRequest: a Writer per record, BigInt timestamps, CRC32C) and its bytes. Prints CPU ms per 1M',
    'records of each stage, median of --repeat. Needs `npm run build` first.',
  ],
  options: {
    records: { type: 'string', value: 'N', default: '1000000', help: 'records per repetition' },
    'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
    repeat: { type: 'string', value: 'N', default: '5', help: 'repetitions; medians printed' },
  },
});
const RECORDS = Number(opts.records);
const PARTITIONS = 8;
const BATCH_BYTES = 512 * 1024;
const values = Array.from({ length: 1024 }, () => randomFillSync(Buffer.alloc(Number(opts['record-size']))));
const TOPIC = 'encode-bench';

/** Appends every record (sticky partition per batch, as the worker does) and hands each closed batch to `take`. */
function accumulate(listRecords, take) {
  const pool = new BatchBufferPool(BATCH_BYTES + REQUEST_ROOM_BYTES, 4);
  const accumulator = new RecordAccumulator(pool, { batchLimitBytes: BATCH_BYTES, lingerUs: 1e12, newRunAt: 0, listRecords });
  let partition = 0;
  const drain = (all) => {
    for (let batch = accumulator.next(0, all); batch; batch = accumulator.next(0, all)) {
      take(batch);
      accumulator.release(batch, true);
    }
  };
  for (let i = 0; i < RECORDS; i++) {
    const value = values[i & 1023];
    if (accumulator.appendToOpen(partition, null, value, i, 0)) continue;
    drain(true); // the sticky partition's batch is full: it leaves (the worker's linger/drain, without the clock)
    partition = (partition + 1) % PARTITIONS;
    if (!accumulator.append(partition, null, value, i, 0)) throw new Error('no free buffer');
  }
  drain(true);
}

const HEADER = { compression: 0, transactional: false, timestampMs: Date.now(), producerId: 7n, producerEpoch: 0, firstSequence: 0 };
const stages = {
  'kafkajs driver: records written as appended, header + CRC32C in place': () => accumulate(false, (batch) => {
    writeRecordBatchHeader(batch.buffer, batch.recordsStart - 61, batch.recordsEnd - batch.recordsStart, { ...HEADER, recordCount: batch.recordCount });
  }),
  'platformatic driver: records listed as appended (no encoding)': () => accumulate(true, () => undefined),
  '  + its messages (batchMessages)': () => accumulate(true, (batch) => batchMessages(TOPIC, batch)),
  '  + its produce request (produceV11.createRequest) and its bytes': () => accumulate(true, (batch) => {
    // As Producer#send rebuilds them: one literal shape (a spread copy here made its encoding 1.6x slower).
    const messages = batchMessages(TOPIC, batch).map(({ key, value, topic, partition }) =>
      ({ key, value, headers: new Map(), topic, partition, timestamp: undefined }));
    produceV11.createRequest(-1, 30_000, messages, { producerId: 7n, producerEpoch: 0, sequences: undefined }).buffer;
  }),
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
for (const run of Object.values(stages)) run(); // warm up every path before measuring any
console.log(`${RECORDS} records of ${opts['record-size']} B, ${PARTITIONS} partitions, batches of ${BATCH_BYTES} B; CPU ms per 1M records, median of ${opts.repeat}`);
for (const [name, run] of Object.entries(stages)) {
  const cpuMs = [];
  for (let i = 0; i < Number(opts.repeat); i++) {
    const before = process.cpuUsage();
    run();
    const used = process.cpuUsage(before);
    cpuMs.push(((used.user + used.system) / 1000) * (1e6 / RECORDS));
  }
  console.log(`${median(cpuMs).toFixed(0).padStart(6)} ms  ${name}`);
}
