#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterUp } from '../dist/src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../dist/src/cluster/settings.js';
import { defaultProduceFlags, toProduceRun } from '../dist/src/run-spec/produce-options.js';
import { parseSize } from '../dist/src/run-spec/parse.js';
import { runJavaProducerPerf } from '../dist/src/bench/java-perf.js';
import { runMeasured } from '../dist/src/bench/reference-tool.js';
import { LIBRDKAFKA_VERSION, rdkafkaPerformance } from '../dist/src/bench/librdkafka-build.js';
import { runRdkafkaPerf } from '../dist/src/bench/rdkafka-perf.js';
import { formatError } from '../dist/src/shared/errors.js';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { machineInfo } from '../dist/src/report/machine.js';
import { maxMessageBytesFor } from '../dist/src/kafka/topic.js';
import { scriptOptions } from './script-options.mjs';

const CLIENT_LABELS = {
  java: 'java ProducerPerformance',
  librdkafka: `librdkafka ${LIBRDKAFKA_VERSION} rdkafka_performance -l`,
  'librdkafka-no-latency': `librdkafka ${LIBRDKAFKA_VERSION} rdkafka_performance, no -l`,
};
const { values: opts, refuse } = scriptOptions(import.meta.url, {
  about: [
    "DataStorm's `produce`, Kafka's Java ProducerPerformance and librdkafka's rdkafka_performance on the same cluster with",
    'the same settings (records, size, acks, batch.size = --batch, linger.ms, buffer.memory, codec, a fresh topic of the',
    'same shape per run), side by side in one run: throughput, client CPU per million records, p99 latency, peak memory,',
    "and DataStorm's ratios to each. rdkafka_performance is built once into the DataStorm home; without a C compiler it",
    'is skipped with the reason. It runs twice: with -l (per-record latency; each value copied into its queue, as an',
    "application's is) and without (no latency; one shared buffer sent with no copy, its cheapest mode).",
    'By default the headline grid: batches 512KB and 16MB, DataStorm with 1, 2 and 16 workers, 2M records, acks=all.',
    "Issue 18's settings: --acks 1 --batches 512KB --workers 1 --codecs none,lz4. Without --bootstrap-server it starts",
    'the local cluster (datastorm cluster up). Needs `npm run build` first.',
  ],
  options: {
    records: { type: 'string', value: 'N', default: '2000000', help: 'records per run' },
    'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
    workers: { type: 'string', value: 'LIST', default: '1,2,16', help: "DataStorm's worker counts, one run each" },
    batches: { type: 'string', value: 'LIST', default: '512KB,16MB', help: 'batch sizes (batch.size = --batch), one run each' },
    codecs: { type: 'string', value: 'LIST', default: 'none', help: 'codecs, one run each' },
    acks: { type: 'string', value: 'all|1|0', default: 'all', help: 'acks for every client' },
    linger: { type: 'string', value: 'MS', default: '5', help: 'linger.ms for every client' },
    'buffer-memory': { type: 'string', value: 'SIZE', default: '32MB', help: 'buffer.memory for every client' },
    partitions: { type: 'string', value: 'N', default: '8', help: 'partitions of each fresh topic (replication 3)' },
    clients: { type: 'string', value: 'LIST', default: 'java,librdkafka,librdkafka-no-latency', help: `the other clients: ${Object.keys(CLIENT_LABELS).join(', ')}` },
    repeat: { type: 'string', value: 'N', default: '1', help: 'runs of each cell, the contenders alternated; medians printed' },
    'bootstrap-server': { type: 'string', value: 'HOST:PORT,...', help: 'the cluster (default: the local one, started if needed)' },
    marginal: { type: 'boolean', help: "also run a fifth of the records, to print the CPU per 1M records beyond what a process spends whatever the count (a JVM's or Node's start-up, connecting)" },
    values: { type: 'string', value: 'avro|librdkafka', default: 'avro', choices: ['avro', 'librdkafka'], help: "the values: DataStorm's Avro events, or rdkafka_performance's own pattern for every client" },
    json: { type: 'string', value: 'FILE', help: 'also write the rows and ratios as JSON there' },
  },
});
let clients = opts.clients.split(',').filter(Boolean);
const unknownClient = clients.find((client) => !(client in CLIENT_LABELS));
if (unknownClient) refuse(`--clients: unknown client ${unknownClient}; known: ${Object.keys(CLIENT_LABELS).join(', ')}`);
const bootstrap = opts['bootstrap-server']?.split(',')
  ?? (await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log: (l) => console.error(l) })).bootstrap;
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
// --values librdkafka: DataStorm and Java send rdkafka_performance's own values ("librdkafka_performance testing!"
// over and over, which LZ4 shrinks far more than Avro events), so that compressed runs put the same bytes on the wire.
const RDKAFKA_PATTERN = 'librdkafka_performance testing!';
const payloadFile = opts.values === 'librdkafka' ? join(mkdtempSync(join(tmpdir(), 'datastorm-values-')), 'values.txt') : undefined;
if (payloadFile) writeFileSync(payloadFile, RDKAFKA_PATTERN.repeat(Math.ceil(Number(opts['record-size']) / RDKAFKA_PATTERN.length)).slice(0, Number(opts['record-size'])));
const valueArgs = payloadFile ? ['--payload-file', payloadFile] : ['--record-size', opts['record-size']];
const withValues = (config) => (payloadFile ? { ...config, payload: { kind: 'file', path: payloadFile, delimiter: '\n' } } : config);
const run = Date.now().toString(36);
const mib = (bytes) => bytes / 1024 / 1024;
const cpuSeconds = (p) => (p.cpuUserMs + p.cpuSystemMs) / 1000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2; };

