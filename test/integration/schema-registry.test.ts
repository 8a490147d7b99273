import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avsc from 'avsc';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { DEFAULT_SCHEMA } from '../../src/produce/payloads.js';
import type { ProduceResult } from '../../src/produce/result.js';
import type { ConsumeResult } from '../../src/consume/consume.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { resolveKafkaRuntime } from '../../src/cluster/kafka-runtime.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';
import { resolveApicurio } from '../../src/registry/apicurio.js';
import { findJdk } from '../../src/registry/jdk.js';
import { consumeAll, runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const registryUrl = inject('registryUrl');
const registryMissing = inject('registryMissing');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-registry-test').admin();
const dir = mkdtempSync(join(tmpdir(), 'datastorm-registry-test-'));

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** The click event of DataStorm's default schema with one more field, with a default: a BACKWARD-compatible second version. */
const COMPATIBLE_V2 = { ...DEFAULT_SCHEMA, fields: [...DEFAULT_SCHEMA.fields, { name: 'channel', type: 'string', default: 'web' }] };
/** The same with a field's type changed: BACKWARD-incompatible. */
const INCOMPATIBLE_V2 = { ...DEFAULT_SCHEMA, fields: DEFAULT_SCHEMA.fields.map((field) => (field.name === 'userId' ? { name: 'userId', type: 'string' } : field)) };

function schemaFile(name: string, schema: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(schema));
  return file;
}

/** What the registry itself answers (Confluent's API), for what the test checks the run against. */
async function registryGet<T>(path: string): Promise<T> {
  const response = await fetch(`${registryUrl}${path}`);
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
}

function produceJson(args: string[], timeoutMs = 120_000): { code: number | null; result: ProduceResult; stdout: string; stderr: string } {
  const run = runCli(['produce', '--bootstrap-server', server, '--json', '--schema-registry', registryUrl, ...args], { timeoutMs });
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (!run.stdout.trim()) throw new Error(`produce ${args.join(' ')} printed no result (exit ${run.code}):\n${run.stderr}`);
  return { code: run.code, result: JSON.parse(run.stdout) as ProduceResult, stdout: run.stdout, stderr: run.stderr };
}

/** `datastorm consume --schema-registry` of the topic's first `records`, as a user runs it. */
function consumeDecoding(topic: string, records: number, args: string[] = []): { code: number | null; result: ConsumeResult; stderr: string } {
  const run = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--num-records', String(records), '--schema-registry', registryUrl,
    '--json', '--timeout', '30000', ...args]);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  if (!run.stdout.trim()) throw new Error(`consume printed no result (exit ${run.code}):\n${run.stderr}`);
  return { code: run.code, result: JSON.parse(run.stdout) as ConsumeResult, stderr: run.stderr };
}

const READER = fileURLToPath(new URL('../fixtures/registry-reader/RegistryReader.java', import.meta.url));

/**
 * A reader DataStorm did not write: Kafka's Java consumer (the cluster's jars) and Apache Avro's Java decoder (the jar
 * Apicurio's distribution ships), reading Confluent's framing and looking each id up in the registry
 * (test/fixtures/registry-reader/RegistryReader.java, run as a source file). What it read and decoded, by schema id.
 */
function readWithJava(topic: string, records: number): { records: number; decoded: number; failed: number; firstError: string; byId: Record<string, number> } {
  const kafka = resolveKafkaRuntime(DEFAULT_KAFKA_VERSION, () => undefined);
  const lib = join(resolveApicurio(() => undefined), 'lib', 'main');
  const avro = readdirSync(lib).find((name) => /^org\.apache\.avro\.avro-[\d.]+\.jar$/.test(name))!;
  const java = join(findJdk(17, 'the registry reader').home, 'bin', 'java');
  const run = spawnSync(java, ['-cp', `${join(kafka.libDir, '*')}:${join(lib, avro)}`, READER, server, topic, String(records), registryUrl],
    { encoding: 'utf8', timeout: 180_000 });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as ReturnType<typeof readWithJava>;
}

