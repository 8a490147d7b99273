#!/usr/bin/env node
// npm run test:compat: each supported Apache Kafka release in turn, as its own local cluster (cluster up from its
// jars, SASL_SSL listener on), and a smoke of every command family through the real CLI against it: produce with
// each codec, idempotent and in transactions, on both drivers; consume in a group and as a share group; e2e; lag; replay-check; drain
// into `datastorm sink`; produce over SASL_SSL; bench run --vs java; Kafka's own perf tools (kafka-tool). Every check counts the
// records on the broker (end offsets, committed offsets) with a client of its own, and checks that the result names
// the brokers' release line. Prints a table of what passed on each release; exits 1 if anything failed.
// Not part of `npm test`: a release takes minutes (its cluster's start, a dozen CLI runs).
// Usage: npm run build && node scripts/test-compat.mjs [--versions 3.9.2,4.4.0] [--brokers 3] [--dir /tmp/datastorm-compat]
//          [--json compat.json]
// Ports: client 27192+, SASL_SSL 27292+, controllers 17192+, sink 27392: no test file uses them (grep test/ for basePort).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { clusterDown, clusterUp } from '../dist/src/cluster/launcher.js';
import { withSecurity } from '../dist/src/cluster/settings.js';
import { createKafka } from '../dist/src/kafka/kafka-client.js';
import { TESTED_RELEASES, isAtLeast, kafkaRelease } from '../dist/src/kafka/kafka-releases.js';

const { values: opts } = parseArgs({
  options: {
    versions: { type: 'string', default: TESTED_RELEASES.join(',') },
    brokers: { type: 'string', default: '3' },
    dir: { type: 'string', default: join(tmpdir(), 'datastorm-compat') },
    json: { type: 'string' },
  },
});
const releases = opts.versions.split(',').map((version) => kafkaRelease(version.trim()));
const layout = withSecurity({ brokers: Number(opts.brokers), basePort: 27192, controllerBasePort: 17192 }, 'sasl_ssl');
const SINK_PORT = 27392;
const RECORDS = 5000;
const CLI = new URL('../bin/datastorm.js', import.meta.url).pathname;
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const SMOKE = new URL('../benchmarks/workloads/smoke.yaml', import.meta.url).pathname;

/**
 * Each node logged (server.log written) and knows every setting it was given: a broker logs the values of the
 * settings it knows ("KafkaConfig values:"), and an unknown one is only absent there. A listener's own settings
 * (listener.name.*) are read by prefix and are not listed.
 */
function settingsKnown(state) {
  for (const node of state.nodes) {
    const log = join(node.dir, 'server.log');
    if (!existsSync(log)) throw new Error(`node ${node.id} wrote no server.log`);
    const [, values = ''] = readFileSync(log, 'utf8').split(/KafkaConfig values: *\n/);
    const known = new Set([...values.matchAll(/^\t([a-z0-9._-]+) = /gm)].map((match) => match[1]));
    if (known.size === 0) throw new Error(`node ${node.id}'s server.log lists no KafkaConfig values`);
    const given = readFileSync(join(node.dir, 'server.properties'), 'utf8').split('\n').map((line) => line.split('=')[0]).filter(Boolean);
    const unknown = given.filter((key) => !key.startsWith('listener.name.') && !known.has(key));
    if (unknown.length > 0) throw new Error(`node ${node.id} does not know ${unknown.join(', ')}`);
  }
  return `${state.nodes.length} server.log files, every setting among the broker's KafkaConfig values`;
}

const run = Date.now().toString(36);

/** The CLI as a user runs it, on the release's cluster folder (kafka-tool runs that cluster's jars). */
function cli(args, dir, timeoutMs = 180_000) {
  const child = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DATASTORM_CLUSTER_DIR: dir },
  });
  const lastLine = (child.stderr ?? '').trim().split('\n').at(-1) ?? '';
  if (child.status !== 0) throw new Error(`${args[0]} exited ${child.status ?? child.signal}: ${lastLine}`);
  return child;
}