if (clients.some((client) => client.startsWith('librdkafka'))) {
  try {
    await rdkafkaPerformance({ log: (line) => console.error(line) });
  } catch (error) {
    console.log(`librdkafka skipped: ${formatError(error)}`);
    clients = clients.filter((client) => !client.startsWith('librdkafka'));
  }
}

function configFor(topic, codec, batch, workers) {
  const flags = { ...defaultProduceFlags(), topic, numRecords: Number(opts.records), recordSize: Number(opts['record-size']),
    compression: codec, acks: opts.acks === 'all' ? -1 : Number(opts.acks), batch: parseSize('--batch', batch),
    linger: Number(opts.linger), bufferMemory: parseSize('--buffer-memory', opts['buffer-memory']),
    partitions: Number(opts.partitions), workers };
  return toProduceRun(flags, () => false).config;
}

// Measured as the other tools are: the whole process, by GNU time (or /proc), start-up included.
async function runDataStorm(config) {
  const args = ['produce', '--bootstrap-server', bootstrap.join(','), '--json', '--topic', config.topic,
    '--num-records', String(config.numRecords), ...valueArgs,
    '--compression', config.compression, '--acks', String(config.acks), '--batch', String(config.batchBytes),
    '--linger', String(config.lingerMs), '--buffer-memory', String(config.bufferMemoryBytes),
    '--partitions', String(config.partitions), '--workers', String(config.workers)];
  // The bin itself, as an installed `datastorm` runs: its first line sets Node's flags.
  const run = await runMeasured(cli, args, 'datastorm produce');
  const result = JSON.parse(run.stdout);
  return {
    recordsPerSec: result.totals.recordsPerSec, avgMs: result.latency.meanUs / 1000, p99Ms: result.latency.p99Us / 1000,
    cpuS: cpuSeconds(run.process), rssMiB: mib(run.process.peakRssBytes), accountingOk: result.accounting.match,
    records: result.totals.records, batchEncoding: result.config.batchEncoding,
  };
}

/** The other tools do not create topics: made with Kafka's own tool, shaped as DataStorm makes its own. */
function createTopic(config) {
  const made = spawnSync(process.execPath, [cli, 'kafka-tool', 'topics', '--', '--bootstrap-server', bootstrap[0], '--create', '--topic', config.topic,
    '--partitions', String(config.partitions), '--replication-factor', String(config.replication),
    '--config', `max.message.bytes=${maxMessageBytesFor(config.batchBytes)}`], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`creating ${config.topic} failed:\n${made.stderr}`);
}

async function runClient(client, config) {
  createTopic(config);
  if (client === 'java') {
    const java = await runJavaProducerPerf(withValues(config), bootstrap);
    return {
      recordsPerSec: java.summary.recordsPerSec, avgMs: java.summary.avgLatencyMs, p99Ms: java.summary.p99Ms,
      cpuS: cpuSeconds(java.process), rssMiB: mib(java.process.peakRssBytes), records: java.summary.records, note: `Kafka ${java.kafkaVersion}`,
    };
  }
  const rdkafka = await runRdkafkaPerf(config, bootstrap, client === 'librdkafka' ? {} : { latency: false });
  return {
    recordsPerSec: rdkafka.summary.recordsPerSec, avgMs: rdkafka.latency && rdkafka.latency.meanUs / 1000,
    p99Ms: rdkafka.latency && rdkafka.latency.p99Us / 1000, cpuS: cpuSeconds(rdkafka.process), rssMiB: mib(rdkafka.process.peakRssBytes),
    records: rdkafka.summary.delivered, note: `${rdkafka.summary.backpressures} produce calls back-pressured`,
  };
}

