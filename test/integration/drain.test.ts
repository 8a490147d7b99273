import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { DrainResult } from '../../src/drain/drain.js';
import type { SinkStats } from '../../src/drain/sink-server.js';
import { CLI, runCli, startCli, uniqueTopic, until } from '../helpers.js';

/**
 * drain through the real CLI, into real sink processes (`datastorm sink`), on the real cluster: what arrived is
 * counted by the sink's /stats, what was committed is read from the broker. Counts only, no timing (the speed
 * figures are benchmarks/drain-vs-serial.mjs's).
 */
const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-drain-test').admin();
const RECORDS = 10_000;
const PARTITIONS = 8;
/** Each sink of this file its own port (28000-28999 is drain's range here); the worker id keeps parallel files apart. */
let nextPort = 28_500 + (Number(process.env.VITEST_POOL_ID ?? 0) % 10) * 40;
const sinks: ChildProcess[] = [];

beforeAll(() => admin.connect());
afterAll(async () => {
  for (const sink of sinks) sink.kill('SIGTERM');
  await admin.disconnect();
});

async function startSink(args: string[]): Promise<{ url: string; stats: (topic: string) => Promise<SinkStats> }> {
  const port = nextPort++;
  const child = spawn(process.execPath, [CLI, 'sink', '--port', String(port), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  sinks.push(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
  await until(() => stderr.includes('sink listening') || child.exitCode !== null, 'the sink to listen', 30_000);
  expect(child.exitCode, stderr).toBeNull();
  const url = `http://127.0.0.1:${port}`;
  return { url, stats: async (topic) => (await fetch(`${url}/stats?topic=${topic}`)).json() as Promise<SinkStats> };
}

/** A topic of RECORDS records over 1024 keys, written by the product's own produce. */
function keyedTopic(prefix: string): string {
  const topic = uniqueTopic(prefix);
  const out = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(RECORDS), '--keys', 'random',
    '--record-size', '64', '--partitions', String(PARTITIONS), '--workers', '1']);
  expect(out.code, out.stderr).toBe(0);
  return topic;
}

function drainArgs(topic: string, group: string, sinkUrl: string, extra: string[]): string[] {
  return ['drain', '--bootstrap-server', server, '--topic', topic, '--group', group, '--sink', sinkUrl, '--from-beginning', '--json',
    '--lag-interval', '500ms', ...extra];
}

/** The group's committed offset per partition, from the broker. */
async function committedOffsets(group: string, topic: string): Promise<number[]> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => Math.max(0, Number(p.offset)));
}

async function endOffsets(topic: string): Promise<number[]> {
  return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => Number(p.high));
}