const sum = (values) => values.reduce((a, b) => a + b, 0);

/** What the broker holds: a topic's end offsets and a group's committed offsets, summed over partitions. */
async function endOffsetTotal(admin, topic) {
  return sum((await admin.fetchTopicOffsets(topic)).map((p) => Number(p.high)));
}
async function committedTotal(admin, group, topic) {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return sum(offsets.partitions.map((p) => Math.max(0, Number(p.offset))));
}

function expectEqual(what, actual, expected) {
  if (actual !== expected) throw new Error(`${what}: ${actual}, expected ${expected}`);
  return `${what} ${actual}`;
}

/** Each check of a release: its name, and what it does, returning what it saw (throwing what went wrong). */
function checksOf(release, ctx) {
  const { bootstrap, admin, dir } = ctx;
  const server = bootstrap.join(',');
  const topicOf = (name) => `compat-${run}-${release.line.replace('.', '')}-${name}`;
  const produced = async (name, args) => {
    const topic = topicOf(name);
    const out = cli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(RECORDS), '--record-size', '100',
      '--partitions', '3', '--json', ...args], dir);
    const result = JSON.parse(out.stdout);
    expectEqual('release named by the result', result.cluster.kafka?.release, release.line);
    const markers = result.transactions?.markers ?? 0;
    return `${expectEqual('records on the broker', await endOffsetTotal(admin, topic), RECORDS + markers)}${markers ? ` (${markers} markers)` : ''}`;
  };
  const checks = [
    ...CODECS.map((codec) => [`produce ${codec}`, () => produced(`p-${codec}`, ['--compression', codec])]),
    ['produce idempotent, platformatic', () => produced('p-platformatic', ['--idempotent', '--driver', 'platformatic'])],
    ['produce in transactions, verified', () => produced('p-tx', ['--transactional-id', `compat-${run}`, '--transaction-duration-ms', '200', '--verify'])],
    ['consume in a group', async () => {
      const group = `${topicOf('p-none')}-group`;
      cli(['consume', '--bootstrap-server', server, '--topic', topicOf('p-none'), '--group', group, '--num-records', String(RECORDS), '--workers', '2'], dir);
      return expectEqual('committed', await committedTotal(admin, group, topicOf('p-none')), RECORDS);
    }],
    ['consume as a share group (4.2+; refused before)', async () => {
      const args = ['consume', '--bootstrap-server', server, '--topic', topicOf('p-none'), '--share-group', `${topicOf('p-none')}-share`,
        '--num-records', String(RECORDS), '--workers', '2', '--json'];
      if (!isAtLeast(release, '4.2')) {
        const refused = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, DATASTORM_CLUSTER_DIR: dir } });
        expectEqual('exit', refused.status, 1);
        return expectEqual('refusal', refused.stderr.trim().split('\n')[0].split(': ').slice(0, 2).join(': '), 'error DS_SHARE_GROUPS_UNSUPPORTED: share groups need Kafka 4.2 or newer');
      }
      const out = JSON.parse(cli(args, dir).stdout);
      expectEqual('accepted', out.acknowledgements.accepted, RECORDS);
      return expectEqual('the group\'s lag fell by', out.accounting.brokerSettled, RECORDS);
    }],
    ['lag of that group', async () => {
      const group = `${topicOf('p-none')}-group`;
      const out = JSON.parse(cli(['lag', '--bootstrap-server', server, '--group', group, '--interval', '250ms', '--duration', '1s', '--json'], dir).stdout);
      const behind = await endOffsetTotal(admin, topicOf('p-none')) - await committedTotal(admin, group, topicOf('p-none'));
      return expectEqual('lag', out.samples.at(-1).totalLag, behind);
    }],
    ['e2e', async () => {
      const topic = topicOf('e2e');
      const out = JSON.parse(cli(['e2e', '--bootstrap-server', server, '--topic', topic, '--rate', '500', '--duration', '2s', '--workers', '2',
        '--partitions', '3', '--group', `${topic}-group`, '--json'], dir).stdout);
      expectEqual('consumed', out.consumer.records, out.producer.records);
      return expectEqual('records on the broker', await endOffsetTotal(admin, topic), out.producer.records);
    }],
    ['replay-check', async () => {
      const group = `${topicOf('p-lz4')}-replay`;
      const out = JSON.parse(cli(['replay-check', '--bootstrap-server', server, '--topic', topicOf('p-lz4'), '--group', group, '--json'], dir).stdout);
      expectEqual('passes match', out.match, true);
      return expectEqual('committed', await committedTotal(admin, group, topicOf('p-lz4')), RECORDS);
    }],
    ['drain into sink', async () => {
      const group = `${topicOf('p-zstd')}-drain`;
      const sink = spawn(process.execPath, [CLI, 'sink', '--port', String(SINK_PORT)], { stdio: ['ignore', 'ignore', 'pipe'] });
      try {
        await new Promise((resolve, reject) => {
          let said = '';
          sink.stderr.setEncoding('utf8').on('data', (text) => { said += text; if (said.includes('sink listening')) resolve(); });
          sink.once('exit', (code) => reject(new Error(`sink exited ${code}: ${said.trim()}`)));
        });
        cli(['drain', '--bootstrap-server', server, '--topic', topicOf('p-zstd'), '--group', group, '--sink', `http://127.0.0.1:${SINK_PORT}`,
          '--from-beginning', '--json'], dir);
        const stats = await (await fetch(`http://127.0.0.1:${SINK_PORT}/stats?topic=${topicOf('p-zstd')}`)).json();
        expectEqual('records at the sink', stats.records, RECORDS);
        return expectEqual('committed', await committedTotal(admin, group, topicOf('p-zstd')), RECORDS);
      } finally {
        sink.kill('SIGTERM');
      }
    }],
    ['produce over SASL_SSL', async () => {
      const topic = topicOf('sasl');
      const out = JSON.parse(cli(['produce', '--bootstrap-server', ctx.saslSsl.bootstrap.join(','), '--producer.config', ctx.saslSsl.clientProperties,
        '--topic', topic, '--num-records', String(RECORDS), '--record-size', '100', '--partitions', '3', '--json'], dir).stdout);
      expectEqual('release named by the result', out.cluster.kafka?.release, release.line);
      return expectEqual('records on the broker', await endOffsetTotal(admin, topic), RECORDS);
    }],
    ['kafka-tool producer-perf-test', async () => {
      const topic = topicOf('java');
      cli(['kafka-tool', 'topics', '--', '--bootstrap-server', server, '--create', '--topic', topic, '--partitions', '3'], dir);
      // Kafka 4.2 named the tool's flags as the other tools' (KIP-1147); older releases know only the first names.
      const connect = isAtLeast(release, '4.2') ? ['--bootstrap-server', server, '--command-property', 'acks=all']
        : ['--producer-props', `bootstrap.servers=${server}`, 'acks=all'];
      cli(['kafka-tool', 'producer-perf-test', '--', '--topic', topic, '--num-records', String(RECORDS), '--record-size', '100',
        '--throughput', '-1', ...connect], dir);
      return expectEqual('records on the broker', await endOffsetTotal(admin, topic), RECORDS);
    }],
    ['bench run --vs java', async () => {
      const topic = topicOf('bench');
      const out = join(dir, 'bench-vs-java.json');
      // Kafka 3.9 to 4.1's tool has no --warmup-records: the workload's warm-up is left out on every release alike.
      cli(['bench', 'run', SMOKE, '--vs', 'java', '--bootstrap-server', server, '--set', `topic=${topic}`, '--set', `num-records=${RECORDS}`,
        '--set', 'warmup-records=0', '--set', `replication=${Math.min(layout.brokers, 3)}`, '--out', out], dir);
      const result = JSON.parse(readFileSync(out, 'utf8'));
      expectEqual('Java\'s release', result.bench.reference.kafkaVersion, release.version);
      expectEqual('release named by the result', result.cluster.kafka?.release, release.line);
      return expectEqual('records on the broker (DataStorm\'s and Java\'s)', await endOffsetTotal(admin, topic), 2 * RECORDS);
    }],
    ['kafka-tool consumer-perf-test', async () => {
      const topic = topicOf('java');
      const count = isAtLeast(release, '4.2') ? '--num-records' : '--messages';
      const out = cli(['kafka-tool', 'consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic, count, String(RECORDS),
        '--group', `${topic}-group`], dir);
      const columns = out.stdout.trim().split('\n').filter((line) => !line.startsWith('Warning')).at(-1).split(', ');
      return expectEqual('records it read (nMsg)', Number(columns[4]), RECORDS);
    }],
  ];
  return checks;
}

