import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { loadSchema } from '../../src/produce/payloads.js';
import { RateProfile } from '../../src/produce/rate-profile.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { partitionOfKey } from '../../src/kafka/partitioner.js';
import { METADATA_VERSIONS, kafkaRelease } from '../../src/kafka/kafka-releases.js';
import { readClusterState } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';
import {
  CLI, consumeAll, createTopicsSettled, expectedPartitionShares, freePort, PERF_SUMMARY_LINE, PERF_WINDOW_LINE, runCli, startCli, uniqueTopic, until,
} from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-produce-test').admin();
const dir = mkdtempSync(join(tmpdir(), 'datastorm-produce-'));

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** A TCP port nothing listens on now. */
function produceJson(args: string[]): { code: number | null; result: ProduceResult; stderr: string } {
  const run = runCli(['produce', '--bootstrap-server', server, '--json', '--reporting-interval', '500', ...args]);
  expect(run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  if (!run.stdout.trim()) throw new Error(`produce ${args.join(' ')} printed no result (exit ${run.code}):\n${run.stderr}`);
  return { code: run.code, result: JSON.parse(run.stdout) as ProduceResult, stderr: run.stderr };
}

describe('datastorm produce on the real cluster', () => {
  it('puts exactly --num-records on the broker, as Avro values that decode with the schema', async () => {
    const topic = uniqueTopic('produce-count');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '20011', '--workers', '3', '--batch', '64KB', '--partitions', '6']);
    expect(code).toBe(0);
    expect(result.totals.records).toBe(20011);
    expect(result.workers.map((w) => w.records)).toEqual([6671, 6670, 6670]);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 20011, brokerOffsetGrowth: 20011, match: true });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(20011);
    expect(result.latency.count).toBe(20011);
    expect(result.totals.payloadBytes).toBe(20011 * 250);
    expect(result.totals.wireBytes).toBeGreaterThan(result.totals.payloadBytes);
    expect(stderr).toContain('accounting: 20011 records acknowledged = 20011 records added');
    expect(stderr.split('\n').filter((line) => PERF_SUMMARY_LINE.test(line))).toHaveLength(1);

    const schema = loadSchema();
    const messages = await consumeAll(bootstrap, topic, 20011);
    expect(messages).toHaveLength(20011);
    for (const message of messages.slice(0, 2000)) {
      expect(message.value).toHaveLength(250);
      expect(schema.isValid(schema.fromBuffer(message.value!))).toBe(true);
    }
  });

  it('names the release the brokers run, as they say it (ApiVersions), in the result and its header', () => {
    const { code, result, stderr } = produceJson(['--topic', uniqueTopic('produce-release'), '--num-records', '100']);
    expect(code).toBe(0);
    // The suite's local cluster knows the release it was started from; its brokers must say the same line.
    const line = kafkaRelease(readClusterState()?.kafkaVersion ?? DEFAULT_KAFKA_VERSION).line;
    const newestOfLine = METADATA_VERSIONS.filter(([, name]) => name.startsWith(`${line}-`)).at(-1)![1];
    expect(result.cluster.kafka).toEqual({ release: line, metadataVersion: newestOfLine });
    expect(stderr).toContain(`on ${result.cluster.brokers} brokers of Kafka ${line}:`);
  });

  it('counts every record with many workers and short intervals (late snapshots land in the totals)', () => {
    const topic = uniqueTopic('produce-snapshots');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '60000', '--workers', '12', '--reporting-interval', '100', '--batch', '32KB']);
    expect(code).toBe(0);
    expect(result.totals.records).toBe(60000);
    expect(result.latency.count).toBe(60000);
    expect(result.workers.reduce((sum, w) => sum + w.records, 0)).toBe(60000);
    expect(result.intervals.reduce((sum, i) => sum + i.records, 0)).toBeLessThanOrEqual(60000);
    expect(result.accounting.match).toBe(true);
  });

  it('writes a --json result longer than a pipe holds whole, to a reader that reads it late', async () => {
    const topic = uniqueTopic('produce-json-pipe');
    // 160 workers: each adds its own figures, so the result is past the 64 KB a pipe holds. The reader starts
    // reading 2 s after the command began: until then the rest waits in the command, which must not exit with it.
    const produce = [process.execPath, CLI, 'produce', '--bootstrap-server', server, '--json', '--topic', topic, '--num-records', '16000', '--workers', '160'];
    const stderrFile = join(mkdtempSync(join(tmpdir(), 'datastorm-json-pipe-')), 'stderr');
    const run = spawnSync('sh', ['-c', `${produce.map((arg) => `'${arg}'`).join(' ')} 2>'${stderrFile}' | (sleep 2; cat)`], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
    // Once at load average 20 nothing came out: the command's own words say why.
    expect(run.stdout.length, readFileSync(stderrFile, 'utf8').split('\n').slice(-5).join('\n')).toBeGreaterThan(64 * 1024);
    const result = JSON.parse(run.stdout) as ProduceResult;
    expect(result.workers).toHaveLength(160);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 16000, brokerOffsetGrowth: 16000, match: true });
  });

  it('--shared-topic: two processes on one topic each report, and together they reconcile with the broker', async () => {
    const topic = uniqueTopic('produce-shared');
    await createTopicsSettled(admin, [{ topic, numPartitions: 4, replicationFactor: 3 }]);
    const before = await topicEndOffsetTotal(admin, topic);
    const run = (records: number) => new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records),
        '--workers', '1', '--shared-topic', '--json']);
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => { stdout += chunk; });
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    const [a, b] = await Promise.all([run(30_000), run(20_000)]);
    for (const [proc, records] of [[a, 30_000], [b, 20_000]] as const) {
      expect(proc.code, proc.stderr).toBe(0);
      expect((JSON.parse(proc.stdout) as ProduceResult).totals.records).toBe(records);
      expect(proc.stderr).toMatch(new RegExp(`accounting: ${records} records acknowledged; ${topic} grew by \\d+ with the other processes' records`));
    }
    expect(await topicEndOffsetTotal(admin, topic) - before).toBe(50_000);
  });

  it('holds its batches in --buffer-memory: appending waits for acknowledgements, no batch passes the limit, nothing is lost', async () => {
    const topic = uniqueTopic('produce-buffer');
    // --queue-target 0: batches close at the limit buffer.memory sets, as in Kafka's producer.
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '60000', '--workers', '2', '--batch', '1MB',
      '--buffer-memory', '256KB', '--partitions', '4', '--queue-target', '0']);
    expect(code).toBe(0);
    // 128 KB a worker: two buffers of 64 KB, batches closing just under that.
    expect(result.buffers).toEqual({ batchLimitBytes: 65_024, bufferBytes: 65_536, buffersPerWorker: 2 });
    expect(stderr).toContain('buffer.memory 262144 B (2 batch buffers/worker: batches close at 65024 B)');
    expect(result.workers.every((w) => w.bufferWaitMs > 0)).toBe(true);
    for (const w of result.workers) expect(w.payloadBytes / w.requests).toBeLessThanOrEqual(65_024);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 60000, brokerOffsetGrowth: 60000, match: true });
    const schema = loadSchema();
    const messages = await consumeAll(bootstrap, topic, 60000);
    expect(messages).toHaveLength(60000);
    for (const message of messages) expect(schema.isValid(schema.fromBuffer(message.value!))).toBe(true);
  });

  it('sizes batches to the brokers\' queue (--queue-target) within the plan, one buffer a worker when workers share threads', () => {
    const topic = uniqueTopic('produce-queue-target');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '200000', '--workers', '8', '--batch', '16MB']);
    expect(code).toBe(0);
    const sharing = (result.threads ?? result.config.workers) < result.config.workers;
    expect(result.buffers.buffersPerWorker).toBe(sharing ? 1 : 2);
    expect(result.buffers.batchLimitBytes).toBe(Math.floor(32 * 1024 * 1024 / 8 / result.buffers.buffersPerWorker) - 512);
    expect(stderr).toContain(`batches close at up to ${result.buffers.batchLimitBytes} B, smaller while requests queue over 50 ms at the brokers`);
    for (const w of result.workers) {
      expect(w.batchLimitEndBytes).toBeGreaterThanOrEqual(128 * 1024);
      expect(w.batchLimitEndBytes).toBeLessThanOrEqual(result.buffers.batchLimitBytes);
    }
    expect(stderr).toMatch(/^batches: \d+ requests, \d+ records \(\d+ KB of values\) per request; batch limits ended at \d+(-\d+)? KB \(--queue-target 50 ms\)$/m);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 200000, brokerOffsetGrowth: 200000, match: true });
  });

  it('gives keyed records a buffer in every partition: no record waits out --max-block, nothing is lost', () => {
    // With fewer buffers than partitions a keyed run crawled at ~1,000 records/s, and a record failed once a run's
    // waits for buffers added up to max.block.ms: 150,000 records then took minutes and failed some.
    const topic = uniqueTopic('produce-keyed');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '150000', '--workers', '2', '--keys', 'random',
      '--max-block', '10000', '--partitions', '8']);
    expect(code).toBe(0);
    expect(result.buffers.buffersPerWorker).toBe(13); // 8 open partitions and 5 in flight
    expect(result.totals.errors).toEqual({});
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 150000, brokerOffsetGrowth: 150000, match: true });
  });

  it('--keys zipf: the records land on the partitions as the law and Java\'s partitioner say, within 1%', async () => {
    const topic = uniqueTopic('produce-zipf');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '100000', '--workers', '2', '--keys', 'zipf',
      '--zipf-exponent', '1', '--partitions', '8']);
    expect(code).toBe(0);
    expect(result.config).toMatchObject({ keys: 'zipf', zipfExponent: 1 });
    expect(result.accounting.match).toBe(true);
    const offsets = await admin.fetchTopicOffsets(topic);
    const expected = expectedPartitionShares(1, 8);
    for (const { partition, high } of offsets) {
      expect(Math.abs(Number(high) / 100_000 - expected[partition]) / expected[partition]).toBeLessThan(0.01);
    }
  });

  it('--payload-monotonic: across workers every record number is sent once, as text, as perf-test sends it', async () => {
    const topic = uniqueTopic('produce-monotonic');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '5003', '--workers', '3', '--payload-monotonic']);
    expect(code).toBe(0);
    expect(result.config.payload).toEqual({ kind: 'monotonic' });
    expect(stderr).toMatch(/ 3 workers( on [12] threads?)?, record numbers as text \(1-4 B\)/); // threads: the machine's cores
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 5003, brokerOffsetGrowth: 5003, match: true });
    const values = (await consumeAll(bootstrap, topic, 5003)).map((message) => Number(message.value!.toString()));
    expect(values.sort((a, b) => a - b)).toEqual(Array.from({ length: 5003 }, (_, i) => i));
  });

  it('sends a batch once it has waited --linger, even while its worker is busy appending to it', () => {
    const topic = uniqueTopic('produce-linger');
    // Filled to --batch, 200,000 records would go in 4 requests; a 1 ms linger cuts each after about 1 ms of appending.
    const { code, result } = produceJson(['--topic', topic, '--num-records', '200000', '--workers', '1', '--batch', '16MB',
      '--buffer-memory', '64MB', '--linger', '1', '--acks', '1']);
    expect(code).toBe(0);
    expect(result.workers[0].requests).toBeGreaterThanOrEqual(10);
    expect(result.accounting.match).toBe(true);
  });

  it('prints perf-test window and summary lines on stdout without --json', () => {
    const topic = uniqueTopic('produce-lines');
    const run = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '30000', '--workers', '2',
      '--throughput', '15000', '--reporting-interval', '500', '--warmup-records', '5000']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    const summaries = lines.filter((line) => PERF_SUMMARY_LINE.test(line));
    expect(summaries[0]).toMatch(/^30000 records sent, /);
    expect(summaries[1]).toMatch(/^25000 steady state records sent, /);
    expect(lines.filter((line) => PERF_WINDOW_LINE.test(line)).length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => PERF_WINDOW_LINE.test(line) || PERF_SUMMARY_LINE.test(line))).toBe(true);
    expect(run.stderr).toMatch(/latency from intended send time \(coordinated omission corrected\): [\d.]+ ms avg/);
  });

  it('--throughput-profile: paced by the profile, never ahead of it, and latency is measured from the intended times', () => {
    const topic = uniqueTopic('produce-profile');
    const { code, result, stderr } = produceJson(['--topic', topic, '--duration', '6s', '--workers', '2',
      '--throughput-profile', '0s:1000,3s:6000,6s:6000', '--reporting-interval', '1000']);
    expect(code).toBe(0);
    expect(stderr).toContain('throughput profile 0s:1000,3s:6000,6s:6000 records/s;');
    // The schedule itself is tested exactly (rate-profile.test.ts); here, loads that a busy machine can keep:
    // nothing is sent ahead of the profile (its area by 6 s is 28,500), and the ramp shows in the windows.
    const profile = new RateProfile(result.config.throughputProfile!);
    expect(result.totals.records).toBeGreaterThan(0);
    expect(result.totals.records).toBeLessThanOrEqual(Math.floor(profile.dueBy(6000)) + 2);
    const windows = result.intervals.filter((w) => w.durationMs > 500);
    expect(windows.at(-1)!.recordsPerSec).toBeGreaterThan(windows[0].recordsPerSec);
    // Each window states the rate the profile asked for over it: between the profile's lowest and highest.
    for (const w of result.intervals) {
      expect(w.profileRecordsPerSec).toBeGreaterThanOrEqual(1000);
      expect(w.profileRecordsPerSec).toBeLessThanOrEqual(6000);
    }
    expect(stderr).toMatch(/ ms max latency\. \(profile: \d+\.\d records\/sec\)\n/);
    expect(result.intendedLatency?.count).toBe(result.totals.records);
    expect(result.accounting.match).toBe(true);
  });

  it('--metrics-port: Prometheus text while it runs, and after the report the same figures as the report', async () => {
    const topic = uniqueTopic('produce-metrics');
    const port = await freePort();
    const run = startCli(['produce', '--bootstrap-server', server, '--topic', topic, '--duration', '4s', '--throughput', '5000', '--workers', '2',
      '--reporting-interval', '500', '--metrics-port', String(port), '--metrics-hold', '30s', '--json']);
    const scrape = async () => Object.fromEntries((await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).split('\n')
      .filter((line) => line && !line.startsWith('#')).map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
    await until(() => PERF_WINDOW_LINE.test(run.output.stderr.split('\n').find((line) => line.includes('records sent')) ?? ''), 'a window line');
    const during = await scrape();
    expect(during.datastorm_records_acknowledged_total).toBeGreaterThan(0);
    expect(during.datastorm_payload_bytes_acknowledged_total).toBeGreaterThan(0);
    expect(during['datastorm_latency_seconds{quantile="0.99"}']).toBeGreaterThan(0);
    // Buffers hold records from a batch's first append to its acknowledgement: at 2500 records/s a worker nearly
    // always has one; scrapes go on until one sees it (the gauges are set every 200 ms), whole buffers each time.
    let buffered = during.datastorm_buffered_bytes;
    for (let scrapes = 0; buffered === 0 && scrapes < 30; scrapes++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      buffered = (await scrape()).datastorm_buffered_bytes;
    }
    expect(buffered).toBeGreaterThan(0);
    expect(during.datastorm_requests_in_flight).toBeGreaterThanOrEqual(0);
    await until(() => run.output.stdout.trimEnd().endsWith('}'), 'the JSON result', 60_000);
    const result = JSON.parse(run.output.stdout) as ProduceResult;
    const after = await scrape();
    expect(after.datastorm_records_acknowledged_total).toBe(result.totals.records);
    expect(after.datastorm_payload_bytes_acknowledged_total).toBe(result.totals.payloadBytes);
    expect(after['datastorm_latency_seconds{quantile="0.99"}']).toBe(result.latency.p99Us / 1e6);
    expect(after.datastorm_latency_max_seconds).toBe(result.latency.maxUs / 1e6);
    expect(buffered % result.buffers.bufferBytes).toBe(0);
    // Everything acknowledged, every buffer back: the last gauges the workers set.
    expect([after.datastorm_requests_in_flight, after.datastorm_buffered_bytes]).toEqual([0, 0]);
    run.interrupt();
    await run.exited;
  });

  it('holds --throughput and reports latency from the intended send time too', () => {
    const topic = uniqueTopic('produce-rate');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '6000', '--workers', '2', '--throughput', '3000']);
    expect(code).toBe(0);
    // 6000 records at 3000/s take 2 s: not less (the limit holds), and not much more on an idle-enough machine.
    expect(result.totals.durationMs).toBeGreaterThan(1900);
    expect(result.totals.durationMs).toBeLessThan(6000);
    expect(result.intendedLatency?.count).toBe(6000);
    expect(result.intendedLatency!.p50Us).toBeGreaterThan(0);
  });

  // Three tests, not one: six runs and five read-backs in one test passed 120 s at load average 20.
  it('sends keyed records with --keys round-robin', async () => {
    const topic = uniqueTopic('produce-keys');
    const keyed = produceJson(['--topic', topic, '--num-records', '4096', '--workers', '2', '--keys', 'round-robin']);
    expect(keyed.code).toBe(0);
    const messages = await consumeAll(bootstrap, topic, 4096);
    expect(new Set(messages.map((m) => m.key!.toString())).size).toBe(1024);
  });

  it('compresses with every codec, and what it sends reads back', async () => {
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      const codecTopic = uniqueTopic(`produce-${codec}`);
      const { code, result } = produceJson(['--topic', codecTopic, '--num-records', '3000', '--workers', '2', '--compression', codec, '--batch', '128KB']);
      expect(code).toBe(0);
      expect(result.accounting.match).toBe(true);
      // The click events compress like real ones: fewer bytes on the wire than in the values.
      expect(result.totals.compressionRatio).toBeGreaterThan(1.5);
      expect(await consumeAll(bootstrap, codecTopic, 3000)).toHaveLength(3000);
    }
  }, 300_000);

  it('reconciles a --duration run', () => {
    const timed = produceJson(['--topic', uniqueTopic('produce-duration'), '--duration', '2s', '--workers', '2', '--throughput', '2000']);
    expect(timed.code).toBe(0);
    // Whatever a busy machine managed in 2 s (4,000 were due): sent, acknowledged and on the broker alike.
    expect(timed.result.totals.records).toBeGreaterThan(0);
    expect(timed.result.accounting).toMatchObject({ acknowledgedRecords: timed.result.totals.records, brokerOffsetGrowth: timed.result.totals.records, match: true });
  });

  it('stops cleanly on Ctrl-C with a partial report and exit code 130', async () => {
    const topic = uniqueTopic('produce-sigint');
    const produce = startCli(['produce', '--bootstrap-server', server, '--topic', topic, '--duration', '120s',
      '--workers', '2', '--throughput', '5000', '--reporting-interval', '500']);
    await until(() => PERF_WINDOW_LINE.test(produce.output.stdout.split('\n')[0]), 'a window line');
    // The header says what runs from the start, not only in the report at the end.
    expect(produce.output.stderr).toContain(`topic ${topic} (8 partitions) on `);
    produce.interrupt();
    expect(await produce.exited).toBe(130);
    const { stdout, stderr } = produce.output;
    expect(stderr).toContain('interrupted');
    expect(stdout.split('\n').some((line) => PERF_SUMMARY_LINE.test(line))).toBe(true);
    expect(stderr).toMatch(/accounting: (\d+) records acknowledged = \1 records added/);
    expect(stderr).toContain('PARTIAL RUN');
  });

  it('waits for a --start-at beyond Node\'s longest timer (24.8 days), sends nothing before it, and a Ctrl-C ends the wait', async () => {
    const topic = uniqueTopic('produce-far-barrier');
    const produce = startCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '1000', '--workers', '2',
      '--start-at', '+99999h', '--reporting-interval', '500']);
    await until(() => produce.output.stderr.includes('the start barrier'), 'the run to be ready');
    expect(produce.output.stderr).toMatch(/ready: starting at \S+ \(in 35999\d{4}\.\d s\), the start barrier/);
    // Time for a start that did not wait to show (it did, in 1 ms, with Node's TimeoutOverflowWarning).
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await topicEndOffsetTotal(admin, topic)).toBe(0);
    produce.interrupt();
    expect(await produce.exited).toBe(130);
    const { stdout, stderr } = produce.output;
    expect(stderr).not.toContain('TimeoutOverflowWarning');
    expect(stdout).toMatch(/^0 records sent, /);
    expect(stderr).toMatch(/^start: none: stopped 35999\d{4}\.\d s before the barrier \S+, nothing was sent$/m);
    expect(stderr).toContain(`accounting: 0 records acknowledged = 0 records added to ${topic}`);
    expect(await topicEndOffsetTotal(admin, topic)).toBe(0);
  });

  it('produces in transactions (perf-test\'s flags): committed every duration, all of it visible to read_committed consumers', async () => {
    const topic = uniqueTopic('produce-transactions');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '40000', '--workers', '2',
      '--transactional-id', `${topic}-tx`, '--transaction-duration-ms', '400', '--partitions', '4']);
    expect(code).toBe(0);
    const t = result.transactions!;
    expect(t.committed).toBeGreaterThanOrEqual(2); // each worker commits its last one at least
    expect(t).toMatchObject({ aborted: 0, committedRecords: 40000 });
    // Each commit writes a marker in every partition it wrote to, and the topic's offsets count them.
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 40000, transactionMarkers: t.markers, brokerOffsetGrowth: 40000 + t.markers, match: true });
    expect(t.markers).toBeGreaterThanOrEqual(t.committed);
    expect(stderr).toMatch(new RegExp(`transactions: ${t.committed} committed \\(40000 records, what read_committed consumers see\\), 0 aborted; [\\d.]+ commits/s, a commit took [\\d.]+ ms on average \\(longest [\\d.]+ ms\\); one every 400 ms per producer, transactional ids ${topic}-tx-0\\.\\.1`));
    expect(await consumeAll(bootstrap, topic, 40000)).toHaveLength(40000); // kafkajs reads read_committed
  });

  it('--key-distribution sequential: every record its own key, on the partition Java\'s partitioner gives it', async () => {
    const topic = uniqueTopic('produce-sequential-keys');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '5000', '--workers', '2', '--partitions', '6', '--key-distribution', 'sequential']);
    expect(code).toBe(0);
    expect(result.config.keys).toBe('sequential');
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 5000, brokerOffsetGrowth: 5000, match: true });
    const consumer = createKafka(bootstrap, 'datastorm-test-reader').consumer({ groupId: `${topic}-reader` });
    const placed: Array<[string, number]> = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({ eachMessage: async ({ message, partition }) => { if (placed.push([message.key!.toString(), partition]) === 5000) resolve(); } });
    });
    await consumer.disconnect();
    expect(placed.map(([key]) => key).sort()).toEqual(Array.from({ length: 5000 }, (_, i) => `key-${i}`).sort());
    for (const [key, partition] of placed) expect(partition).toBe(partitionOfKey(Buffer.from(key), 6));
  });

  it('produces to several topics (--topic-count), records spread evenly, the accounting checked per topic on the broker', async () => {
    const prefix = uniqueTopic('produce-topics');
    const topics = [0, 1, 2].map((i) => `${prefix}-${i}`);
    const { code, result, stderr } = produceJson(['--topic', prefix, '--topic-count', '3', '--num-records', '9001', '--workers', '2',
      '--partitions', '4', '--keys', 'round-robin']);
    expect(code).toBe(0);
    expect(result.config.topics).toEqual(topics);
    // Worker 0 sends 4501 records, worker 1 4500; record i of each goes to topic i % 3.
    const counts = [3001, 3000, 3000];
    expect(result.accounting.topics).toEqual(topics.map((topic, i) => ({ topic, acknowledgedRecords: counts[i], brokerOffsetGrowth: counts[i], match: true })));
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 9001, brokerOffsetGrowth: 9001, match: true });
    for (const [i, topic] of topics.entries()) expect(await topicEndOffsetTotal(admin, topic)).toBe(counts[i]);
    expect(stderr).toContain(`3 topics ${topics.join(', ')} (4 partitions each) on `);
    expect(stderr).toContain(`accounting: 9001 records acknowledged = 9001 records added to 3 topics (${topics[0]} 3001, ${topics[1]} 3000, ${topics[2]} 3000) (broker offsets): OK`);
  });

  it('aborts --abort-rate of the transactions: their records are on the broker, and read_committed consumers never see them', async () => {
    const topic = uniqueTopic('produce-transaction-aborts');
    const { code, result, stderr } = produceJson(['--topic', topic, '--num-records', '20000', '--workers', '2', '--throughput', '10000',
      '--transactional-id', `${topic}-tx`, '--transaction-duration-ms', '200', '--abort-rate', '0.5', '--partitions', '4']);
    expect(code).toBe(0);
    const t = result.transactions!;
    // Two seconds at the rate, 200 ms transactions: several per worker, every second one aborted.
    expect(t.aborted).toBeGreaterThanOrEqual(2);
    expect(t.committed).toBeGreaterThanOrEqual(t.aborted);
    expect(t.abortedRecords).toBeGreaterThan(0);
    expect(t.committedRecords + t.abortedRecords).toBe(20000);
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 20000, brokerOffsetGrowth: 20000 + t.markers, match: true });
    expect(stderr).toContain(`${t.aborted} aborted (${t.abortedRecords} records, --abort-rate 0.5); `);
    expect(stderr).toMatch(/an abort took [\d.]+ ms on average \(longest [\d.]+ ms\)/);
    // Every record is on the broker; read_committed sees exactly the committed ones (reading on for 3 s finds no more).
    expect(await consumeAll(bootstrap, topic, 20000, { readUncommitted: true, quietMs: 1000 })).toHaveLength(20000);
    expect(await consumeAll(bootstrap, topic, t.committedRecords, { quietMs: 3000 })).toHaveLength(t.committedRecords);
  });

  it('commits a transaction whose time ran out while every buffer was full and nothing was in flight', () => {
    // Tiny buffers and 5 ms transactions: a transaction often ends during a slice that fills both buffers after
    // the last acknowledgement. Waiting for an acknowledgement then waited out --max-block (5-16 records failed).
    const topic = uniqueTopic('produce-transactions-full');
    const { code, result } = produceJson(['--topic', topic, '--num-records', '10000', '--workers', '1', '--transaction-duration-ms', '5',
      '--buffer-memory', '128KB', '--batch', '64KB', '--max-block', '3000', '--partitions', '4']);
    expect(code).toBe(0);
    expect(result.totals.errors).toEqual({});
    expect(result.transactions).toMatchObject({ aborted: 0, committedRecords: 10000 });
    expect(result.accounting.match).toBe(true);
  });

  it('commits what was acknowledged when a transactional run is stopped with Ctrl-C', async () => {
    const topic = uniqueTopic('produce-transactions-sigint');
    const produce = startCli(['produce', '--bootstrap-server', server, '--topic', topic, '--duration', '120s', '--workers', '2',
      '--throughput', '5000', '--reporting-interval', '500', '--transaction-duration-ms', '1000']);
    // Stopped once records flow: on a busy machine the first windows can pass while the producers still start their transactions.
    await until(() => produce.output.stderr.includes('idempotent, in transactions of 1000 ms, ') && PERF_WINDOW_LINE.test(produce.output.stdout.split('\n')[0])
      && /^[1-9]\d* records sent/m.test(produce.output.stdout), 'a window line with records', 90_000);
    produce.interrupt();
    expect(await produce.exited).toBe(130);
    const acknowledged = Number(/accounting: (\d+) records acknowledged \+ \d+ transaction markers = \d+ offsets added/.exec(produce.output.stderr)?.[1]);
    expect(acknowledged).toBeGreaterThan(0);
    expect(produce.output.stderr).toContain(`(${acknowledged} records, what read_committed consumers see), 0 aborted`);
    expect(await consumeAll(bootstrap, topic, acknowledged)).toHaveLength(acknowledged);
  });
});

