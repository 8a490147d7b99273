#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { CLUSTER_OPTION, scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    '`datastorm consume` and Kafka\'s Java consumer-perf-test over the same topic (written once per codec by produce),',
    'side by side in one run, a fresh group per run, the contenders alternated (the first one rotates every repeat):',
    'records/s (Kafka\'s nMsg.sec, both print CPT\'s line), client CPU s per 1M records (user + system of the whole',
    'process tree, GNU time: the JVM\'s, or node\'s with its worker threads; the kafka-tool launcher\'s ~0.2 s is in',
    'Java\'s) and peak RSS, medians, with ratios to Java. Needs `npm run build` first.',
  ],
  options: {
    'bootstrap-server': CLUSTER_OPTION,
    records: { type: 'string', value: 'N', default: '2000000', help: 'records in the topic, all read by every run' },
    'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
    partitions: { type: 'string', value: 'N', default: '8', help: 'partitions of the topic' },
    codecs: { type: 'string', value: 'LIST', default: 'none,lz4', help: 'codecs, a topic each' },
    workers: { type: 'string', value: 'LIST', default: 'default,1', help: 'DataStorm\'s consumer counts (default: its own)' },
    repeat: { type: 'string', value: 'N', default: '3', help: 'runs of each contender; medians printed' },
    before: { type: 'string', value: 'DIR', help: 'a built DataStorm checkout (e.g. the main branch before a change), added as contenders' },
    rdkafka: { type: 'string', value: 'PATH', help: 'rdkafka_performance, added as a contender (-G, a fresh group); it times from its first message, so compare it on fetch records/s (CPT\'s fetch.nMsg.sec, without the group join)' },
    'cpu-prof': { type: 'string', value: 'DIR', help: 'a V8 profile per thread of each DataStorm run there' },
  },
});
const server = opts['bootstrap-server'];
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const run = Date.now().toString(36);
const scratch = mkdtempSync(join(tmpdir(), 'consume-vs-java-'));
const admin = createKafka(server.split(','), 'datastorm-consume-vs-java').admin();
await admin.connect();

/** Runs a command under GNU time; its stdout, CPU ms (user + system) and peak RSS bytes. */
function timed(command, args) {
  const timeFile = join(scratch, 'time.txt');
  const child = spawnSync('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, command, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) throw new Error(`${args.slice(0, 3).join(' ')} failed: ${`${child.stderr}${child.stdout}`.trim().split('\n').slice(-3).join(' | ')}`);
  const [peakKb, user, system] = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1).split(/\s+/).map(Number);
  return { stdout: child.stdout, stderr: child.stderr, cpuMs: (user + system) * 1000, peakRssBytes: peakKb * 1024 };
}

/** The data line of CPT's output (DataStorm prints the same): records, nMsg.sec and fetch.nMsg.sec. */
function cptLine(stdout) {
  const lines = stdout.split('\n');
  const fields = lines[lines.findIndex((l) => l.startsWith('start.time')) + 1].split(',').map((f) => f.trim());
  return { records: Number(fields[4]), recordsPerSec: Number(fields[5]), fetchRecordsPerSec: Number(fields[9]) };
}

/** rdkafka_performance's summary, the last of its "% N messages (B bytes) consumed in T ms: R msgs/s" lines (one a second). */
function rdkafkaLine(stdout) {
  const [, records, msgsPerSec] = [...stdout.matchAll(/^% (\d+) messages \(\d+ bytes\) consumed in \d+ms: (\d+) msgs\/s/gm)].at(-1);
  return { records: Number(records), recordsPerSec: Number.NaN, fetchRecordsPerSec: Number(msgsPerSec) };
}

let runNo = 0;
function measure(topic, contender) {
  const group = `${topic}-${contender.name.replace(/\W+/g, '-')}-${++runNo}`;
  const { stdout, stderr, cpuMs, peakRssBytes } = timed(contender.command ?? process.execPath, contender.args(topic, group, runNo));
  const { records, recordsPerSec, fetchRecordsPerSec } = (contender.parse ?? cptLine)(`${stdout}${stderr}`);
  if (records !== Number(opts.records)) throw new Error(`${contender.name}: ${records} records, not ${opts.records}`);
  if (contender.datastorm && !/: match$/m.test(stderr)) throw new Error(`${contender.name}: committed offsets do not match the count`);
  return { recordsPerSec, fetchRecordsPerSec, cpuSPer1M: cpuMs / 1000 / (records / 1e6), peakRssMB: peakRssBytes / 2 ** 20 };
}

