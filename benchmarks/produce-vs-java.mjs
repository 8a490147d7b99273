#!/usr/bin/env node
// DataStorm's `produce` and Kafka's Java ProducerPerformance on the same cluster with the same settings (records,
// size, acks, batch.size = --batch, linger.ms, buffer.memory, codec, a fresh topic of the same shape per run), side
// by side in one run: throughput and its ratio, client CPU per million records, p99 latency and peak memory.
// By default the headline grid: batches 512KB and 16MB, DataStorm with 1, 2 and 16 workers, 2M records, acks=all.
// Usage: npm run build && node benchmarks/produce-vs-java.mjs [--records 2000000] [--record-size 250]
//          [--workers 1,2,16] [--batches 512KB,16MB] [--codecs none] [--acks all] [--linger 5] [--buffer-memory 32MB]
//          [--partitions 8] [--repeat 1] [--bootstrap-server host:port] [--json file]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { clusterUp } from '../dist/src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../dist/src/cluster/settings.js';
import { defaultProduceFlags, toProduceRun } from '../dist/src/run-spec/produce-options.js';
import { parseSize } from '../dist/src/run-spec/parse.js';
import { runJavaProducerPerf } from '../dist/src/bench/java-perf.js';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { machineInfo } from '../dist/src/report/machine.js';
import { maxMessageBytesFor } from '../dist/src/kafka/topic.js';

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '2000000' },
    'record-size': { type: 'string', default: '250' },
    workers: { type: 'string', default: '1,2,16' },
    batches: { type: 'string', default: '512KB,16MB' },
    codecs: { type: 'string', default: 'none' },
    acks: { type: 'string', default: 'all' },
    linger: { type: 'string', default: '5' },
    'buffer-memory': { type: 'string', default: '32MB' },
    partitions: { type: 'string', default: '8' },
    repeat: { type: 'string', default: '1' },
    'bootstrap-server': { type: 'string' },
    json: { type: 'string' },
  },
});
const bootstrap = opts['bootstrap-server']?.split(',')
  ?? (await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log: (l) => console.error(l) })).bootstrap;
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const run = Date.now().toString(36);
const mib = (bytes) => bytes / 1024 / 1024;
const cpuSeconds = (p) => (p.cpuUserMs + p.cpuSystemMs) / 1000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2; };

function configFor(topic, codec, batch, workers) {
  const flags = { ...defaultProduceFlags(), topic, numRecords: Number(opts.records), recordSize: Number(opts['record-size']),
    compression: codec, acks: opts.acks === 'all' ? -1 : Number(opts.acks), batch: parseSize('--batch', batch),
    linger: Number(opts.linger), bufferMemory: parseSize('--buffer-memory', opts['buffer-memory']),
    partitions: Number(opts.partitions), workers };
  return toProduceRun(flags, () => false).config;
}

function runDataStorm(config) {
  const args = ['produce', '--bootstrap-server', bootstrap.join(','), '--json', '--topic', config.topic,
    '--num-records', String(config.numRecords), '--record-size', String(config.payload.recordSizeBytes),
    '--compression', config.compression, '--acks', String(config.acks), '--batch', String(config.batchBytes),
    '--linger', String(config.lingerMs), '--buffer-memory', String(config.bufferMemoryBytes),
    '--partitions', String(config.partitions), '--workers', String(config.workers)];
  const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`datastorm ${args.join(' ')} failed:\n${child.stderr}`);
  const result = JSON.parse(child.stdout);
  return {
    recordsPerSec: result.totals.recordsPerSec, avgMs: result.latency.meanUs / 1000, p99Ms: result.latency.p99Us / 1000,
    cpuS: cpuSeconds(result.process), rssMiB: mib(result.process.peakRssBytes), accountingOk: result.accounting.match,
    records: result.totals.records,
  };
}

async function runJava(config) {
  // Java's tool does not create topics: made with Kafka's own tool, shaped as DataStorm makes its own.
  const made = spawnSync(process.execPath, [cli, 'kafka-tool', 'topics', '--', '--bootstrap-server', bootstrap[0], '--create', '--topic', config.topic,
    '--partitions', String(config.partitions), '--replication-factor', String(config.replication),
    '--config', `max.message.bytes=${maxMessageBytesFor(config.batchBytes)}`], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`creating ${config.topic} failed:\n${made.stderr}`);
  const java = await runJavaProducerPerf(config, bootstrap);
  return {
    recordsPerSec: java.summary.recordsPerSec, avgMs: java.summary.avgLatencyMs, p99Ms: java.summary.p99Ms,
    cpuS: cpuSeconds(java.process), rssMiB: mib(java.process.peakRssBytes), records: java.summary.records, kafkaVersion: java.kafkaVersion,
  };
}

// Each run writes its records 3 times over (RF 3): a topic is deleted once its run is measured, or a long grid
// fills the disk.
const admin = createKafka(bootstrap, 'datastorm-bench-cleanup').admin();
await admin.connect();
const dropTopic = (topic) => admin.deleteTopics({ topics: [topic] }).catch((error) => console.error(`could not delete ${topic}: ${error.message}`));

const fmt = (r) => `${r.recordsPerSec.toFixed(0)} records/s, avg ${r.avgMs.toFixed(0)} ms, p99 ${r.p99Ms.toFixed(0)} ms, ` +
  `CPU ${r.cpuS.toFixed(1)} s (${(r.cpuS / (r.records / 1e6)).toFixed(2)} s per 1M records), peak RSS ${r.rssMiB.toFixed(0)} MiB`;