describe('datastorm drain into datastorm sink, on the real cluster', () => {
  let topic: string;
  beforeAll(() => { topic = keyedTopic('drain'); }, 120_000);

  it('fan-out into a sink failing 5% of calls: every record once in key order, no gap, duplicates counted, the group at the end offsets', async () => {
    const sink = await startSink(['--latency', '5ms', '--error-rate', '0.05']);
    const group = `${topic}-fanout`;
    const chart = join(mkdtempSync(join(tmpdir(), 'datastorm-drain-')), 'lag.svg');
    const out = runCli(drainArgs(topic, group, sink.url, ['--size', '50', '--retry-interval', '20ms', '--chart', chart]), { timeoutMs: 180_000 });
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as DrainResult;
    const stats = await sink.stats(topic);
    expect([stats.records, stats.gaps, stats.orderViolations]).toEqual([RECORDS, 0, 0]);
    expect(stats.deliveries).toBe(RECORDS + stats.duplicates);
    expect(stats.failedCalls).toBeGreaterThan(0);
    expect(result.statuses['503']).toBe(stats.failedCalls);
    expect(result.retries).toBeGreaterThanOrEqual(stats.failedCalls);
    expect(result.recordsDelivered).toBe(RECORDS);
    expect(result.stopReason).toBe('caught-up');
    expect(result.accounting).toMatchObject({ committedMatchesAcknowledged: true, committedAtEnd: true });
    expect(await committedOffsets(group, topic)).toEqual(await endOffsets(topic));
    expect(result.lag.samples.at(-1)!.totalLag).toBe(0);
    expect(readFileSync(chart, 'utf8')).toContain('<svg');
    expect(out.stderr).toContain(`committed offsets of ${group}: +${RECORDS} records over ${PARTITIONS} partitions, equal to the acknowledged prefix, at the end offsets`);
  }, 180_000);

  it('serial: one call at a time per partition, so even partitions arrive in offset order', async () => {
    const sink = await startSink(['--latency', '1ms']);
    const group = `${topic}-serial`;
    const out = runCli(drainArgs(topic, group, sink.url, ['--mode', 'serial']), { timeoutMs: 180_000 });
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as DrainResult;
    const stats = await sink.stats(topic);
    expect([stats.records, stats.gaps, stats.orderViolations, stats.reorders, stats.duplicates]).toEqual([RECORDS, 0, 0, 0, 0]);
    expect(result.lanes).toBe(PARTITIONS);
    expect(await committedOffsets(group, topic)).toEqual(await endOffsets(topic));
  }, 180_000);

  it('a drain killed mid-way and restarted loses nothing and re-delivers only records past the committed prefix', async () => {
    const sink = await startSink(['--latency', '20ms']);
    const group = `${topic}-restart`;
    // 40 lanes of 20 ms: at most 2,000 records/s, so the kill lands mid-way.
    const args = drainArgs(topic, group, sink.url, ['--size', '40', '--commit-interval', '200ms']);
    const first = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    let delivered = 0;
    const poll = setInterval(() => { void sink.stats(topic).then((s) => { delivered = s.records; }); }, 100);
    try {
      await until(() => delivered >= RECORDS / 4 || first.exitCode !== null, 'a quarter of the records to arrive', 120_000);
    } finally {
      clearInterval(poll);
    }
    expect(first.exitCode, 'the first drain was still running').toBeNull();
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    // Calls the sink was serving when the drain died still end (20 ms): count after them.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const beforeRestart = await sink.stats(topic);
    const committed = await committedOffsets(group, topic);
    const committedRecords = committed.reduce((sum, offset) => sum + offset, 0);
    expect(beforeRestart.records).toBeLessThan(RECORDS);
    expect(committedRecords).toBeLessThanOrEqual(beforeRestart.records);

    const second = runCli(args, { timeoutMs: 180_000 });
    expect(second.code, second.stderr).toBe(0);
    const stats = await sink.stats(topic);
    expect([stats.records, stats.gaps, stats.orderViolations]).toEqual([RECORDS, 0, 0]);
    // Exactly the records acknowledged past the committed prefix came twice, and none below it.
    expect(stats.duplicates).toBe(beforeRestart.records - committedRecords);
    for (const p of stats.partitions) {
      if (p.minDuplicateOffset !== null) expect(p.minDuplicateOffset, `partition ${p.partition}`).toBeGreaterThanOrEqual(committed[p.partition]);
    }
    expect(await committedOffsets(group, topic)).toEqual(await endOffsets(topic));
  }, 240_000);

  it('Ctrl-C stops the calls, commits exactly what the sink acknowledged, prints the partial report and exits 130', async () => {
    const sink = await startSink(['--latency', '50ms']);
    const group = `${topic}-interrupt`;
    const drain = startCli(drainArgs(topic, group, sink.url, ['--size', '10']));
    await until(() => drain.output.stderr.includes('records behind'), 'the drain to start', 60_000);
    let delivered = 0;
    const poll = setInterval(() => { void sink.stats(topic).then((s) => { delivered = s.records; }); }, 100);
    try {
      await until(() => delivered >= 500, 'some records to arrive', 120_000);
    } finally {
      clearInterval(poll);
    }
    drain.interrupt();
    expect(await drain.exited).toBe(130);
    const result = JSON.parse(drain.output.stdout) as DrainResult;
    expect([result.partial, result.stopReason, result.drainMs]).toEqual([true, 'interrupted', null]);
    expect(result.accounting.committedMatchesAcknowledged).toBe(true);
    const committed = await committedOffsets(group, topic);
    expect(committed).toEqual(result.accounting.partitions.map((p) => p.acknowledgedTo));
    // Lanes stopped at different places, so holes between them are expected here; order within a key still holds.
    const stats = await sink.stats(topic);
    expect(stats.orderViolations).toBe(0);
    expect(committed.reduce((sum, offset) => sum + offset, 0)).toBeLessThanOrEqual(stats.records);
  }, 180_000);

  it('batches: --batch-size 25 sends go-dmux v2 bodies the sink reads back record by record; header values stay out of the report', async () => {
    const sink = await startSink(['--latency', '2ms']);
    const group = `${topic}-batch`;
    const out = runCli(drainArgs(topic, group, sink.url, ['--size', '16', '--batch-size', '25', '--header', 'Authorization: Bearer s3cret']),
      { timeoutMs: 180_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout + out.stderr).not.toContain('s3cret');
    const result = JSON.parse(out.stdout) as DrainResult;
    const stats = await sink.stats(topic);
    expect([stats.records, stats.gaps, stats.orderViolations, stats.badCalls]).toEqual([RECORDS, 0, 0, 0]);
    expect(result.calls).toBeLessThan(RECORDS / 2);
  }, 180_000);
});

describe('datastorm drain into a sink that takes nothing', () => {
  it('refuses a sink that is not listening in one line, before any work', async () => {
    const topic = uniqueTopic('drain-nowhere');
    const out = runCli(drainArgs(topic, `${topic}-g`, 'http://127.0.0.1:1', []), { timeoutMs: 60_000 });
    expect([out.code, out.stdout]).toEqual([1, '']);
    expect(out.stderr).toBe('error DS_HTTP_UNREACHABLE: nothing answers at http://127.0.0.1:1 (ECONNREFUSED) (start the sink, or check --sink)\n');
  });

  it('says while it runs that no call succeeds, and exits non-zero when nothing could be delivered', async () => {
    const topic = keyedTopic('drain-refused');
    const sink = await startSink(['--error-rate', '1']);
    const group = `${topic}-g`;
    // 200 lanes (the default --size) wait between retries at once.
    const out = runCli(drainArgs(topic, group, sink.url, ['--duration', '6s', '--retry-interval', '100ms']), { timeoutMs: 120_000 });
    expect(out.code, out.stderr).toBe(1);
    expect(out.stderr).not.toMatch(/\n\s+at /);
    expect(out.stderr).not.toContain('MaxListenersExceededWarning');
    const lines = out.stderr.trimEnd().split('\n');
    const failing = lines.findIndex((line) => /^sink: no call succeeded for \d+\.\d s: \d+ calls failed \(503 x\d+\); each is retried every 100 ms until it succeeds$/.test(line));
    const summary = lines.findIndex((line) => line.startsWith('delivered 0 records in '));
    expect([failing > 0, failing < summary]).toEqual([true, true]);
    const result = JSON.parse(out.stdout) as DrainResult;
    expect([result.recordsDelivered, result.calls > 0, result.statuses['503']]).toEqual([0, true, result.calls]);
    expect(lines.at(-1)).toBe(`error DS_SINK_FAILED: no record could be delivered: all ${result.calls} calls to ${sink.url} failed (see the calls line) (check why the sink fails them)`);
    expect(await committedOffsets(group, topic)).toEqual(new Array(PARTITIONS).fill(0));
  }, 180_000);
});