/** Each record's schema id as its framing says, after checking byte 0; and every body decoded with the registry's schema of that id. */
async function decodeAll(values: Buffer[]): Promise<{ ids: Map<number, number>; decoded: number }> {
  const types = new Map<number, avsc.Type>();
  const ids = new Map<number, number>();
  let decoded = 0;
  for (const value of values) {
    expect(value[0]).toBe(0);
    const id = value.readInt32BE(1);
    ids.set(id, (ids.get(id) ?? 0) + 1);
    if (!types.has(id)) types.set(id, avsc.Type.forSchema(JSON.parse((await registryGet<{ schema: string }>(`/schemas/ids/${id}`)).schema) as avsc.Schema));
    const type = types.get(id)!;
    if (type.isValid(type.fromBuffer(value.subarray(5)))) decoded++;
  }
  return { ids, decoded };
}

describe.skipIf(registryMissing !== '')(`produce --schema-registry against Apicurio Registry${registryMissing ? ` (skipped: ${registryMissing})` : ''}`, () => {
  it('frames 20,000 values with the id the registry gives <topic>-value, read back by a plain kafkajs consumer', async () => {
    const topic = uniqueTopic('registry-wire');
    const { code, result, stdout, stderr } = produceJson(['--topic', topic, '--num-records', '20000', '--workers', '2',
      '--producer-props', 'basic.auth.user.info=alice:pa55-w0rd-secret']);
    expect(code, stderr).toBe(0);
    const latest = await registryGet<{ id: number; subject: string }>(`/subjects/${topic}-value/versions/latest`);
    expect(result.schemaRegistry).toMatchObject({ subject: `${topic}-value`, subjectStrategy: 'topic', id: latest.id, how: 'registered', url: registryUrl });
    expect(result.accounting).toMatchObject({ acknowledgedRecords: 20000, brokerOffsetGrowth: 20000, match: true });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(20000);
    // The framing is part of the pre-serialized values: 250-byte bodies, 255-byte values, pre-encoded batches.
    expect(result.values).toMatchObject({ minBytes: 255, maxBytes: 255 });
    expect(result.config.batchEncoding).toBe('pre-encoded');
    expect(stderr).toContain(`schema registry: values in Confluent's wire format with schema id ${latest.id} of subject ${topic}-value (topic strategy; registered in `);
    expect(stderr).toContain(`, 250 B Avro in Confluent's wire format (+5 B: schema id ${latest.id} of subject ${topic}-value), batch `);
    // Credentials are masked in every output.
    expect(`${stdout}${stderr}`).not.toContain('pa55-w0rd-secret');
    expect(result.config.schemaRegistry?.settings.userInfo).toBe('alice:***');

    const messages = await consumeAll(bootstrap, topic, 20000);
    expect(messages).toHaveLength(20000);
    const { ids, decoded } = await decodeAll(messages.map((m) => m.value!));
    expect([...ids]).toEqual([[latest.id, 20000]]);
    expect(decoded).toBe(20000);
    expect(readWithJava(topic, 20000)).toEqual({ records: 20000, decoded: 20000, failed: 0, firstError: '', byId: { [latest.id]: 20000 } });

    // DataStorm's own consumers decode every value, each id looked up once per consumer.
    const consumed = consumeDecoding(topic, 20000, ['--workers', '2', '--command-property', 'basic.auth.user.info=bob:c0nsumer-secret']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.result.schemaRegistry).toMatchObject({ decoded: 20000, unknownId: 0, undecodable: 0, notFramed: 0, ids: [latest.id], url: registryUrl });
    expect(consumed.result.schemaRegistry!.lookups).toBeLessThanOrEqual(2);
    expect(consumed.stderr).toContain(`schema registry: 20000 values decoded, 0 of an unknown schema id, 0 not decodable, 0 not in the wire format; schema ids ${latest.id}; `);
    expect(consumed.stderr).not.toContain('c0nsumer-secret');
    expect(JSON.stringify(consumed.result)).not.toContain('c0nsumer-secret');
  });

  it('names subjects by the record and topic-record strategies, and --no-auto-register finds what is registered', async () => {
    const topic = uniqueTopic('registry-strategy');
    const record = produceJson(['--topic', topic, '--num-records', '100', '--subject-strategy', 'record']);
    expect(record.code).toBe(0);
    expect(record.result.schemaRegistry).toMatchObject({ subject: 'dev.datastorm.ClickEvent', subjectStrategy: 'record' });
    const topicRecord = produceJson(['--topic', topic, '--num-records', '100', '--subject-strategy', 'topic-record']);
    expect(topicRecord.result.schemaRegistry).toMatchObject({ subject: `${topic}-dev.datastorm.ClickEvent`, subjectStrategy: 'topic-record' });
    // The same schema under another subject has the same (content) id.
    expect(topicRecord.result.schemaRegistry?.id).toBe(record.result.schemaRegistry?.id);
    const lookedUp = produceJson(['--topic', topic, '--num-records', '100', '--subject-strategy', 'topic-record', '--no-auto-register']);
    expect(lookedUp.result.schemaRegistry).toMatchObject({ how: 'looked up', id: record.result.schemaRegistry?.id });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(300);
  });

  it('switches the values to a compatible second schema mid-run: the wire carries both ids, each body decodes with its own', async () => {
    const topic = uniqueTopic('registry-change');
    const v2 = schemaFile('v2.avsc', COMPATIBLE_V2);
    const { code, result, stderr } = produceJson(['--topic', topic, '--duration', '6s', '--throughput', '1000', '--workers', '2',
      '--schema-change', `${v2} at 3s`, '--reporting-interval', '1000']);
    expect(code, stderr).toBe(0);
    const change = result.schemaRegistry!.change!;
    const versions = await registryGet<number[]>(`/subjects/${topic}-value/versions`);
    expect(versions).toHaveLength(2);
    const second = await registryGet<{ id: number }>(`/subjects/${topic}-value/versions/latest`);
    expect(change).toMatchObject({ schemaFile: v2, subject: `${topic}-value`, plannedAtMs: 3000, id: second.id });
    expect(change.id).not.toBe(result.schemaRegistry!.id);
    expect(change.atMs).toBeGreaterThanOrEqual(3000);
    expect(result.config.batchEncoding).toBe('per-record');
    expect(stderr).toContain(`schema change: ${v2} registered under ${topic}-value as id ${second.id} at `);

    const total = result.accounting.acknowledgedRecords;
    expect(await topicEndOffsetTotal(admin, topic)).toBe(total);
    const messages = await consumeAll(bootstrap, topic, total);
    const { ids, decoded } = await decodeAll(messages.map((m) => m.value!));
    expect([...ids.keys()].sort()).toEqual([result.schemaRegistry!.id, second.id].sort());
    expect(decoded).toBe(total);
    expect(readWithJava(topic, total)).toEqual({
      records: total, decoded: total, failed: 0, firstError: '', byId: { [result.schemaRegistry!.id]: ids.get(result.schemaRegistry!.id), [second.id]: ids.get(second.id) },
    });
    const consumed = consumeDecoding(topic, total);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(consumed.result.schemaRegistry).toMatchObject({ decoded: total, unknownId: 0, undecodable: 0, notFramed: 0 });
    expect(consumed.result.schemaRegistry!.ids).toEqual([result.schemaRegistry!.id, second.id].sort((a, b) => a - b));
  });

  it('counts values of an unknown id and values not in the wire format, and fails the consume run', async () => {
    const topic = uniqueTopic('registry-undecodable');
    const bare = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '30', '--payload-monotonic', '--partitions', '1']);
    expect(bare.code, bare.stderr).toBe(0);
    const producer = createKafka(bootstrap, 'datastorm-registry-test-producer').producer();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 20 }, () => ({ value: Buffer.from([0, 0x7f, 0xff, 0xff, 0x01, 2, 4]) })) });
    await producer.disconnect();
    const consumed = consumeDecoding(topic, 50);
    expect(consumed.code).toBe(1);
    expect(consumed.result.schemaRegistry).toMatchObject({ decoded: 0, unknownId: 20, undecodable: 0, notFramed: 30, ids: [], lookups: 1 });
    expect(consumed.stderr.trim().split('\n').at(-1)).toBe('error DS_UNDECODABLE_VALUES: 50 of 50 values did not decode (see the schema registry line)');
  });

  it('refuses an incompatible schema change in one line before the run, producing nothing', async () => {
    const topic = uniqueTopic('registry-incompatible');
    const v2 = schemaFile('incompatible.avsc', INCOMPATIBLE_V2);
    const run = runCli(['produce', '--bootstrap-server', server, '--schema-registry', registryUrl, '--topic', topic, '--num-records', '1000',
      '--schema-change', `${v2} at 1s`]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([`error DS_SCHEMA_INCOMPATIBLE: --schema-change ${v2} is not compatible with the latest version of subject ${topic}-value ` +
      '(change the schema compatibly (under BACKWARD, a new field needs a default), or the subject\'s compatibility level)']);
    expect((await admin.listTopics()).includes(topic)).toBe(false);
  });

  it('refuses bad input in one line before any work', () => {
    const topic = uniqueTopic('registry-bad');
    const refused = (args: string[]) => {
      const run = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '10', ...args]);
      expect(run.code, run.stderr).not.toBe(0);
      const lines = run.stderr.trim().split('\n').filter((line) => !line.startsWith('(run with --help'));
      expect(lines, run.stderr).toHaveLength(1);
      return lines[0];
    };
    expect(refused(['--schema-registry', 'http://127.0.0.1:1'])).toMatch(/^error DS_HTTP_UNREACHABLE: the schema registry at http:\/\/127\.0\.0\.1:1 does not answer \(ECONNREFUSED\) registering a schema under registry-bad-\S+-value /);
    expect(refused(['--schema-registry', 'ftp://x'])).toBe('error: option \'--schema-registry <url>\' argument \'ftp://x\' is invalid. --schema-registry takes an http:// or https:// URL, not "ftp://x"');
    expect(refused(['--schema-registry', registryUrl, '--subject-strategy', 'name'])).toBe('error: option \'--subject-strategy <strategy>\' argument \'name\' is invalid. --subject-strategy takes one of topic, record, topic-record, not "name"');
    expect(refused(['--schema-registry', registryUrl, '--schema-change', `${join(dir, 'missing.avsc')} at 1s`])).toBe(`error DS_BAD_SCHEMA: cannot read schema file ${join(dir, 'missing.avsc')}: ENOENT`);
    expect(refused(['--schema-registry', registryUrl, '--schema-change', `${schemaFile('bad.avsc', { type: 'record', name: 'x' })} at 1s`]))
      .toMatch(/^error DS_BAD_SCHEMA: invalid Avro schema in \S+bad\.avsc: /);
    expect(refused(['--schema-registry', registryUrl, '--no-auto-register'])).toMatch(new RegExp(`^error DS_REGISTRY_FAILED: the schema registry at ${registryUrl} answered 404 \\(error 40401\\) looking up the schema under ${topic}-value: `));
    expect(refused(['--subject-strategy', 'record'])).toBe('error DS_BAD_OPTION: --subject-strategy needs a schema registry (add --schema-registry URL)');
    expect(refused(['--schema-registry', registryUrl, '--payload-monotonic'])).toBe('error DS_BAD_OPTION: --schema-registry frames the run\'s pre-serialized Avro values; --payload-monotonic makes other values (leave out --payload-monotonic)');
  });

  it('is refused in one line by the commands that run produce loads without it: capacity, chaos, compare', () => {
    const refused = (args: string[]) => {
      const run = runCli([...args, '--schema-registry', registryUrl]);
      expect(run.code, run.stderr).toBe(1);
      return run.stderr.trim();
    };
    expect(refused(['capacity', '--slo', 'p99<=100ms'])).toBe('error DS_BAD_OPTION: --schema-registry is taken by produce; this command runs without it (leave out --schema-registry)');
    expect(refused(['chaos'])).toMatch(/^error DS_BAD_OPTION: chaos sets each cell's producer, fault, length and cluster itself: --schema-registry cannot be given /);
    expect(refused(['compare', '--codecs', 'none,lz4'])).toBe('error DS_BAD_OPTION: --schema-registry is taken by produce (and consume); compare, sweep and evolution run without it (leave out --schema-registry)');
  });
});