describe('datastorm produce refuses bad input with one line and a non-zero exit', () => {
  const expectOneLineError = (args: string[], pattern: RegExp) => {
    const run = runCli(['produce', '--bootstrap-server', server, ...args], { timeoutMs: 60_000 });
    expect(run.code).not.toBe(0);
    expect(run.signal).toBeNull();
    const errorLines = run.stderr.trim().split('\n').filter((line) => line.startsWith('error'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(pattern);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  };

  it('an unknown codec', () => expectOneLineError(['--compression', 'brotli'], /unknown codec "brotli"/));
  it('transactions without acks=all', () => expectOneLineError(['--transactional-id', 'tx', '--acks', '1'], /transactions \(--transactional-id, --transaction-duration-ms\) need --acks all and idempotence/));

  it('an invalid schema', () => {
    const schema = join(dir, 'bad.avsc');
    writeFileSync(schema, '{"type": "record", "name": "X", "fields": [{"name": "a", "type": "strin"}]}');
    expectOneLineError(['--topic', uniqueTopic('bad-schema'), '--schema', schema, '--num-records', '10'], /DS_BAD_SCHEMA: invalid Avro schema/);
  });

  it('unreachable brokers', () => {
    const run = runCli(['produce', '--bootstrap-server', '127.0.0.1:1', '--num-records', '10'], { timeoutMs: 60_000 });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^error DS_UNREACHABLE: cannot reach Kafka at 127\.0\.0\.1:1/);
  });

  it('a batch or a record larger than the topic accepts', async () => {
    const topic = uniqueTopic('small-topic');
    await createTopicsSettled(admin, [{ topic, numPartitions: 1, replicationFactor: 1,
      configEntries: [{ name: 'max.message.bytes', value: '100000' }] }]);
    expectOneLineError(['--topic', topic, '--num-records', '10', '--batch', '1MB'], /DS_BATCH_TOO_LARGE: --batch 1048576 bytes/);
    expectOneLineError(['--topic', topic, '--num-records', '10', '--batch', '16KB', '--record-size', '200KB'], /DS_RECORD_TOO_LARGE: a record of 204800 bytes/);
  });

  it('options that exclude each other and producer properties it cannot honour', () => {
    expectOneLineError(['--num-records', '10', '--duration', '5s'], /--num-records and --duration exclude each other/);
    expectOneLineError(['--producer-props', 'delivery.timeout.ms=1'], /producer property delivery.timeout.ms is not supported/);
    expectOneLineError(['--producer-props', 'buffer.memory=1'], /DS_BAD_OPTION: buffer.memory 1 B split across \d+ workers/);
    // A bad property value used to end with exit 1 and no output at all.
    expectOneLineError(['--producer-props', 'buffer.memory=abc'], /^error DS_BAD_OPTION: buffer.memory takes a size such as 16MB/);
    expectOneLineError(['--producer-props', 'linger.ms=-5'], /^error DS_BAD_OPTION: linger.ms takes a whole number from 0 to 60000, not "-5"/);
    expectOneLineError(['--workers', '0'], /--workers takes a whole number from 1 to 256/);
    expectOneLineError(['--batch', 'huge'], /--batch takes a size such as 16MB/);
  });
});
