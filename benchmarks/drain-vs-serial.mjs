#!/usr/bin/env node
import { spawn, spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { writeFileSync } from 'node:fs';
import { drainComparisonChart, formatDrainComparison } from '../dist/src/drain/drain-report.js';
import { CLUSTER_OPTION, scriptOptions } from './script-options.mjs';

const { values: opts } = scriptOptions(import.meta.url, {
  about: [
    '`datastorm drain` against its serial baseline, and the seed\'s capacity model, on a real cluster and real sink',
    'processes (`datastorm sink`), each run its own sink so that every sink\'s /stats counts one drain:',
    '  1. a backlog of --records keyed records (1024 keys, 8 partitions) drained into a sink of --latency 20ms, fan-out',
    '     (--size 200) and serial (one call at a time per partition): drain times and their ratio (issue 12: >= 10x);',
    '  2. the same fan-out into a sink failing 5% of calls (--error-rate 0.05): all delivered, gaps and order checked;',
    '  3. the seed\'s model: a sink of 500 ms and --max-concurrency 200 drained with --size 200 for --model-duration:',
    '     calls/s against 400 (issue 12: within 15%).',
    'Each run checks the sink\'s counts (records, gaps, order violations, duplicates) and the group\'s committed offsets',
    'against the end offsets. Prints the figures and the ratios. Needs `npm run build` first.',
  ],
  options: {
    'bootstrap-server': CLUSTER_OPTION,
    records: { type: 'string', value: 'N', default: '100000', help: 'records of the backlog (runs 1 and 2)' },
    port: { type: 'string', value: 'PORT', default: '28100', help: 'the first sink\'s port (each run takes the next)' },
    'model-records': { type: 'string', value: 'N', default: '40000', help: 'records of the model\'s backlog (run 3)' },
    'model-duration': { type: 'string', value: 'TIME', default: '30s', help: 'how long the model\'s drain runs' },
    chart: { type: 'string', value: 'FILE', help: 'an SVG of both runs\' lag on one chart' },
    skip: { type: 'string', value: 'LIST', default: '', help: 'runs left out: serial, errors, model' },
  },
});
const server = opts['bootstrap-server'];
const skip = new Set(opts.skip.split(',').filter(Boolean));
const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;
const run = Date.now().toString(36);
let nextPort = Number(opts.port);

function datastorm(args) {
  const out = spawnSync(process.execPath, [cli, ...args, '--bootstrap-server', server], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (out.status !== 0) throw new Error(`datastorm ${args.join(' ')} exited ${out.status}: ${out.stderr.trim().split('\n').at(-1)}`);
  return out;
}

/** A sink process of its own; resolves once it listens. */
async function startSink(args) {
  const port = nextPort++;
  const child = spawn(process.execPath, [cli, 'sink', '--port', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise((resolve, reject) => {
    child.stderr.setEncoding('utf8').on('data', (text) => { if (text.includes('listening')) resolve(); });
    child.once('exit', (code) => reject(new Error(`sink exited ${code}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  return { url, stats: async (topic) => (await fetch(`${url}/stats?topic=${topic}`)).json(), stop: () => child.kill('SIGTERM') };
}

function produce(topic, records) {
  datastorm(['produce', '--topic', topic, '--num-records', String(records), '--keys', 'random', '--record-size', '100', '--partitions', '8', '--workers', '1']);
}

function drain(topic, group, sinkUrl, extra) {
  return JSON.parse(datastorm(['drain', '--topic', topic, '--group', group, '--sink', sinkUrl, '--from-beginning', '--json', ...extra]).stdout);
}

function check(name, result, stats, records) {
  const ok = stats.records === records && stats.gaps === 0 && stats.orderViolations === 0 && result.accounting.committedAtEnd
    && result.accounting.committedMatchesAcknowledged;
  console.log(`${name}: sink ${stats.records}/${records} records, ${stats.gaps} gaps, ${stats.orderViolations} order violations, `
    + `${stats.duplicates} duplicates, ${stats.failedCalls} failed calls; drain ${result.retries} retries; committed at end offsets: `
    + `${result.accounting.committedAtEnd} -> ${ok ? 'OK' : 'FAILED'}`);
  return ok;
}

const records = Number(opts.records);
const fanoutArgs = ['--size', '200', '--pending-acks', '50000'];
let allOk = true;
console.log(`drain-vs-serial: ${records} records, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2 cores)`);

const topic = `drain-bench-${run}`;
produce(topic, records);
const fastSink = await startSink(['--latency', '20ms']);
const fanout = drain(topic, `${topic}-fanout`, fastSink.url, fanoutArgs);
allOk = check('fan-out, sink 20ms', fanout, await fastSink.stats(topic), records) && allOk;
fastSink.stop();
console.log(`  ${fanout.recordsPerSec.toFixed(1)} records/s, drain ${(fanout.drainMs / 1000).toFixed(1)} s, call p50/p99 ${(fanout.callLatencyUs.p50Us / 1000).toFixed(1)}/${(fanout.callLatencyUs.p99Us / 1000).toFixed(1)} ms`);

if (!skip.has('serial')) {
  const serialSink = await startSink(['--latency', '20ms']);
  const serial = drain(topic, `${topic}-serial`, serialSink.url, ['--mode', 'serial', '--pending-acks', '50000']);
  allOk = check('serial, sink 20ms', serial, await serialSink.stats(topic), records) && allOk;
  serialSink.stop();
  for (const line of formatDrainComparison(serial, fanout)) console.log(line);
  if (opts.chart) writeFileSync(opts.chart, drainComparisonChart(serial, fanout));
  const ratio = serial.drainMs / fanout.drainMs;
  console.log(`issue 12, fan-out >= 10x serial: ${ratio.toFixed(1)}x -> ${ratio >= 10 ? 'holds' : 'does NOT hold'}`);
}

if (!skip.has('errors')) {
  const failingSink = await startSink(['--latency', '20ms', '--error-rate', '0.05']);
  const withErrors = drain(topic, `${topic}-errors`, failingSink.url, [...fanoutArgs, '--retry-interval', '100ms']);
  allOk = check('fan-out, sink 20ms failing 5%', withErrors, await failingSink.stats(topic), records) && allOk;
  failingSink.stop();
  console.log(`  ${withErrors.recordsPerSec.toFixed(1)} records/s, drain ${(withErrors.drainMs / 1000).toFixed(1)} s, statuses ${JSON.stringify(withErrors.statuses)}`);
}

if (!skip.has('model')) {
  const modelTopic = `${topic}-model`;
  produce(modelTopic, Number(opts['model-records']));
  const modelSink = await startSink(['--latency', '500ms', '--max-concurrency', '200']);
  const model = drain(modelTopic, `${modelTopic}-g`, modelSink.url, [...fanoutArgs, '--duration', opts['model-duration']]);
  const stats = await modelSink.stats(modelTopic);
  modelSink.stop();
  const off = (model.callsPerSec - 400) / 400;
  console.log(`seed model, sink 500ms x 200 concurrent (400 calls/s): ${model.callsPerSec.toFixed(1)} calls/s over ${(model.deliveryMs / 1000).toFixed(1)} s `
    + `(${(off * 100).toFixed(1)}%), call p50 ${(model.callLatencyUs.p50Us / 1000).toFixed(1)} ms, mean ${(model.callLatencyUs.meanUs / 1000).toFixed(1)} ms `
    + `(Little's law: ${((model.callsPerSec * model.callLatencyUs.meanUs) / 1e6).toFixed(0)} calls in flight), sink queued at most ${stats.maxQueued}, `
    + `order violations ${stats.orderViolations} (stopped mid-backlog by --duration: holes between lanes are expected) `
    + `-> ${Math.abs(off) <= 0.15 ? 'within 15%' : 'NOT within 15%'}`);
  allOk = allOk && stats.orderViolations === 0;
}
process.exitCode = allOk ? 0 : 1;
