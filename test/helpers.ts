import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Admin, CompressionTypes, ITopicConfig, KafkaMessage, Message, Producer } from 'kafkajs';
import { DataStormError } from '../src/shared/errors.js';
import { createKafka } from '../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../src/kafka/topic.js';
import { partitionOfKey } from '../src/kafka/partitioner.js';
import { zipfShares } from '../src/produce/key-distribution.js';
import { DEFAULT_KEY_RANGE, poolKey } from '../src/produce/record-placer.js';
import { clusterDown, clusterUp, readClusterState, type ClusterState } from '../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, type ClusterLayout } from '../src/cluster/settings.js';

export const CLI = fileURLToPath(new URL('../bin/datastorm.js', import.meta.url));

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * A test file's own cluster folder: named for the file, not a fresh temporary one, so that the next run finds
 * what an interrupted run (npm test killed before afterAll) left there.
 */
export const ownClusterDir = (name: string): string => join(tmpdir(), `datastorm-test-${name}`);

/**
 * Starts a test file's own cluster afresh in its folder, first stopping one an interrupted run left running on its
 * ports. Until stopOwnCluster, an interruption stops it too: Ctrl-C (SIGINT to every process of the run) or SIGTERM
 * (once a CLI the test waits for synchronously has returned: the handler runs on the event loop).
 */
export async function startOwnCluster(dir: string, layout: ClusterLayout): Promise<ClusterState> {
  forgetInterrupt(dir);
  await clusterDown(dir, 5000);
  const cluster = await clusterUp({ layout, kafkaVersion: DEFAULT_KAFKA_VERSION, dir });
  const onInterrupt = () => { void stopOwnCluster(dir, cluster).finally(() => process.exit(130)); };
  interruptHandlers.set(dir, onInterrupt);
  for (const event of INTERRUPTIONS) process.once(event, onInterrupt);
  return cluster;
}

const INTERRUPTIONS = ['SIGINT', 'SIGTERM'] as const;
const interruptHandlers = new Map<string, () => void>();

function forgetInterrupt(dir: string): void {
  const onInterrupt = interruptHandlers.get(dir);
  if (onInterrupt) for (const event of INTERRUPTIONS) process.off(event, onInterrupt);
  interruptHandlers.delete(dir);
}

/**
 * Stops the cluster a test file started and removes its folder (its brokers' data is gigabytes after a load run).
 * A cluster of another id there is a later run's (it reclaimed the folder while this run's process lingered): left alone.
 */
export async function stopOwnCluster(dir: string, started: ClusterState | undefined): Promise<void> {
  forgetInterrupt(dir);
  const state = readClusterState(dir);
  if (state !== undefined && state.clusterId !== started?.clusterId) return;
  await clusterDown(dir, 5000);
  rmSync(dir, { recursive: true, force: true });
}

/** Runs the built CLI as a user would and returns its exit code and both streams. */
export function runCli(args: string[], options: { timeoutMs?: number; env?: Record<string, string>; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env },
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Creates topics and waits for their leaders with the product's own patience: kafkajs's waitForLeaders gave up
 * with "This server does not host this topic-partition" at load average 11 (a test's setup, not the product, failed).
 */
export async function createTopicsSettled(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  await admin.createTopics({ topics, waitForLeaders: false });
  for (const { topic } of topics) await topicEndOffsetTotal(admin, topic);
}

/** Polls until the condition holds; fails with what it was waiting for. */
export async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The built CLI running in the background (for Ctrl-C tests): its output so far, and its exit code once it ends. */
export function startCli(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output.stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output.stderr += chunk; });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output, exited, interrupt: () => child.kill('SIGINT'), kill: () => child.kill('SIGKILL'), pause: () => child.kill('SIGSTOP'), resume: () => child.kill('SIGCONT') };
}

/** A TCP port free on this machine now (the system's pick), for a server a test starts. */
export { freePort } from '../src/cluster/local-processes.js';

/** Reads `expected` records of a topic from the beginning with a real consumer (fails after timeoutMs). */
/**
 * Reads a topic from the beginning until `expected` records came (read_committed, kafkajs's default, unless
 * `readUncommitted`); `quietMs` keeps reading that long after, so that records beyond those expected show.
 */
export async function consumeAll(bootstrap: string[], topic: string, expected: number,
  { timeoutMs = 60_000, readUncommitted = false, quietMs = 0 }: { timeoutMs?: number; readUncommitted?: boolean; quietMs?: number } = {},
): Promise<KafkaMessage[]> {
  const consumer = createKafka(bootstrap, 'datastorm-test-reader').consumer({ groupId: `${topic}-reader-${Date.now()}`, readUncommitted });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${expected} records of ${topic} in ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachBatch: async ({ batch }) => {
          messages.push(...batch.messages);
          if (messages.length >= expected) {
            clearTimeout(timer);
            setTimeout(resolve, quietMs);
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Kafka's own ProducerPerformance lines, as regular expressions built from its format strings. */
export const PERF_WINDOW_LINE = /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/;
export const PERF_SUMMARY_LINE = /^\d+( steady state)? records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;

/** The DataStormError that fn throws (fails the test if it throws nothing, or something else). */
export function errorOf(fn: () => unknown): DataStormError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DataStormError) return error;
    throw error;
  }
  throw new Error('expected a DataStormError');
}

/**
 * Reads until `accept` holds or timeoutMs passes, and returns the last value read (the caller asserts on it):
 * for what Kafka makes true eventually, such as a deleted topic leaving every broker's metadata.
 */
export async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The group's committed offsets on the topic, summed; read again while a loaded cluster moves the coordinator. */
export async function groupCommittedTotal(admin: Admin, group: string, topic: string, expected: number): Promise<number> {
  return eventually(async () => {
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  }, (total) => total === expected);
}

/**
 * Sends messages that name their partitions, one send per partition. kafkajs retries a multi-broker send only
 * to brokers without an answer, kept per Broker object: after a reconnect (a settling or busy cluster) it sent a
 * partition that had been written again, with a new sequence, so even an idempotent producer wrote it twice
 * (seen here: 666 records on a topic sent 500, one partition's 166 twice). DataStorm's product paths do the same.
 */
export async function sendByPartition(
  producer: Producer, send: { topic: string; compression?: CompressionTypes }, messages: Array<Message & { partition: number }>,
): Promise<void> {
  const partitions = [...new Set(messages.map((m) => m.partition))];
  await Promise.all(partitions.map((partition) => producer.send({
    ...send, acks: -1, messages: messages.filter((m) => m.partition === partition),
  })));
}

/** What share of a --keys zipf run each partition should get: the shares of the keys the partitioner sends there. */
export function expectedPartitionShares(exponent: number, partitions: number): number[] {
  const shares = new Array<number>(partitions).fill(0);
  zipfShares(DEFAULT_KEY_RANGE, exponent).forEach((share, rank) => { shares[partitionOfKey(poolKey(rank), partitions)] += share; });
  return shares;
}
