#!/usr/bin/env node
// What each codec costs the client, pre-encoded (the default) beside per-record: `datastorm compare --json` for each
// batch encoding, the encodings alternated within each repetition, medians printed. A codec's cost is the CPU it adds
// per 1M records over `none` in the same encoding (the producer process, user + system, from compare's own
// measurement); the last column is pre-encoded's added CPU over per-record's, which is 1.0 when every batch is
// compressed as it is sent, and near 0 when compressed bytes are reused (add pre-encoded-reused to see it).
// Usage: npm run build && node benchmarks/codec-cost.mjs [--codecs none,gzip,snappy,lz4,zstd] [--workers 1]
//          [--records 1000000] [--repeat 3] [--encodings pre-encoded,per-record] [--bootstrap-server host:port,...]
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values: opts } = parseArgs({
  options: {
    codecs: { type: 'string', default: 'none,gzip,snappy,lz4,zstd' },
    workers: { type: 'string', default: '1' },
    records: { type: 'string', default: '1000000' },
    repeat: { type: 'string', default: '3' },
    encodings: { type: 'string', default: 'pre-encoded,per-record' },
    'bootstrap-server': { type: 'string' },
  },
});
const cli = fileURLToPath(new URL('../bin/datastorm.js', import.meta.url));
const codecs = opts.codecs.split(',');
if (codecs[0] !== 'none') throw new Error('--codecs starts with none: each codec\'s cost is counted over it');
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
