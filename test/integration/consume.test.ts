import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumeResult } from '../../src/consume/consume.js';
import { DETAILED_HEADER, SUMMARY_HEADER } from '../../src/consume/consume-report.js';
import { formatJavaFixed } from '../../src/report/java-format.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { createTopicsSettled, runCli, sendByPartition, startCli, uniqueTopic, until } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const kafka = createKafka(bootstrap, 'datastorm-consume-test');
const admin = kafka.admin();
const topic = uniqueTopic('consume');
const RECORDS = 3000;
/** Every record is a 3-byte key and a 97-byte value: 100 bytes as Kafka counts them. */
const RECORD_BYTES = 100;

const DATE = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}:\\d{3}';
const DECIMAL = '\\d+\\.\\d{4}';
/** ConsumerPerformance's "%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f". */
const SUMMARY_LINE = new RegExp(`^${DATE}, ${DATE}, ${DECIMAL}, ${DECIMAL}, \\d+, ${DECIMAL}, \\d+, \\d+, ${DECIMAL}, ${DECIMAL}$`);
/** printConsumerProgress: "%s, %d, %.4f, %.4f, %d, %.4f" then ", %d, %d, %.4f, %.4f". */
const DETAILED_LINE = new RegExp(`^${DATE}, \\d+, ${DECIMAL}, ${DECIMAL}, \\d+, ${DECIMAL}, \\d+, -?\\d+, ${DECIMAL}, ${DECIMAL}$`);

