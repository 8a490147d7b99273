#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scriptOptions } from './script-options.mjs';

const { values: opts, refuse } = scriptOptions(import.meta.url, {
  about: [
    'What each codec costs the client, pre-encoded (the default) beside per-record: `datastorm compare --json` for each',
    'batch encoding, the encodings alternated within each repetition, medians printed. A codec\'s cost is the CPU it adds',
    'per 1M records over `none` in the same encoding (the producer process, user + system, from compare\'s own',
    'measurement); the last column is pre-encoded\'s added CPU over per-record\'s, which is 1.0 when every batch is',
    'compressed as it is sent, and near 0 when compressed bytes are reused (add pre-encoded-reused to see it).',
    'Needs `npm run build` first.',
  ],
  options: {
    codecs: { type: 'string', value: 'LIST', default: 'none,gzip,snappy,lz4,zstd', help: 'codecs compared, none first (each codec\'s cost is counted over it)' },
    workers: { type: 'string', value: 'N', default: '1', help: 'workers of every run' },
    records: { type: 'string', value: 'N', default: '1000000', help: 'records per point' },
    repeat: { type: 'string', value: 'N', default: '3', help: 'repetitions, the encodings alternated; medians printed' },
    encodings: { type: 'string', value: 'LIST', default: 'pre-encoded,per-record', help: '--batch-encoding values, one compare each' },
    'bootstrap-server': { type: 'string', value: 'HOST:PORT,...', help: 'the cluster (default: the local one `datastorm cluster up` started)' },
  },
});
const cli = fileURLToPath(new URL('../bin/datastorm.js', import.meta.url));
const codecs = opts.codecs.split(',');
if (codecs[0] !== 'none') refuse('--codecs starts with none: each codec\'s cost is counted over it');
const encodings = opts.encodings.split(',');
const server = opts['bootstrap-server'] ? ['--bootstrap-server', opts['bootstrap-server']] : [];

/** One compare over every codec in one encoding: per codec, records/s and CPU s per 1M records. */
function compare(encoding) {
  const child = spawnSync(process.execPath, [cli, 'compare', ...server, '--codecs', opts.codecs, '--workers', opts.workers,
    '--num-records', opts.records, '--batch-encoding', encoding, '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`compare --batch-encoding ${encoding} failed: ${child.stderr.trim().split('\n').at(-1)}`);
  const { points } = JSON.parse(child.stdout);
  return Object.fromEntries(points.map(({ label, result }) => {
    if (!result.accounting.match) throw new Error(`${encoding} ${label}: acknowledged records and the broker's offsets disagree`);
    const cpuMs = result.process.cpuUserMs + result.process.cpuSystemMs;
    return [label, { recordsPerSec: result.totals.recordsPerSec, cpuSecPer1M: (cpuMs / 1000 / result.totals.records) * 1e6 }];
  }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const runs = Object.fromEntries(encodings.map((e) => [e, []]));
for (let r = 0; r < Number(opts.repeat); r++) {
  for (const encoding of r % 2 === 0 ? encodings : [...encodings].reverse()) {
    runs[encoding].push(compare(encoding));
    process.stderr.write(`repeat ${r + 1}: ${encoding} done\n`);
  }
}
const medianOf = (encoding, codec, field) => median(runs[encoding].map((run) => run[codec][field]));
const added = (encoding, codec) => medianOf(encoding, codec, 'cpuSecPer1M') - medianOf(encoding, 'none', 'cpuSecPer1M');

console.log(`${opts.records} records of 250 B per point, --workers ${opts.workers}, medians of ${opts.repeat}; ` +
  'CPU: the producer process, user + system, s per 1M records; added: over none in the same encoding');
const [ours, theirs] = encodings;
console.log(['codec', ...encodings.flatMap((e) => [`${e} rec/s`, `${e} CPU s/1M`, `${e} added`]),
  ...(theirs ? [`added ${ours}/${theirs}`] : [])].join(' | '));
for (const codec of codecs) {
  const cells = encodings.flatMap((e) => [medianOf(e, codec, 'recordsPerSec').toFixed(0), medianOf(e, codec, 'cpuSecPer1M').toFixed(3),
    codec === 'none' ? '' : added(e, codec).toFixed(3)]);
  const ratio = theirs && codec !== 'none' ? [(added(ours, codec) / added(theirs, codec)).toFixed(2)] : theirs ? [''] : [];
  console.log([codec, ...cells, ...ratio].join(' | '));
}