// Each run writes its records 3 times over (RF 3): a topic is deleted once its run is measured, or a long grid
// fills the disk.
const admin = createKafka(bootstrap, 'datastorm-bench-cleanup').admin();
await admin.connect();
const dropTopic = (topic) => admin.deleteTopics({ topics: [topic] }).catch((error) => console.error(`could not delete ${topic}: ${error.message}`));

/**
 * One measured run on a fresh topic, deleted after. --marginal adds a run of a fifth of the records: the CPU the
 * extra records cost, per million, leaves out what a client spends whatever the count (start-up, connecting).
 */
async function withMarginal(runOnce, config) {
  const once = async (c) => {
    try {
      return await runOnce(c);
    } finally {
      await dropTopic(c.topic);
    }
  };
  const full = await once(config);
  if (!opts.marginal) return full;
  const short = await once({ ...config, topic: `${config.topic}-short`, numRecords: Math.round(config.numRecords / 5) });
  return { ...full, marginalCpuS: (full.cpuS - short.cpuS) / ((full.records - short.records) / 1e6) };
}

const ms = (value) => (value === undefined ? '-' : value.toFixed(0));
const fmt = (r) => `${r.recordsPerSec.toFixed(0)} records/s, avg ${ms(r.avgMs)} ms, p99 ${ms(r.p99Ms)} ms, ` +
  `CPU ${r.cpuS.toFixed(1)} s (${(r.cpuS / (r.records / 1e6)).toFixed(2)} s per 1M records` +
  `${r.marginalCpuS === undefined ? '' : `; marginal ${r.marginalCpuS.toFixed(2)} s per 1M`}), peak RSS ${r.rssMiB.toFixed(0)} MiB`;

const m = machineInfo();
const workerCounts = opts.workers.split(',').map(Number);
console.log(`machine: ${m.cpuCount} x ${m.cpuModel}, ${mib(m.totalMemoryBytes).toFixed(0)} MiB, Node ${m.nodeVersion}; cluster ${bootstrap.join(',')}`);
console.log(`workload: ${opts.records} records of ${opts['record-size']} B, acks=${opts.acks}, linger ${opts.linger} ms, ` +
  `buffer.memory ${opts['buffer-memory']}, ${opts.partitions} partitions RF 3, a fresh topic per run, ${opts.repeat} repeat(s); ` +
  `values: ${payloadFile ? `rdkafka_performance's own ("${RDKAFKA_PATTERN}" repeated) for every client` : 'DataStorm\'s Avro events (rdkafka_performance sends its own pattern)'}`);
const samples = new Map(); // "codec batch contender" -> runs
const keep = (key, r) => samples.set(key, [...(samples.get(key) ?? []), r]);
for (let repeat = 1; repeat <= Number(opts.repeat); repeat++) {
  for (const codec of opts.codecs.split(',')) {
    for (const batch of opts.batches.split(',')) {
      const tag = `${codec} ${batch}`;
      console.log('');
      for (const client of clients) {
        const config = configFor(`bench-${client}-${codec}-${batch}-${run}-${repeat}`, codec, batch, 1);
        const measured = await withMarginal((c) => runClient(client, c), config);
        console.log(`[${tag} #${repeat}] ${CLIENT_LABELS[client]} (${measured.note}): ${fmt(measured)}`);
        keep(`${tag} ${client}`, measured);
      }
      for (const workers of workerCounts) {
        const dsConfig = configFor(`bench-ds-${codec}-${batch}-w${workers}-${run}-${repeat}`, codec, batch, workers);
        const ds = await withMarginal(runDataStorm, dsConfig);
        console.log(`[${tag} #${repeat}] datastorm --workers ${workers}: ${fmt(ds)}, accounting ${ds.accountingOk ? 'OK' : 'MISMATCH'}`);
        if (!ds.accountingOk) process.exitCode = 1;
        keep(`${tag} w${workers}`, ds);
      }
    }
  }
}

