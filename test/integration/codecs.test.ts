import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { readClusterState } from '../../src/cluster/launcher.js';
import { javaArgs } from '../../src/cluster/kafka-runtime.js';
import { compressionTypeOf } from '../../src/kafka/codecs.js';
import { CODEC_NAMES, type CodecName } from '../../src/kafka/codecs.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { createTopicsSettled, sendByPartition, uniqueTopic } from '../helpers.js';

const RECORDS = 500;
const PARTITIONS = 3;
const bootstrap = inject('bootstrap');
// Kafka's jars and the brokers' data dirs are at hand only on the local cluster DataStorm started.
const localCluster = process.env.DATASTORM_TEST_BOOTSTRAP ? undefined : readClusterState();
const kafka = createKafka(bootstrap, 'datastorm-codecs-test');
let admin: Admin;

const base = uniqueTopic('codecs');
const topicOf = (codec: CodecName) => `${base}-${codec}`;
/** Topics Kafka's Java producer writes, for the codecs kafkajs gets from us. */
const OUR_CODECS = ['snappy', 'lz4', 'zstd'] as const;
const javaTopicOf = (codec: CodecName) => `${base}-java-${codec}`;

const WORDS = ['broker', 'partition', 'replica', 'offset', 'leader', 'segment', 'batch', 'record', 'topic', 'fetch'];

/** About 200 bytes of text-like value, the same for every codec so their stored sizes compare. */
function valueOf(i: number): string {
  let x = i + 1;
  const words: string[] = [`record-${i}`];
  for (let w = 0; w < 24; w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(WORDS[x % WORDS.length] + (x % 97));
  }
  return words.join(' ');
}

const VALUES = Array.from({ length: RECORDS }, (_, i) => valueOf(i));
const sorted = (values: string[]) => [...values].sort();