const m = machineInfo();
const workerCounts = opts.workers.split(',').map(Number);
console.log(`machine: ${m.cpuCount} x ${m.cpuModel}, ${mib(m.totalMemoryBytes).toFixed(0)} MiB, Node ${m.nodeVersion}; cluster ${bootstrap.join(',')}`);
console.log(`workload: ${opts.records} records of ${opts['record-size']} B, acks=${opts.acks}, linger ${opts.linger} ms, ` +
  `buffer.memory ${opts['buffer-memory']}, ${opts.partitions} partitions RF 3, a fresh topic per run, ${opts.repeat} repeat(s)`);
const samples = new Map(); // "codec batch contender" -> runs
const keep = (key, r) => samples.set(key, [...(samples.get(key) ?? []), r]);
for (let repeat = 1; repeat <= Number(opts.repeat); repeat++) {
  for (const codec of opts.codecs.split(',')) {
    for (const batch of opts.batches.split(',')) {
      const tag = `${codec} ${batch}`;
      const javaConfig = configFor(`bench-java-${codec}-${batch}-${run}-${repeat}`, codec, batch, 1);
      const java = await runJava(javaConfig);
      await dropTopic(javaConfig.topic);
      console.log(`\n[${tag} #${repeat}] java ProducerPerformance (Kafka ${java.kafkaVersion}): ${fmt(java)}`);
      keep(`${tag} java`, java);
      for (const workers of workerCounts) {
        const dsConfig = configFor(`bench-ds-${codec}-${batch}-w${workers}-${run}-${repeat}`, codec, batch, workers);
        const ds = runDataStorm(dsConfig);
        await dropTopic(dsConfig.topic);
        console.log(`[${tag} #${repeat}] datastorm --workers ${workers}: ${fmt(ds)}, accounting ${ds.accountingOk ? 'OK' : 'MISMATCH'}`);
        if (!ds.accountingOk) process.exitCode = 1;
        keep(`${tag} w${workers}`, ds);
      }
    }
  }
}

// Medians over the repeats, DataStorm beside Java for each batch size and worker count.
const med = (runs, key) => median(runs.map((r) => r[key]));
const cpuPerMillion = (runs) => median(runs.map((r) => r.cpuS / (r.records / 1e6)));
console.log(`\nmedians of ${opts.repeat} run(s); ratio = DataStorm / Java`);
console.log('codec batch   workers | DS rec/s Java rec/s ratio | DS CPU s/1M Java CPU s/1M | DS p99 ms Java p99 ms ratio | DS RSS MiB Java RSS MiB');
const rows = [];
for (const codec of opts.codecs.split(',')) {
  for (const batch of opts.batches.split(',')) {
    const java = samples.get(`${codec} ${batch} java`);
    for (const workers of workerCounts) {
      const ds = samples.get(`${codec} ${batch} w${workers}`);
      const row = {
        codec, batch, workers, dsRecordsPerSec: med(ds, 'recordsPerSec'), javaRecordsPerSec: med(java, 'recordsPerSec'),
        dsCpuPerMillionS: cpuPerMillion(ds), javaCpuPerMillionS: cpuPerMillion(java), dsP99Ms: med(ds, 'p99Ms'), javaP99Ms: med(java, 'p99Ms'),
        dsRssMiB: med(ds, 'rssMiB'), javaRssMiB: med(java, 'rssMiB'),
      };
      rows.push(row);
      console.log(`${codec.padEnd(5)} ${batch.padEnd(7)} ${String(workers).padStart(7)} | ${row.dsRecordsPerSec.toFixed(0).padStart(8)} ` +
        `${row.javaRecordsPerSec.toFixed(0).padStart(10)} ${(row.dsRecordsPerSec / row.javaRecordsPerSec).toFixed(2).padStart(5)} | ` +
        `${row.dsCpuPerMillionS.toFixed(2).padStart(11)} ${row.javaCpuPerMillionS.toFixed(2).padStart(13)} | ` +
        `${row.dsP99Ms.toFixed(0).padStart(9)} ${row.javaP99Ms.toFixed(0).padStart(11)} ${(row.dsP99Ms / row.javaP99Ms).toFixed(2).padStart(5)} | ` +
        `${row.dsRssMiB.toFixed(0).padStart(10)} ${row.javaRssMiB.toFixed(0).padStart(12)}`);
    }
  }
}
// Flat cost per record: DataStorm's CPU per record at each batch size against the first one's.
const [firstBatch, ...otherBatches] = opts.batches.split(',');
for (const codec of opts.codecs.split(',')) {
  for (const workers of workerCounts) {
    const base = rows.find((r) => r.codec === codec && r.batch === firstBatch && r.workers === workers).dsCpuPerMillionS;
    for (const batch of otherBatches) {
      const other = rows.find((r) => r.codec === codec && r.batch === batch && r.workers === workers).dsCpuPerMillionS;
      console.log(`${codec} --workers ${workers}: DataStorm CPU per record at ${batch} is ${(other / base).toFixed(2)}x that at ${firstBatch}`);
    }
  }
}
await admin.disconnect();
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ machine: m, options: opts, rows }, null, 2)}\n`);
