#!/usr/bin/env node
// DataStorm's `produce` and Kafka's Java ProducerPerformance on the same cluster with the same settings, side by
// side in one run: prints both summary lines, the ratio of their throughputs and each one's peak memory.
// Usage: npm run build && node benchmarks/produce-vs-java.mjs [--records 1000000] [--record-size 250]
//          [--workers 1,4,16] [--codecs none,lz4] [--acks 1] [--batch 512KB] [--bootstrap-server host:port]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { clusterUp } from '../dist/src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../dist/src/cluster/settings.js';
import { defaultProduceFlags, toRunConfig } from '../dist/src/cli/produce-options.js';
import { parseSize } from '../dist/src/cli/parse.js';
import { runJavaProducerPerf } from '../dist/src/java-perf.js';
import { machineInfo } from '../dist/src/machine.js';

const { values: opts } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    'record-size': { type: 'string', default: '250' },
    workers: { type: 'string', default: '1,4,16' },
    codecs: { type: 'string', default: 'none,lz4' },
    acks: { type: 'string', default: '1' },
    batch: { type: 'string', default: '512KB' },
    partitions: { type: 'string', default: '8' },
    'bootstrap-server': { type: 'string' },
  },
});
const bootstrap = opts['bootstrap-server']?.split(',')
  ?? (await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log: (l) => console.error(l) })).bootstrap;
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const run = Date.now().toString(36);
const mib = (bytes) => (bytes / 1024 / 1024).toFixed(0);

function configFor(topic, codec, workers) {
  const flags = { ...defaultProduceFlags(), topic, numRecords: Number(opts.records), recordSize: Number(opts['record-size']),
    compression: codec, acks: Number(opts.acks === 'all' ? -1 : opts.acks), batch: parseSize('--batch', opts.batch),
    partitions: Number(opts.partitions), workers };
  return toRunConfig(flags, () => false);
}

function runDataStorm(config) {
  const args = ['produce', '--bootstrap-server', bootstrap.join(','), '--json', '--topic', config.topic,
    '--num-records', String(config.numRecords), '--record-size', String(config.payload.recordSizeBytes),
    '--compression', config.compression, '--acks', String(config.acks), '--batch', String(config.batchBytes),
    '--linger', String(config.lingerMs), '--partitions', String(config.partitions), '--workers', String(config.workers)];
  const child = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`datastorm ${args.join(' ')} failed:\n${child.stderr}`);
  return { result: JSON.parse(child.stdout), summaryLine: child.stderr.split('\n').find((l) => / records sent, .* 99\.9th\.$/.test(l)) };
}

const m = machineInfo();
console.log(`machine: ${m.cpuCount} x ${m.cpuModel}, ${mib(m.totalMemoryBytes)} MiB, Node ${m.nodeVersion}; cluster ${bootstrap.join(',')}`);
console.log(`workload: ${opts.records} records of ${opts['record-size']} B, acks=${opts.acks}, batch ${opts.batch}, ${opts.partitions} partitions, fresh topic per run`);
const rows = [];
for (const codec of opts.codecs.split(',')) {
  const javaConfig = configFor(`bench-java-${codec}-${run}`, codec, 1);
  // Java's tool does not create topics: DataStorm's run on an empty count would; create it with Kafka's own tool.
  spawnSync(process.execPath, [cli, 'kafka-tool', 'topics', '--', '--bootstrap-server', bootstrap[0], '--create', '--topic', javaConfig.topic,
    '--partitions', opts.partitions, '--replication-factor', '3', '--config', `max.message.bytes=${Math.ceil(javaConfig.batchBytes * 1.2) + 1048576}`], { stdio: 'ignore' });
  const java = await runJavaProducerPerf(javaConfig, bootstrap);
  console.log(`\n[${codec}] java ProducerPerformance (Kafka ${java.kafkaVersion}):`);
  console.log(`  ${java.summary.records} records sent, ${java.summary.recordsPerSec.toFixed(1)} records/sec (${java.summary.mbPerSec} MB/sec), ${java.summary.avgLatencyMs} ms avg latency, p99 ${java.summary.p99Ms} ms; peak RSS ${mib(java.process.peakRssBytes)} MiB, CPU ${((java.process.cpuUserMs + java.process.cpuSystemMs) / 1000).toFixed(1)} s`);
  for (const workers of opts.workers.split(',').map(Number)) {
    const { result, summaryLine } = runDataStorm(configFor(`bench-ds-${codec}-w${workers}-${run}`, codec, workers));
    const ratio = result.totals.recordsPerSec / java.summary.recordsPerSec;
    console.log(`[${codec}] datastorm --workers ${workers}:`);
    console.log(`  ${summaryLine}`);
    console.log(`  peak RSS ${mib(result.process.peakRssBytes)} MiB, CPU ${((result.process.cpuUserMs + result.process.cpuSystemMs) / 1000).toFixed(1)} s, ` +
      `wire ${mib(result.totals.wireBytes)} MiB (ratio ${result.totals.compressionRatio.toFixed(2)}), accounting ${result.accounting.match ? 'OK' : 'MISMATCH'}; ` +
      `DataStorm/Java throughput ${ratio.toFixed(2)}`);
    rows.push({ codec, workers, dsRps: result.totals.recordsPerSec, javaRps: java.summary.recordsPerSec, ratio, dsRssMiB: mib(result.process.peakRssBytes), javaRssMiB: mib(java.process.peakRssBytes) });
  }
}
console.log('\ncodec  workers  datastorm rec/s  java rec/s  ratio  datastorm RSS MiB  java RSS MiB');
for (const r of rows) {
  console.log(`${r.codec.padEnd(6)} ${String(r.workers).padStart(7)} ${r.dsRps.toFixed(0).padStart(16)} ${r.javaRps.toFixed(0).padStart(11)} ${r.ratio.toFixed(2).padStart(6)} ${r.dsRssMiB.padStart(18)} ${r.javaRssMiB.padStart(13)}`);
}