const table = [];
const startedAll = Date.now();
for (const release of releases) {
  const dir = join(opts.dir, release.version);
  const row = { version: release.version, checks: {} };
  table.push(row);
  const started = Date.now();
  let state;
  let admin;
  try {
    await clusterDown(dir, 5000);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    state = await clusterUp({ layout, kafkaVersion: release.version, dir, log: (line) => console.error(`[${release.version}] ${line}`) });
    row.startupMs = state.startupMs;
    row.checks['cluster up'] = { ok: true, detail: `${state.nodes.length} brokers listed in ${(state.startupMs / 1000).toFixed(1)} s` };
    try {
      row.checks['settings known, logs written'] = { ok: true, detail: settingsKnown(state) };
    } catch (error) {
      row.checks['settings known, logs written'] = { ok: false, detail: error.message };
    }
    admin = createKafka(state.bootstrap, 'datastorm-compat').admin();
    await admin.connect();
    for (const [name, check] of checksOf(release, { bootstrap: state.bootstrap, saslSsl: state.saslSsl, admin, dir })) {
      const checkStarted = Date.now();
      try {
        row.checks[name] = { ok: true, detail: await check() };
      } catch (error) {
        row.checks[name] = { ok: false, detail: error.message };
      }
      console.error(`[${release.version}] ${name}: ${row.checks[name].ok ? 'ok' : 'FAILED'} (${row.checks[name].detail}) in ${((Date.now() - checkStarted) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    row.checks['cluster up'] = { ok: false, detail: error.message.split('\n')[0] };
    console.error(`[${release.version}] cluster up: FAILED (${error.message})`);
  } finally {
    await admin?.disconnect().catch(() => undefined);
    await clusterDown(dir, 10_000);
    row.wallMs = Date.now() - started;
  }
}

const names = [...new Set(table.flatMap((row) => Object.keys(row.checks)))];
const width = Math.max(...names.map((name) => name.length));
console.log(`${'check'.padEnd(width)} | ${table.map((row) => row.version.padEnd(7)).join(' | ')}`);
for (const name of names) {
  console.log(`${name.padEnd(width)} | ${table.map((row) => (row.checks[name] === undefined ? '-' : row.checks[name].ok ? 'ok' : 'FAILED').padEnd(7)).join(' | ')}`);
}
console.log(`${'minutes'.padEnd(width)} | ${table.map((row) => (row.wallMs / 60_000).toFixed(1).padEnd(7)).join(' | ')}`);
for (const row of table) {
  for (const [name, check] of Object.entries(row.checks)) if (!check.ok) console.log(`${row.version} ${name}: ${check.detail}`);
}
const checksRun = table.flatMap((row) => Object.values(row.checks));
const failed = checksRun.filter((check) => !check.ok).length;
console.log(`${table.length} releases in ${((Date.now() - startedAll) / 60_000).toFixed(1)} min`);
console.log(`compat: ${checksRun.length - failed} passed, ${failed} failed`);
if (opts.json) writeFileSync(opts.json, `${JSON.stringify(table, null, 2)}\n`);
process.exitCode = failed > 0 ? 1 : 0;