/** Every record of `topics`, read by one kafkajs consumer group from the beginning. */
async function consumeWithKafkajs(topics: string[], expected: number): Promise<Map<string, Array<{ key: string; value: string }>>> {
  const consumer = kafka.consumer({ groupId: `${topics[0]}-reader` });
  const byTopic = new Map(topics.map((topic) => [topic, [] as Array<{ key: string; value: string }>]));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    let received = 0;
    await new Promise<void>((resolve, reject) => {
      consumer.run({
        eachMessage: async ({ topic, message }) => {
          byTopic.get(topic)!.push({ key: message.key?.toString() ?? '', value: message.value!.toString() });
          if (++received === expected) resolve();
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return byTopic;
}

/** Runs one of Kafka's Java tools from the cluster's jars, with JVM flags for a quick start. */
function runJava(mainClass: string, args: string[], stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const runtime = { version: localCluster!.kafkaVersion, libDir: localCluster!.libDir, source: localCluster!.source };
  const child = spawn('java', javaArgs(runtime, mainClass, args, ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC']));
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A partition's first segment on any broker that holds a replica of it. */
function segmentOf(topic: string, partition: number): string {
  const files = localCluster!.nodes.map((node) => join(node.dir, 'data', `${topic}-${partition}`, '00000000000000000000.log'));
  const file = files.find(existsSync);
  if (!file) throw new Error(`no replica of ${topic}-${partition} under ${localCluster!.nodes.map((n) => n.dir).join(', ')}`);
  return file;
}

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  const topics = [...CODEC_NAMES.map(topicOf), ...OUR_CODECS.map(javaTopicOf)];
  await createTopicsSettled(admin, topics.map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 3 })));
  // Idempotent: on a cluster still settling, kafkajs may retry a send the broker already wrote; the broker
  // drops such duplicates only for an idempotent producer (seen in CI: 665 records on a topic sent 500).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    // One compressed batch per codec and partition. The key names the codec for the Java consumer.
    await Promise.all(CODEC_NAMES.map((codec) => sendByPartition(producer, { topic: topicOf(codec), compression: compressionTypeOf(codec) },
      VALUES.map((value, i) => ({ key: codec, value, partition: i % PARTITIONS })))));
  } finally {
    await producer.disconnect();
  }
});

afterAll(async () => {
  await admin?.disconnect();
});

// All at once: the JVM launches and consumer-group joins overlap instead of queueing.
describe.concurrent('codecs on the cluster', () => {
  describe('records produced by kafkajs with each codec', () => {
    it('come back from a kafkajs consumer', async ({ expect }) => {
      const byTopic = await consumeWithKafkajs(CODEC_NAMES.map(topicOf), CODEC_NAMES.length * RECORDS);
      for (const codec of CODEC_NAMES) {
        const records = byTopic.get(topicOf(codec))!;
        expect(sorted(records.map((r) => r.value)), codec).toEqual(sorted(VALUES));
        expect(new Set(records.map((r) => r.key)), codec).toEqual(new Set([codec]));
      }
    });

    it.skipIf(!localCluster)("come back from Kafka's Java console consumer", async ({ expect }) => {
      const result = await runJava('org.apache.kafka.tools.consumer.ConsoleConsumer', [
        '--bootstrap-server', bootstrap.join(','), '--include', `${base}-(${CODEC_NAMES.join('|')})`, '--from-beginning',
        // A busy machine's JVM start and group join can take longer than a quiet one's: 60 s without a record.
        '--max-messages', String(CODEC_NAMES.length * RECORDS), '--timeout-ms', '60000',
        '--formatter-property', 'print.key=true',
      ]);
      expect(result.stderr).toContain(`Processed a total of ${CODEC_NAMES.length * RECORDS} messages`);
      const lines = result.stdout.trimEnd().split('\n').map((line) => line.split('\t'));
      for (const codec of CODEC_NAMES) {
        const values = lines.filter(([key]) => key === codec).map(([, value]) => value);
        expect(sorted(values), codec).toEqual(sorted(VALUES));
      }
    });

    it.skipIf(!localCluster)('are stored by the broker as batches of that codec, which Java decompresses', async ({ expect }) => {
      const segments = CODEC_NAMES.map((codec) => segmentOf(topicOf(codec), 0));
      const result = await runJava('org.apache.kafka.tools.DumpLogSegments', ['--files', segments.join(','), '--deep-iteration']);
      expect(result.code).toBe(0);
      const dumps = new Map(result.stdout.split(/^Dumping /m).slice(1).map((dump) => [dump.slice(0, dump.indexOf('\n')), dump]));
      CODEC_NAMES.forEach((codec, i) => {
        const dump = dumps.get(segments[i]) ?? '';
        const batchCodecs = [...dump.matchAll(/ compresscodec: (\w+) /g)].map((match) => match[1]);
        expect(batchCodecs.length, codec).toBeGreaterThan(0);
        expect(new Set(batchCodecs), codec).toEqual(new Set([codec]));
        expect(dump, codec).not.toContain('isvalid: false');
        // Deep iteration lists every record of partition 0 (i % 3 === 0), so Java decompressed them all.
        expect(dump.match(/^\| offset: /gm)?.length, codec).toBe(Math.ceil(RECORDS / PARTITIONS));
      });

      const storedBytes = (codec: CodecName) =>
        Array.from({ length: PARTITIONS }, (_, p) => statSync(segmentOf(topicOf(codec), p)).size).reduce((a, b) => a + b);
      const uncompressed = storedBytes('none');
      for (const codec of CODEC_NAMES.filter((c) => c !== 'none')) {
        expect(storedBytes(codec), codec).toBeLessThan(uncompressed / 2);
      }
    });
  });

  describe.skipIf(!localCluster)("records Kafka's Java producer compressed", () => {
    it('come back from a kafkajs consumer with our snappy, lz4 and zstd codecs', async ({ expect }) => {
      const results = await Promise.all(OUR_CODECS.map((codec) => runJava('org.apache.kafka.tools.ConsoleProducer', [
        '--bootstrap-server', bootstrap.join(','), '--topic', javaTopicOf(codec), '--compression-codec', codec,
        // Room for all records in one batch: several 32 KiB snappy chunks, two 64 KiB LZ4 blocks.
        '--batch-size', String(1024 * 1024),
      ], `${VALUES.join('\n')}\n`)));
      results.forEach((result, i) => expect(result.code, `${OUR_CODECS[i]}: ${result.stderr}`).toBe(0));

      const byTopic = await consumeWithKafkajs(OUR_CODECS.map(javaTopicOf), OUR_CODECS.length * RECORDS);
      for (const codec of OUR_CODECS) {
        expect(sorted(byTopic.get(javaTopicOf(codec))!.map((r) => r.value)), codec).toEqual(sorted(VALUES));
      }
    });
  });
});
