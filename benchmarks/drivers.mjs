#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { DRIVERS, alternatedMedians, benchOptions, cli } from './driver-bench.mjs';

const opts = benchOptions(import.meta.url, [
  'kafkajs vs @platformatic/kafka behind DataStorm\'s ProducerDriver seam: `datastorm produce --driver <d>` with identical',
  'settings (the same accumulator, batches, buffer.memory, in-flight limit and meter), for each acks and worker count;',
  'prints records/s, process CPU per 1M records (main thread and workers, user + system) and p99 of both, with the',
  'ratios platformatic / kafkajs, on fresh topics of the same shape, each deleted once it is read (1M records of 250 B',
  'at replication 3 take 750 MB of the brokers\' disk). Each cell\'s line is printed as it completes.',
], { acks: { type: 'string', value: 'LIST', default: 'all,1', help: 'acks values, a cell each (all is idempotent)' } });
const run = Date.now().toString(36);
const admin = createKafka(opts['bootstrap-server'].split(','), 'datastorm-drivers-bench').admin();
await admin.connect();

let cellNo = 0;
/** One run: records/s, CPU ms of the whole process per 1M records, p99 ms; the accounting must hold. */
async function produce(driver, acks, workers) {
  const topic = `drivers-${run}-${++cellNo}`;
  const args = [cli, 'produce', '--driver', driver, '--bootstrap-server', opts['bootstrap-server'], '--topic', topic,
    '--num-records', opts.records, '--record-size', opts['record-size'], '--acks', acks, '--workers', workers,
    '--partitions', opts.partitions, '--json'];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  await admin.deleteTopics({ topics: [topic] }).catch((error) => console.error(`topic ${topic} left behind: ${error.message}`));
  if (child.status !== 0) throw new Error(`${driver} acks ${acks} ${workers} workers failed: ${child.stderr.trim().split('\n').at(-1)}`);
  const result = JSON.parse(child.stdout);
  if (!result.accounting.match) throw new Error(`${driver} acks ${acks} ${workers} workers: accounting does not hold`);
  const cpuMs = result.process.cpuUserMs + result.process.cpuSystemMs;
  return {
    recordsPerSec: result.totals.recordsPerSec,
    cpuMsPer1M: (cpuMs / result.totals.records) * 1e6,
    p99Ms: result.latency.p99Us / 1000,
  };
}

function formatRow(r) {
  const k = r.kafkajs;
  const p = r.platformatic;
  return `${r.acks} | ${r.workers} | ${k.recordsPerSec.toFixed(0)} | ${p.recordsPerSec.toFixed(0)} | ${(p.recordsPerSec / k.recordsPerSec).toFixed(2)} | ` +
    `${(k.cpuMsPer1M / 1000).toFixed(2)} | ${(p.cpuMsPer1M / 1000).toFixed(2)} | ${(p.cpuMsPer1M / k.cpuMsPer1M).toFixed(2)} | ` +
    `${k.p99Ms.toFixed(1)} | ${p.p99Ms.toFixed(1)}`;
}

console.log(`${opts.records} records of ${opts['record-size']} B, ${opts.partitions} partitions, default settings otherwise ` +
  `(acks all is idempotent); median of ${opts.repeat} run(s) each; CPU: the whole process, user + system, per 1M records`);
console.log('acks | workers | kafkajs rec/s | platformatic rec/s | ratio | kafkajs CPU s/1M | platformatic CPU s/1M | ratio | kafkajs p99 ms | platformatic p99 ms');
for (const acks of opts.acks.split(',')) {
  for (const workers of opts.workers.split(',')) {
    const { runs, medians } = await alternatedMedians(Number(opts.repeat), ['recordsPerSec', 'cpuMsPer1M', 'p99Ms'],
      (driver) => produce(driver, acks, workers));
    const row = { acks, workers, ...medians };
    console.log(formatRow(row));
    console.error(`acks ${acks}, ${workers} worker(s): ` + DRIVERS.map((d) => `${d} ${row[d].recordsPerSec.toFixed(0)} rec/s ` +
      `(runs ${runs[d].map((r) => r.recordsPerSec.toFixed(0)).join(', ')})`).join('; '));
  }
}
await admin.disconnect();