async function committedTotal(group: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  return offsets.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

function consume(args: string[]) {
  const run = runCli(['consume', '--bootstrap-server', server, '--topic', topic, ...args]);
  expect(run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  return run;
}

beforeAll(async () => {
  await admin.connect();
  await createTopicsSettled(admin, [{ topic, numPartitions: 6, replicationFactor: 3 }]);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const messages = Array.from({ length: RECORDS }, (_, i) => ({ key: `k-${i % 10}`, value: `${i}`.padStart(97, 'v') }));
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
});

afterAll(() => admin.disconnect());

describe('datastorm consume on the real cluster', () => {
  it('counts exactly --num-records with 2 consumers in one group, commits exactly those, then the rest', async () => {
    const group = `${topic}-exact`;
    const first = consume(['--num-records', '2500', '--workers', '2', '--group', group, '--json']);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout) as ConsumeResult;
    expect(result.totals.records).toBe(2500);
    expect(result.totals.payloadBytes).toBe(2500 * RECORD_BYTES);
    expect(result.workers).toHaveLength(2);
    expect(result.workers.reduce((sum, w) => sum + w.records, 0)).toBe(2500);
    expect(result.accounting).toEqual({ countedRecords: 2500, availableRecords: RECORDS, committedOffsetGrowth: 2500, transactionMarkers: 0, match: true });
    expect(await committedTotal(group)).toBe(2500);
    expect(result.totals.durationMs).toBe(result.totals.endMs - result.totals.startMs);
    expect(result.totals.fetchMs).toBe(result.totals.durationMs - result.totals.rebalanceMs);
    expect(first.stderr).toContain(`accounting: 2500 records counted, group ${group}'s committed offsets grew by 2500: match`);

    // The same group goes on where the first run stopped: exactly the 500 left.
    const second = consume(['--num-records', '500', '--group', group]);
    expect(second.code).toBe(0);
    const lines = second.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(SUMMARY_HEADER);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(SUMMARY_LINE);
    const columns = lines[1].split(', ');
    expect(columns[2]).toBe(formatJavaFixed((500 * RECORD_BYTES) / (1024 * 1024), 4));
    expect(columns[4]).toBe('500');
    expect(await committedTotal(group)).toBe(RECORDS);
  });

  it('prints the header and the line shape Kafka\'s own consumer-perf-test prints', () => {
    const java = runCli(['kafka-tool', 'consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic,
      '--num-records', '100', '--group', `${topic}-java`]);
    expect(java.code).toBe(0);
    const javaLines = java.stdout.trimEnd().split('\n');
    const ours = consume(['--num-records', '100', '--group', `${topic}-ours`]).stdout.trimEnd().split('\n');
    expect(ours[0]).toBe(javaLines[0]);
    expect(javaLines[1]).toMatch(SUMMARY_LINE);
    expect(ours[1]).toMatch(SUMMARY_LINE);
    expect(ours[1].split(', ')[4]).toBe('100');
  });

  it('takes consumer-perf-test\'s --messages, --hide-header and --date-format, and prints as it does with them', () => {
    const flags = ['--messages', '100', '--hide-header', '--date-format', "yyyy-MM-dd'T'HH.mm"];
    const java = runCli(['kafka-tool', 'consumer-perf-test', '--', '--bootstrap-server', server, '--topic', topic, ...flags, '--group', `${topic}-java-flags`]);
    expect(java.code).toBe(0);
    const ours = consume([...flags, '--group', `${topic}-ours-flags`]);
    expect(ours.code).toBe(0);
    // Java prints its deprecation warning on stdout, DataStorm on stderr with its other notes.
    const [javaLines, ourLines] = [java, ours].map((run) => run.stdout.trimEnd().split('\n').filter((line) => !line.startsWith('Warning: ')));
    expect(ours.stderr).toContain('Warning: --messages is deprecated. Use --num-records instead.');
    expect(ourLines).toHaveLength(1);
    expect(javaLines).toHaveLength(1);
    for (const line of [javaLines[0], ourLines[0]]) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d\.\d\d, \d{4}-\d\d-\d\dT\d\d\.\d\d, /);
    expect(ourLines[0].split(', ')[4]).toBe('100');
  });

  it('prints a detailed line per consumer and interval, ending at each consumer\'s total', () => {
    const run = consume(['--num-records', String(RECORDS), '--workers', '2', '--group', `${topic}-detailed`,
      '--show-detailed-stats', '--reporting-interval', '100']);
    expect(run.code).toBe(0);
    const [header, ...lines] = run.stdout.trimEnd().split('\n');
    expect(header).toBe(DETAILED_HEADER);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(DETAILED_LINE);
    // Cumulative records per threadId: the last line of each consumer is its total, and the totals add up.
    const lastOf = new Map<string, number>();
    for (const line of lines) {
      const columns = line.split(', ');
      lastOf.set(columns[1], Number(columns[4]));
    }
    expect([...lastOf.values()].reduce((a, b) => a + b, 0)).toBe(RECORDS);
  });

  it('stops after --timeout with Kafka\'s warning, reports what it read and exits non-zero', async () => {
    const group = `${topic}-timeout`;
    const run = consume(['--num-records', String(RECORDS + 1), '--timeout', '1500', '--group', group]);
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[1]).toBe('WARNING: Exiting before consuming the expected number of messages: timeout (1500 ms) exceeded. ' +
      'You can use the --timeout option to increase the timeout.');
    expect(lines[2].split(', ')[4]).toBe(String(RECORDS));
    expect(run.stderr).toContain(`error DS_CONSUME_TIMEOUT: consumed ${RECORDS} of ${RECORDS + 1} records`);
    expect(await committedTotal(group)).toBe(RECORDS);
  });

  it('refuses a topic that does not exist, in one line', () => {
    const run = runCli(['consume', '--bootstrap-server', server, '--topic', `${topic}-missing`, '--num-records', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n').at(-1)).toBe(`error DS_UNKNOWN_TOPIC: topic ${topic}-missing does not exist (check --topic, or produce to it first)`);
  });

  it('finds the topic by --include (a pattern matching one whole name) and prints a row per consumer with --print-metrics', () => {
    const run = runCli(['consume', '--bootstrap-server', server, '--include', `${topic}|${topic}-none`, '--num-records', '200',
      '--group', `${topic}-include`, '--print-metrics', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as ConsumeResult;
    expect(result.config.topic).toBe(topic);
    expect(result.accounting).toMatchObject({ countedRecords: 200, committedOffsetGrowth: 200, match: true });
    const table = run.stderr.split('\n');
    expect(table.some((line) => /consumer .*records .*MB .*records\/s .*MB\/s .*rebalance ms/.test(line))).toBe(true);
    expect(table.some((line) => /^│\s+0 │\s+200 │\s+0\.0191 │/.test(line))).toBe(true);
    // A pattern must match one topic: none, or several, is a one-line error before anything is read.
    const none = runCli(['consume', '--bootstrap-server', server, '--include', `${topic}-nothing.*`, '--num-records', '1']);
    expect([none.code, none.stderr.trim().split('\n').at(-1)]).toEqual([1, `error DS_UNKNOWN_TOPIC: no topic matches --include ${topic}-nothing.* (check the pattern: it must match a whole topic name)`]);
    const several = runCli(['consume', '--bootstrap-server', server, '--include', `${topic}.*|__consumer_offsets`, '--num-records', '1']);
    expect(several.code).toBe(1);
    expect(several.stderr.trim().split('\n').at(-1)).toMatch(/^error DS_BAD_OPTION: --include .* matches \d+ topics \(.*\): DataStorm consumes one topic a run/);
    const neither = runCli(['consume', '--bootstrap-server', server, '--num-records', '1']);
    expect([neither.code, neither.stderr.trim()]).toEqual([1, 'error DS_BAD_OPTION: give the topic with --topic or --include (one of them)']);
  });

  it('--from-latest: a new group counts only what is produced after it starts, and commits exactly that', async () => {
    const latest = uniqueTopic('consume-latest');
    await createTopicsSettled(admin, [{ topic: latest, numPartitions: 3, replicationFactor: 3 }]);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const messages = (from: number) => Array.from({ length: 300 }, (_, i) => ({ partition: i % 3, value: `${from + i}` }));
    await sendByPartition(producer, { topic: latest }, messages(0)); // there before: not counted
    const group = `${latest}-g`;
    const run = startCli(['consume', '--bootstrap-server', server, '--topic', latest, '--from-latest', '--num-records', '300',
      '--group', group, '--timeout', '60000', '--json']);
    // The header is printed once the group's start offsets are read: what is sent now is past them.
    await until(() => run.output.stderr.includes(SUMMARY_HEADER), 'the consumer to start');
    await sendByPartition(producer, { topic: latest }, messages(300));
    await producer.disconnect();
    expect(await run.exited).toBe(0);
    const result = JSON.parse(run.output.stdout) as ConsumeResult;
    expect(result.accounting).toEqual({ countedRecords: 300, availableRecords: 0, committedOffsetGrowth: 300, transactionMarkers: 0, match: true });
    const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [latest] });
    expect(offsets.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(600);
  });
});
