import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, inject, it } from 'vitest';
import { CODEC_NAMES } from '../../src/kafka/codecs.js';
import { consumeAll, runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const RECORDS = 3000;
const scratch = mkdtempSync(join(tmpdir(), 'datastorm-pre-encoded-'));
const VALUES = Array.from({ length: 50 }, (_, i) => `value-${i}-${'x'.repeat(i)}`);
const payloadFile = join(scratch, 'values.txt');
writeFileSync(payloadFile, VALUES.join('\n'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// Stage v5's batches, read back by an independent client: what the broker holds must be what a producer writing
// record by record would have sent. acks=all, so idempotence is on (sequence numbers checked by the broker).
describe.concurrent('pre-encoded batches (the default for unkeyed records from a value pool)', () => {
  for (const [i, codec] of CODEC_NAMES.entries()) {
    const workers = i % 2 === 0 ? 1 : 2; // one worker runs on the main thread, two on worker threads
    it(`come back whole with ${codec}, ${workers} worker(s), idempotent`, async ({ expect }) => {
      const topic = uniqueTopic(`pre-encoded-${codec}`);
      const startedMs = Date.now();
      const run = runCli(['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--num-records', String(RECORDS),
        '--workers', String(workers), '--compression', codec, '--payload-file', payloadFile, '--header', 'trace=abc',
        '--batch', '16KB', '--partitions', '3', '--json'], { timeoutMs: 180_000 });
      expect(run.code, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout);
      expect(result.config.batchEncoding).toBe('pre-encoded');
      expect(result.config.idempotent).toBe(true);
      expect(result.accounting).toMatchObject({ acknowledgedRecords: RECORDS, brokerOffsetGrowth: RECORDS, match: true });
      const endedMs = Date.now();
      const messages = await consumeAll(bootstrap, topic, RECORDS, { quietMs: 2000, timeoutMs: 120_000 });
      expect(messages).toHaveLength(RECORDS);
      const seen = new Map<string, number>();
      for (const message of messages) {
        expect(message.key).toBeNull();
        const value = message.value!.toString();
        seen.set(value, (seen.get(value) ?? 0) + 1);
        expect(Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, v!.toString()]))).toEqual({ trace: 'abc' });
        expect(Number(message.timestamp)).toBeGreaterThanOrEqual(startedMs);
        expect(Number(message.timestamp)).toBeLessThanOrEqual(endedMs);
      }
      // Every value of the file, and nothing else.
      expect([...seen.keys()].sort()).toEqual([...VALUES].sort());
    });
  }

  it('send every value of the pool equally often: a default 2-worker run, read back from the broker', async ({ expect }) => {
    const topic = uniqueTopic('pre-encoded-values');
    const records = 204_800;
    const run = runCli(['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--num-records', String(records),
      '--workers', '2', '--partitions', '3', '--json'], { timeoutMs: 180_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.config.batchEncoding).toBe('pre-encoded');
    expect(result.accounting).toMatchObject({ acknowledgedRecords: records, brokerOffsetGrowth: records, match: true });
    const messages = await consumeAll(bootstrap, topic, records, { quietMs: 2000, timeoutMs: 150_000 });
    expect(messages).toHaveLength(records);
    const counts = new Map<string, number>();
    for (const message of messages) counts.set(message.value!.toString('base64'), (counts.get(message.value!.toString('base64')) ?? 0) + 1);
    // 1,024 values, 102,400 records a worker: each value 100 times from each.
    expect(counts.size).toBe(1024);
    expect([Math.min(...counts.values()), Math.max(...counts.values())]).toEqual([200, 200]);
  });

  it('under a rate limit that makes batches small, still send every value in turn', async ({ expect }) => {
    // 1,000 records/s for one worker, linger 5 ms: batches of about 5 records, each starting where the one before ended.
    const topic = uniqueTopic('pre-encoded-rate-limited');
    const records = 500;
    const run = runCli(['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--num-records', String(records),
      '--workers', '1', '--throughput', '1000', '--payload-file', payloadFile, '--partitions', '3', '--json'], { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.config.batchEncoding).toBe('pre-encoded');
    expect(result.accounting).toMatchObject({ acknowledgedRecords: records, brokerOffsetGrowth: records, match: true });
    const messages = await consumeAll(bootstrap, topic, records, { quietMs: 2000, timeoutMs: 120_000 });
    const seen = new Map<string, number>();
    for (const message of messages) seen.set(message.value!.toString(), (seen.get(message.value!.toString()) ?? 0) + 1);
    // 500 records over 50 values in turn: each value 10 times.
    expect([...seen.keys()].sort()).toEqual([...VALUES].sort());
    expect([...seen.values()].every((count) => count === records / VALUES.length)).toBe(true);
  });

  it('reused (--batch-encoding pre-encoded-reused) come back whole, and every report says the compression was reused', async ({ expect }) => {
    const topic = uniqueTopic('pre-encoded-reused');
    const run = runCli(['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--num-records', String(RECORDS),
      '--workers', '1', '--compression', 'lz4', '--batch-encoding', 'pre-encoded-reused', '--payload-file', payloadFile, '--batch', '16KB', '--partitions', '3'],
    { timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/pre-encoded batches, compressed once and reused \(the client's compression cost not measured\), compression lz4/);
    const messages = await consumeAll(bootstrap, topic, RECORDS, { quietMs: 2000, timeoutMs: 120_000 });
    expect(messages).toHaveLength(RECORDS);
    expect(new Set(messages.map((m) => m.value!.toString())).size).toBe(VALUES.length);
  });

  it('are refused, in one line before any work, where records must be written one by one', ({ expect }) => {
    const run = runCli(['produce', '--bootstrap-server', '127.0.0.1:1', '--batch-encoding', 'pre-encoded', '--keys', 'random']);
    expect(run.code).not.toBe(0);
    expect(run.stderr.trim().split('\n')[0]).toMatch(/--batch-encoding pre-encoded needs unkeyed records .* this run has keyed records \(--keys random\)/);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