// Medians over the repeats: each contender's figures, then DataStorm's ratios to each other client.
const med = (runs, key) => (runs.some((r) => r[key] === undefined) ? undefined : median(runs.map((r) => r[key])));
const cpuPerMillion = (runs) => median(runs.map((r) => r.cpuS / (r.records / 1e6)));
console.log(`\nmedians of ${opts.repeat} run(s); indicative: other work shares this machine's cores`);
const marginalColumn = opts.marginal ? ' | marginal CPU s/1M' : '';
console.log(`codec batch   client                                          | records/s | CPU s/1M | p99 ms | peak RSS MiB${marginalColumn}`);
const rows = [];
const contenders = [...workerCounts.map((workers) => ({ key: `w${workers}`, label: `datastorm --workers ${workers}` })),
  ...clients.map((client) => ({ key: client, label: CLIENT_LABELS[client] }))];
for (const codec of opts.codecs.split(',')) {
  for (const batch of opts.batches.split(',')) {
    for (const { key, label } of contenders) {
      const runs = samples.get(`${codec} ${batch} ${key}`);
      const row = { codec, batch, client: key, recordsPerSec: med(runs, 'recordsPerSec'), cpuPerMillionS: cpuPerMillion(runs),
        p99Ms: med(runs, 'p99Ms'), rssMiB: med(runs, 'rssMiB'), marginalCpuPerMillionS: med(runs, 'marginalCpuS') };
      rows.push(row);
      console.log(`${codec.padEnd(5)} ${batch.padEnd(7)} ${label.padEnd(47)} | ${row.recordsPerSec.toFixed(0).padStart(9)} | ` +
        `${row.cpuPerMillionS.toFixed(2).padStart(8)} | ${ms(row.p99Ms).padStart(6)} | ${row.rssMiB.toFixed(0).padStart(12)}` +
        `${opts.marginal ? ` | ${row.marginalCpuPerMillionS.toFixed(2).padStart(17)}` : ''}`);
    }
  }
}
const rowOf = (codec, batch, client) => rows.find((r) => r.codec === codec && r.batch === batch && r.client === client);
const ratios = [];
console.log('\nDataStorm / other: throughput (higher is better), CPU per record, p99, peak RSS (lower is better)');
for (const codec of opts.codecs.split(',')) {
  for (const batch of opts.batches.split(',')) {
    for (const workers of workerCounts) {
      const ds = rowOf(codec, batch, `w${workers}`);
      for (const client of clients) {
        const other = rowOf(codec, batch, client);
        const ratio = { codec, batch, workers, vs: client, recordsPerSec: ds.recordsPerSec / other.recordsPerSec,
          cpuPerRecord: ds.cpuPerMillionS / other.cpuPerMillionS, p99: other.p99Ms === undefined ? undefined : ds.p99Ms / other.p99Ms,
          rss: ds.rssMiB / other.rssMiB,
          ...(opts.marginal ? { marginalCpuPerRecord: ds.marginalCpuPerMillionS / other.marginalCpuPerMillionS } : {}) };
        ratios.push(ratio);
        console.log(`${codec} ${batch} --workers ${workers} vs ${CLIENT_LABELS[client]}: ${ratio.recordsPerSec.toFixed(2)}x throughput, ` +
          `${ratio.cpuPerRecord.toFixed(2)}x CPU per record, ${ratio.p99 === undefined ? 'p99 -' : `${ratio.p99.toFixed(2)}x p99`}, ` +
          `${ratio.rss.toFixed(2)}x peak RSS` +
          `${ratio.marginalCpuPerRecord === undefined ? '' : `, ${ratio.marginalCpuPerRecord.toFixed(2)}x marginal CPU per record`}`);
      }
    }
  }
}
// Flat cost per record: DataStorm's CPU per record at each batch size against the first one's.
const [firstBatch, ...otherBatches] = opts.batches.split(',');
for (const codec of opts.codecs.split(',')) {
  for (const workers of workerCounts) {
    const base = rowOf(codec, firstBatch, `w${workers}`).cpuPerMillionS;
    for (const batch of otherBatches) {
      const other = rowOf(codec, batch, `w${workers}`).cpuPerMillionS;
      console.log(`${codec} --workers ${workers}: DataStorm CPU per record at ${batch} is ${(other / base).toFixed(2)}x that at ${firstBatch}`);
    }
  }
}
await admin.disconnect();
if (opts.json) writeFileSync(opts.json, `${JSON.stringify({ machine: m, options: opts, clients, rows, ratios }, null, 2)}\n`);
