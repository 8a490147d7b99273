#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { setGroupConfig } from '../dist/src/drivers/share-group-admin.js';
import { PLAINTEXT } from '../dist/src/security/client-security.js';
import { CLUSTER_OPTION, scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    '`datastorm consume --share-group` and Kafka\'s Java share-consumer-perf-test over the same topic (written once by',
    'produce), W share consumers each, a fresh share group per run (share.auto.offset.reset=earliest), the contenders',
    'alternated: records/s (nMsg.sec of the line both print), client CPU s per 1M records (user + system of the process',
    'tree, GNU time) and peak RSS, medians, with ratios to Java. Needs `npm run build` first.',
  ],
  options: {
    'bootstrap-server': CLUSTER_OPTION,
    records: { type: 'string', value: 'N', default: '2000000', help: 'records in the topic, all read by every run' },
    'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
    partitions: { type: 'string', value: 'N', default: '6', help: 'partitions of the topic' },
    workers: { type: 'string', value: 'N', default: '3', help: 'share consumers of each contender (DataStorm\'s --workers, Java\'s --threads)' },
    repeat: { type: 'string', value: 'N', default: '3', help: 'runs of each contender; medians printed' },
  },
});
const server = opts['bootstrap-server'];
const bootstrap = server.split(',');
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'share-vs-java-'));
const topic = `share-vs-java-${Date.now().toString(36)}`;
const admin = createKafka(bootstrap, 'datastorm-share-vs-java').admin();
await admin.connect();

/** Runs a command under GNU time; its output, CPU ms (user + system) and peak RSS bytes. */
function timed(args) {
  const timeFile = join(scratch, 'time.txt');
  const child = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, process.execPath, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${args.slice(1, 3).join(' ')} failed: ${`${child.stderr}${child.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);
  const [peakKb, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
  return { output: `${child.stdout}${child.stderr}`, cpuMs: (user + system) * 1000, peakRssBytes: peakKb * 1024 };
}

/** The group's line under share-consumer-perf-test's header (DataStorm prints the same): nMsg.sec and nMsg. */
function shareLine(output) {
  const lines = output.split('\n');
  const fields = lines.slice(lines.findIndex((l) => l.startsWith('start.time')) + 1).find((l) => /^\d{4}-/.test(l)).split(',').map((f) => f.trim());
  return { recordsPerSec: Number(fields[4]), records: Number(fields[5]) };
}

let runNo = 0;
const contenders = [
  { name: `datastorm ${opts.workers} share consumers`, datastorm: true,
    args: (group) => [cli, 'consume', '--bootstrap-server', server, '--topic', topic, '--share-group', group, '--num-records', opts.records, '--workers', opts.workers] },
  { name: `java share-consumer-perf-test --threads ${opts.workers}`,
    // Kafka 4.4's tool waits for its threads only --timeout + 100 ms in all, then interrupts them: a long one, for a whole run.
    args: (group) => [cli, 'kafka-tool', 'share-consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic, '--group', group,
      '--num-records', opts.records, '--threads', opts.workers, '--timeout', '600000'] },
];

async function measure(contender) {
  const group = `${topic}-${++runNo}`;
  // Java's tool leaves the group's start to the broker's default (latest): both start at the log start.
  await setGroupConfig(bootstrap, PLAINTEXT, group, 'share.auto.offset.reset', 'earliest');
  const { output, cpuMs, peakRssBytes } = timed(contender.args(group));
  const { records, recordsPerSec } = shareLine(output);
  if (records < Number(opts.records)) throw new Error(`${contender.name}: ${records} records, not ${opts.records}`);
  if (contender.datastorm && !/: match$/m.test(output)) throw new Error(`${contender.name}: the accounting does not match the broker`);
  return { recordsPerSec, cpuSPer1M: cpuMs / 1000 / (records / 1e6), peakRssMB: peakRssBytes / 2 ** 20 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
try {
  const produced = spawnSync(process.execPath, [cli, 'produce', '--bootstrap-server', server, '--topic', topic, '--num-records', opts.records,
    '--record-size', opts['record-size'], '--partitions', opts.partitions, '--workers', '2'], { encoding: 'utf8' });
  if (produced.status !== 0) throw new Error(`produce to ${topic} failed: ${produced.stderr.trim().split('\n').at(-1)}`);
  console.log(`${opts.records} records of ${opts['record-size']} B on ${opts.partitions} partitions, median of ${opts.repeat}, a fresh share group per run, ` +
    `contenders alternated; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const runs = new Map(contenders.map((c) => [c, []]));
  for (let i = 0; i < Number(opts.repeat); i++) {
    for (const contender of i % 2 === 0 ? contenders : [...contenders].reverse()) runs.get(contender).push(await measure(contender));
  }
  const rows = contenders.map((c) => ({ name: c.name, ...Object.fromEntries(['recordsPerSec', 'cpuSPer1M', 'peakRssMB'].map((f) => [f, median(runs.get(c).map((r) => r[f]))])) }));
  const java = rows.at(-1);
  console.log('share consumers | records/s | CPU s/1M | peak RSS MB | x Java rec/s | x Java CPU');
  for (const row of rows) {
    console.log(`${row.name} | ${row.recordsPerSec.toFixed(0)} | ${row.cpuSPer1M.toFixed(2)} | ${row.peakRssMB.toFixed(0)} | ` +
      `${(row.recordsPerSec / java.recordsPerSec).toFixed(2)} | ${(row.cpuSPer1M / java.cpuSPer1M).toFixed(2)}`);
  }
  console.error(`runs: ${contenders.map((c) => `${c.name} ${runs.get(c).map((r) => r.recordsPerSec.toFixed(0)).join('/')} rec/s`).join('; ')}`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await admin.deleteTopics({ topics: [topic] }).catch((error) => console.error(`topic ${topic} left behind: ${error.message}`));
  await admin.disconnect();
  rmSync(scratch, { recursive: true, force: true });
}