function datastormContender(name, checkoutCli, workers) {
  return {
    name, datastorm: true,
    args: (topic, group, n) => [
      ...(opts['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(opts['cpu-prof'], `${name.replace(/\W+/g, '-')}-${n}`)] : []),
      checkoutCli, 'consume', '--bootstrap-server', server, '--topic', topic, '--num-records', opts.records, '--group', group,
      ...(workers === 'default' ? [] : ['--workers', workers])],
  };
}
const contenders = [
  ...opts.workers.split(',').flatMap((w) => [
    datastormContender(`datastorm ${w === 'default' ? 'default workers' : `${w}w`}`, cli, w),
    ...(opts.before ? [datastormContender(`before ${w === 'default' ? 'default workers' : `${w}w`}`, join(opts.before, 'bin/datastorm.js'), w)] : []),
  ]),
  ...(opts.rdkafka ? [{
    name: 'librdkafka rdkafka_performance -G', command: opts.rdkafka, parse: rdkafkaLine,
    args: (topic, group) => ['-G', group, '-t', topic, '-b', server, '-c', opts.records, '-X', 'auto.offset.reset=earliest'],
  }] : []),
  {
    name: 'java consumer-perf-test',
    args: (topic, group) => [cli, 'kafka-tool', 'consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic,
      '--num-records', opts.records, '--group', group],
  },
];

/** rdkafka_performance has no records/s with the join in it: '-'. */
const fixed = (n, digits) => (Number.isNaN(n) ? '-' : n.toFixed(digits));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const topics = [];
try {
  console.log(`${opts.records} records of ${opts['record-size']} B on ${opts.partitions} partitions per codec, median of ${opts.repeat}, ` +
    `fresh group per run, contenders alternated; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('codec | consumer | records/s | fetch rec/s | CPU s/1M | peak RSS MB | x Java rec/s | x Java fetch | x Java CPU' +
    (opts.rdkafka ? ' | x rdkafka fetch' : ''));
  for (const codec of opts.codecs.split(',')) {
    const topic = `consume-vs-java-${codec}-${run}`;
    topics.push(topic);
    const produced = spawnSync(process.execPath, [cli, 'produce', '--bootstrap-server', server, '--topic', topic, '--num-records', opts.records,
      '--record-size', opts['record-size'], '--partitions', opts.partitions, '--compression', codec, '--workers', '2'], { encoding: 'utf8' });
    if (produced.status !== 0) throw new Error(`produce to ${topic} failed: ${produced.stderr.trim().split('\n').at(-1)}`);
    const runs = new Map(contenders.map((c) => [c, []]));
    for (let i = 0; i < Number(opts.repeat); i++) {
      const order = contenders.map((_, k) => contenders[(k + i) % contenders.length]);
      for (const contender of order) runs.get(contender).push(measure(topic, contender));
    }
    const fields = ['recordsPerSec', 'fetchRecordsPerSec', 'cpuSPer1M', 'peakRssMB'];
    const rows = contenders.map((c) => ({ name: c.name, ...Object.fromEntries(fields.map((f) => [f, median(runs.get(c).map((r) => r[f]))])) }));
    const java = rows.at(-1);
    const rdkafka = opts.rdkafka ? rows.at(-2) : undefined;
    for (const row of rows) {
      console.log(`${codec} | ${row.name} | ${fixed(row.recordsPerSec, 0)} | ${row.fetchRecordsPerSec.toFixed(0)} | ${row.cpuSPer1M.toFixed(2)} | ` +
        `${row.peakRssMB.toFixed(0)} | ${fixed(row.recordsPerSec / java.recordsPerSec, 2)} | ` +
        `${(row.fetchRecordsPerSec / java.fetchRecordsPerSec).toFixed(2)} | ${(row.cpuSPer1M / java.cpuSPer1M).toFixed(2)}` +
        (rdkafka ? ` | ${(row.fetchRecordsPerSec / rdkafka.fetchRecordsPerSec).toFixed(2)}` : ''));
    }
    console.error(`${codec} runs: ` + contenders.map((c) => `${c.name} ${runs.get(c).map((r) => r.fetchRecordsPerSec.toFixed(0)).join('/')} fetch rec/s`).join('; '));
  }
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
} finally {
  await admin.deleteTopics({ topics }).catch((error) => console.error(`topics ${topics.join(', ')} left behind: ${error.message}`));
  await admin.disconnect();
  rmSync(scratch, { recursive: true, force: true });
}
