#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readClusterState } from '../dist/src/cluster/launcher.js';
import { scriptOptions } from './script-options.mjs';

const { values: opts, refuse } = scriptOptions(import.meta.url, {
  about: [
    'The throughput cost of TLS: `datastorm produce` over the local cluster\'s PLAINTEXT listener and over its SASL_SSL',
    'listener (SCRAM-SHA-512, TLS), side by side with the same settings, for each codec and worker count; prints',
    'records/s of both and the ratio SASL_SSL / PLAINTEXT. The two runs of a cell follow each other on a fresh topic',
    'of the same shape, so both see the same machine; on a small shared machine repeat it (--repeat) and read the medians.',
    'Needs `npm run build` first.',
  ],
  options: {
    dir: { type: 'string', value: 'DIR', required: true, help: 'the cluster folder of `datastorm cluster up --security sasl_ssl --dir DIR`' },
    records: { type: 'string', value: 'N', default: '300000', help: 'records per run' },
    'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
    codecs: { type: 'string', value: 'LIST', default: 'none,lz4', help: 'codecs, a pair of runs each' },
    workers: { type: 'string', value: 'LIST', default: '1,2', help: 'worker counts, a pair of runs each' },
    partitions: { type: 'string', value: 'N', default: '4', help: 'partitions of each fresh topic' },
    repeat: { type: 'string', value: 'N', default: '1', help: 'pairs of runs per cell; medians printed' },
  },
});
const state = readClusterState(opts.dir);
if (!state?.saslSsl) refuse('no cluster with a SASL_SSL listener in that folder: start one with `datastorm cluster up --security sasl_ssl --dir DIR`');
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const replication = String(Math.min(state.nodes.length, 3));
const run = Date.now().toString(36);
const listeners = {
  PLAINTEXT: ['--bootstrap-server', state.bootstrap.join(',')],
  SASL_SSL: ['--bootstrap-server', state.saslSsl.bootstrap.join(','), '--producer.config', state.saslSsl.clientProperties],
};

let cellNo = 0;
function produce(listener, codec, workers) {
  const topic = `tls-cost-${run}-${++cellNo}`;
  const args = [cli, 'produce', ...listeners[listener], '--topic', topic, '--num-records', opts.records,
    '--record-size', opts['record-size'], '--compression', codec, '--workers', workers, '--partitions', opts.partitions,
    '--replication', replication, '--json'];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DATASTORM_CLUSTER_DIR: opts.dir } });
  if (child.status !== 0) throw new Error(`${listener} ${codec} ${workers} workers failed: ${child.stderr.trim().split('\n').at(-1)}`);
  return JSON.parse(child.stdout).totals.recordsPerSec;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const rows = [];
for (const codec of opts.codecs.split(',')) {
  for (const workers of opts.workers.split(',')) {
    const plain = [];
    const secure = [];
    for (let i = 0; i < Number(opts.repeat); i++) {
      plain.push(produce('PLAINTEXT', codec, workers));
      secure.push(produce('SASL_SSL', codec, workers));
    }
    const row = { codec, workers, plaintext: median(plain), saslSsl: median(secure) };
    rows.push(row);
    console.error(`${codec} ${workers} worker(s): PLAINTEXT ${row.plaintext.toFixed(0)} rec/s, SASL_SSL ${row.saslSsl.toFixed(0)} rec/s`);
  }
}
console.log(`${opts.records} records of ${opts['record-size']} B, acks=all, ${state.nodes.length} brokers, ${opts.partitions} partitions, ` +
  `median of ${opts.repeat} run(s) each`);
console.log('codec | workers | PLAINTEXT rec/s | SASL_SSL rec/s | SASL_SSL / PLAINTEXT');
for (const r of rows) {
  console.log(`${r.codec} | ${r.workers} | ${r.plaintext.toFixed(0)} | ${r.saslSsl.toFixed(0)} | ${(r.saslSsl / r.plaintext).toFixed(2)}`);
}
