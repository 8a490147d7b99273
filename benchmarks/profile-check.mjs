#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { clusterUp } from '../dist/src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from '../dist/src/cluster/settings.js';
import { RateProfile } from '../dist/src/produce/rate-profile.js';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    'How closely a `datastorm produce --throughput-profile` run follows its profile: each reporting window\'s records',
    'against the profile\'s area over the same stretch of the run, printed side by side with the deviation (issue 13:',
    'within 10%). A speed check, so it lives here and not in npm test (a busy machine cannot hold a rate). Without',
    '--bootstrap-server it starts the local cluster. Needs `npm run build` first.',
  ],
  options: {
    profile: { type: 'string', value: 'PROFILE', default: '0s:2000,10s:20000,20s:20000,30s:5000', help: 'the --throughput-profile (time:rate points)' },
    duration: { type: 'string', value: 'TIME', default: '30s', help: 'the run\'s --duration' },
    workers: { type: 'string', value: 'N', default: '2', help: 'workers of the run' },
    interval: { type: 'string', value: 'MS', default: '1000', help: 'the --reporting-interval, a window each' },
    'bootstrap-server': { type: 'string', value: 'HOST:PORT,...', help: 'the cluster (default: the local one, started if needed)' },
  },
});
const bootstrap = opts['bootstrap-server']?.split(',')
  ?? (await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log: (l) => console.error(l) })).bootstrap;
const topic = `profile-check-${Date.now().toString(36)}`;
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const args = ['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--json', '--duration', opts.duration,
  '--workers', opts.workers, '--throughput-profile', opts.profile, '--reporting-interval', opts.interval];
console.error(`datastorm ${args.slice(3).join(' ')} (load average ${loadavg().map((l) => l.toFixed(1)).join(' ')})`);
const run = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
if (run.status !== 0) throw new Error(`datastorm failed:\n${run.stderr}`);
const result = JSON.parse(run.stdout);
const profile = new RateProfile(result.config.throughputProfile);
console.log('window end s | records | profile area | deviation');
const deviations = [];
for (const w of result.intervals.filter((i) => i.durationMs > Number(opts.interval) / 2)) {
  // The rate the run's own window line states (profileRecordsPerSec), over the window's length.
  const expected = (w.profileRecordsPerSec * w.durationMs) / 1000;
  const deviation = (w.records - expected) / expected;
  deviations.push(Math.abs(deviation));
  console.log(`${(w.elapsedMs / 1000).toFixed(1).padStart(12)} | ${String(w.records).padStart(7)} | ${expected.toFixed(0).padStart(12)} | ${(deviation * 100).toFixed(1).padStart(8)}%`);
}
// The first window holds the workers' start-up; the pacer then sends what fell due meanwhile, in the second.
const largest = (from) => Math.max(...deviations.slice(from));
for (const [from, what] of [[1, 'after the first window (start-up)'], [2, 'after the first two (start-up and its catch-up)']]) {
  console.log(`largest deviation ${what}: ${(largest(from) * 100).toFixed(1)}% (issue 13: within 10%) -> ${largest(from) <= 0.1 ? 'holds' : 'does not hold'}`);
}
console.log(`records ${result.totals.records}, profile area ${profile.dueBy(Number(result.config.durationMs)).toFixed(0)}, accounting ${result.accounting.match ? 'OK' : 'MISMATCH'}`);
const admin = createKafka(bootstrap, 'profile-check').admin();
await admin.connect();
await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
await admin.disconnect();
