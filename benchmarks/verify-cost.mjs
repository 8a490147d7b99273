#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    'What --verify costs the send: `datastorm produce` with and without it, the same settings, alternated within each',
    'repetition on a fresh topic each, medians printed, for each batch encoding. records/s is the run\'s own (from the',
    'first send to the last acknowledgement); CPU is the producer process\'s (user + system, all its threads) per 1M',
    'records, read at the last acknowledgement: the read-back that follows a verified run is timed apart (read s) and',
    'is not in either figure. Needs `npm run build` first.',
  ],
  options: {
    records: { type: 'string', value: 'N', default: '1000000', help: 'records per run' },
    workers: { type: 'string', value: 'N', default: '2', help: 'workers of every run' },
    partitions: { type: 'string', value: 'N', default: '4', help: 'partitions of each fresh topic' },
    encodings: { type: 'string', value: 'LIST', default: 'pre-encoded,per-record', help: '--batch-encoding values, a pair of runs each' },
    repeat: { type: 'string', value: 'N', default: '3', help: 'pairs of runs per encoding; medians printed' },
    'bootstrap-server': { type: 'string', value: 'HOST:PORT,...', help: 'the cluster (default: the local one, started for each run when none is running)' },
  },
});
const cli = fileURLToPath(new URL('../bin/datastorm.js', import.meta.url));
const server = opts['bootstrap-server'] ? ['--bootstrap-server', opts['bootstrap-server']] : [];
const run = Date.now().toString(36);
let cellNo = 0;

/** One produce run: records/s, CPU s per 1M records, and (verified) the read-back's seconds and what it found. */
function produce(encoding, verify) {
  const topic = `verify-cost-${run}-${++cellNo}`;
  const args = [cli, 'produce', ...server, '--topic', topic, '--num-records', opts.records, '--workers', opts.workers,
    '--partitions', opts.partitions, '--batch-encoding', encoding, ...(verify ? ['--verify'] : []), '--json'];
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${encoding}${verify ? ' --verify' : ''} failed: ${child.stderr.trim().split('\n').at(-1)}`);
  const result = JSON.parse(child.stdout);
  const cpuS = (result.process.cpuUserMs + result.process.cpuSystemMs) / 1000;
  const v = result.verification;
  if (verify && (v.lost || v.duplicated || v.checked !== result.totals.records)) throw new Error(`verification found ${JSON.stringify(v)}`);
  return { rps: result.totals.recordsPerSec, cpuPerM: cpuS / (result.totals.records / 1e6), readS: verify ? v.readMs / 1000 : 0 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const rows = [];
for (const encoding of opts.encodings.split(',')) {
  const plain = [];
  const verified = [];
  for (let i = 0; i < Number(opts.repeat); i++) {
    plain.push(produce(encoding, false));
    verified.push(produce(encoding, true));
    console.error(`${encoding} #${i + 1}: ${plain.at(-1).rps.toFixed(0)} rec/s, ${plain.at(-1).cpuPerM.toFixed(2)} CPU s/1M; ` +
      `--verify ${verified.at(-1).rps.toFixed(0)} rec/s, ${verified.at(-1).cpuPerM.toFixed(2)} CPU s/1M, read back in ${verified.at(-1).readS.toFixed(1)} s`);
  }
  const of = (runs, key) => median(runs.map((r) => r[key]));
  rows.push({ encoding, rps: of(plain, 'rps'), cpu: of(plain, 'cpuPerM'), vRps: of(verified, 'rps'), vCpu: of(verified, 'cpuPerM'), readS: of(verified, 'readS') });
}
console.log(`${opts.records} records of 250 B, ${opts.workers} workers, ${opts.partitions} partitions, acks=all, median of ${opts.repeat} run(s) each`);
console.log('encoding | rec/s | --verify rec/s | ratio | CPU s/1M | --verify CPU s/1M | ratio | read-back s');
for (const r of rows) {
  console.log(`${r.encoding} | ${r.rps.toFixed(0)} | ${r.vRps.toFixed(0)} | ${(r.vRps / r.rps).toFixed(2)} | ${r.cpu.toFixed(2)} | ${r.vCpu.toFixed(2)} | ` +
    `${(r.vCpu / r.cpu).toFixed(2)} | ${r.readS.toFixed(1)}`);
}
