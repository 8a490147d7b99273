#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { alternatedMedians, benchOptions, cli, DRIVERS } from './driver-bench.mjs';

const opts = benchOptions(import.meta.url, [
  'kafkajs vs @platformatic/kafka behind DataStorm\'s ConsumerDriver seam: `datastorm consume --driver <d>` over the',
  'same topic (written once, by produce), a fresh group each run, for each worker count; prints records/s (Kafka\'s',
  'nMsg.sec, and fetch.nMsg.sec without the group\'s join), process CPU per 1M records (every thread, user + system,',
  'from process.cpuUsage() at exit: module loading and the group join included) and the ratios platformatic / kafkajs.',
  'The topic is deleted at the end (1M records of 250 B at replication 3 take 750 MB of disk).',
], { 'cpu-prof': { type: 'string', value: 'DIR', help: 'one V8 CPU profile per thread of each run there (node --cpu-prof), where each driver spends its time' } });
const server = opts['bootstrap-server'];
const run = Date.now().toString(36);
const topic = `consume-drivers-${run}`;
/** Preloaded into each consume process: its CPU time, all threads, on stderr as it exits (a pipe: written at once). */
const CPU_AT_EXIT = "data:text/javascript,process.on('exit',()=>process.stderr.write('cpu-usage '+JSON.stringify(process.cpuUsage())+'\\n'))";
const admin = createKafka(server.split(','), 'datastorm-consume-drivers-bench').admin();
await admin.connect();

function datastorm(nodeArgs, args) {
  const child = spawnSync(process.execPath, [...nodeArgs, cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`datastorm ${args.slice(0, 3).join(' ')} failed: ${child.stderr.trim().split('\n').filter((line) => !line.startsWith('cpu-usage ')).at(-1)}`);
  return child;
}

let runNo = 0;
/** One run from the start of the topic: records/s, fetch records/s, CPU ms of the whole process per 1M records. */
function consume(driver, workers) {
  const name = `${driver}-${workers}w-${++runNo}`;
  const profile = opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', `${opts['cpu-prof']}/${name}`] : [];
  const child = datastorm(['--import', CPU_AT_EXIT, ...profile], ['consume', '--driver', driver, '--bootstrap-server', server,
    '--topic', topic, '--num-records', opts.records, '--workers', workers, '--group', `${topic}-${name}`, '--json']);
  const result = JSON.parse(child.stdout);
  if (!result.accounting.match || result.totals.records !== Number(opts.records)) throw new Error(`${driver} ${workers} workers: accounting does not hold`);
  const { user, system } = JSON.parse(/^cpu-usage (.+)$/m.exec(child.stderr)[1]);
  return {
    recordsPerSec: result.totals.recordsPerSec,
    fetchRecordsPerSec: result.totals.fetchRecordsPerSec,
    cpuMsPer1M: ((user + system) / 1000 / result.totals.records) * 1e6,
  };
}

const ratio = (row, field) => (row.platformatic[field] / row.kafkajs[field]).toFixed(2);

try {
  datastorm([], ['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', opts.records, '--record-size', opts['record-size'],
    '--partitions', opts.partitions, '--workers', '2']);
  console.log(`${opts.records} records of ${opts['record-size']} B (no key, uncompressed) on ${opts.partitions} partitions, written once; ` +
    `median of ${opts.repeat} run(s) each, a fresh group per run; CPU: the whole process, user + system, per 1M records`);
  console.log('workers | kafkajs rec/s | platformatic rec/s | ratio | kafkajs fetch rec/s | platformatic fetch rec/s | ratio | ' +
    'kafkajs CPU s/1M | platformatic CPU s/1M | ratio');
  for (const workers of opts.workers.split(',')) {
    const { runs, medians: row } = await alternatedMedians(Number(opts.repeat), ['recordsPerSec', 'fetchRecordsPerSec', 'cpuMsPer1M'],
      (driver) => consume(driver, workers));
    const k = row.kafkajs;
    const p = row.platformatic;
    console.log(`${workers} | ${k.recordsPerSec.toFixed(0)} | ${p.recordsPerSec.toFixed(0)} | ${ratio(row, 'recordsPerSec')} | ` +
      `${k.fetchRecordsPerSec.toFixed(0)} | ${p.fetchRecordsPerSec.toFixed(0)} | ${ratio(row, 'fetchRecordsPerSec')} | ` +
      `${(k.cpuMsPer1M / 1000).toFixed(2)} | ${(p.cpuMsPer1M / 1000).toFixed(2)} | ${ratio(row, 'cpuMsPer1M')}`);
    console.error(`${workers} worker(s): ` + DRIVERS.map((d) => `${d} ${runs[d].map((r) => r.recordsPerSec.toFixed(0)).join(', ')} rec/s`).join('; '));
  }
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch((error) => console.error(`topic ${topic} left behind: ${error.message}`));
  await admin.disconnect();
}
