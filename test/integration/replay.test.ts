import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { DigestBuilder } from '../../src/consume/replay-digest.js';
import { runReplayCheck, type ReplayResult } from '../../src/consume/replay.js';
import { PLAINTEXT } from '../../src/security/client-security.js';
import { CLI, createTopicsSettled, runCli, sendByPartition, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const kafka = createKafka(bootstrap, 'datastorm-replay-test');
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });

beforeAll(async () => {
  await admin.connect();
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await admin.disconnect();
});

/** A 3-partition topic with 30 records in known partitions and order; returns the digest they must give. */
async function seededTopic(prefix: string) {
  const topic = uniqueTopic(prefix);
  await createTopicsSettled(admin, [{ topic, numPartitions: 3, replicationFactor: 3 }]);
  const messages = Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, key: `key-${i % 4}`, value: `value-${i}` }));
  await sendByPartition(producer, { topic }, messages);
  const expected = new DigestBuilder();
  for (const m of messages) expected.add(m.partition, Buffer.from(m.key), Buffer.from(m.value));
  return { topic, expected: expected.finish(3) };
}

describe('datastorm replay-check on the real cluster', () => {
  it('passes when both passes read the same records, and leaves the group at the end offsets', async () => {
    const { topic, expected } = await seededTopic('replay-ok');
    const group = `${topic}-group`;
    const run = runCli(['replay-check', '--bootstrap-server', server, '--topic', topic, '--group', group, '--json']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ReplayResult;
    expect(result.match).toBe(true);
    for (const pass of result.passes) {
      expect(pass.records).toBe(30);
      expect(pass.expectedRecords).toBe(30);
      expect(pass.startOffsets).toEqual([0, 0, 0]);
      expect(pass.endOffsets).toEqual([10, 10, 10]);
      expect(pass.sha256).toBe(expected.sha256);
      expect(pass.keyCounts).toEqual({ 'key-0': 8, 'key-1': 8, 'key-2': 7, 'key-3': 7 });
    }
    expect(run.stderr).toContain(`replay check passed: both passes read the same 30 records in the same order (sha256 ${expected.sha256})`);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed.partitions.map((p) => p.offset).sort()).toEqual(['10', '10', '10']);
  });

  it('fails, naming the partition and the key, when records are added between the passes', async () => {
    const { topic, expected } = await seededTopic('replay-added');
    const result = await runReplayCheck({ driver: 'kafkajs', bootstrap, security: PLAINTEXT, topic, group: `${topic}-group`, timeoutMs: 30_000 }, {
      betweenPasses: async () => {
        await producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition: 1, key: 'late', value: `late-${i}` })) });
      },
    });
    expect(result.match).toBe(false);
    expect(result.passes.map((p) => p.records)).toEqual([30, 35]);
    expect(result.passes[0].sha256).toBe(expected.sha256);
    expect(result.passes[1].endOffsets).toEqual([10, 15, 10]);
    expect(result.diff.partitions.map((p) => [p.partition, p.first.records, p.second.records])).toEqual([[1, 10, 15]]);
    expect(result.diff.keys).toEqual([{ key: 'late', first: 0, second: 5 }]);
  });

  it('exits 1 with the diff when a producer keeps writing during the check', async () => {
    const { topic } = await seededTopic('replay-live');
    const child = spawn(process.execPath, [CLI, 'replay-check', '--bootstrap-server', server, '--topic', topic, '--group', `${topic}-group`, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { running = false; resolve(code); }));
    for (let i = 0; running; i += 1) {
      await producer.send({ topic, acks: -1, messages: [{ partition: i % 3, key: 'live', value: `live-${i}` }] });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await exited).toBe(1);
    const result = JSON.parse(stdout) as ReplayResult;
    const [first, second] = result.passes;
    const sum = (offsets: number[]) => offsets.reduce((a, b) => a + b, 0);
    expect(second.records - first.records).toBe(sum(second.endOffsets) - sum(first.endOffsets));
    expect(second.records).toBeGreaterThan(first.records);
    expect(result.diff.keys[0]).toEqual({ key: 'live', first: first.keyCounts.live ?? 0, second: second.keyCounts.live });
    expect(stderr).toContain('replay check FAILED');
    expect(stderr).toMatch(/^ {2}key "live": \d+ → \d+ \(\+\d+\)$/m);
    expect(stderr.trim().split('\n').at(-1)).toBe('error DS_REPLAY_MISMATCH: the two passes over the topic differ (see the partitions and keys above)');
  });
});
