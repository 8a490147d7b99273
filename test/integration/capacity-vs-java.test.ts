import { afterAll, describe, expect, inject, it } from 'vitest';
import { formatKneeComparison, kneeTable } from '../../src/capacity/capacity-report.js';
import { stepDurationMs } from '../../src/capacity/capacity-search.js';
import type { CapacityResult } from '../../src/capacity/run-capacity.js';
import { parseSlo } from '../../src/capacity/slo.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { eventually, runCli, uniqueTopic } from '../helpers.js';
import { readClusterState } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';

const bootstrap = inject('bootstrap');
const topic = uniqueTopic('capacity-vs-java');
const admin = createKafka(bootstrap, 'datastorm-test').admin();

afterAll(async () => {
  await admin.disconnect();
});

/** A search shrunk to fit a test: 100 s at most, one worker. */
const SMALL_SEARCH = ['--slo', 'p99<=2s', '--workers', '1', '--budget', '100s', '--warm', '0', '--probe', '5s', '--ramp', '10s', '--step', '8s', '--step-warmup', '3s',
  '--confirm', '10s', '--precision', '40%'];

describe('datastorm capacity --vs java', () => {
  it('runs Kafka\'s ProducerPerformance at the knee after the search, prints its p99 beside ours, and the JSON holds it', async () => {
    const run = runCli(['capacity', ...SMALL_SEARCH, '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--vs', 'java', '--json'],
      { timeoutMs: 330_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as CapacityResult;
    expect(result.sustainableRps).toBeGreaterThan(0);
    // At the knee for the confirmation's length (lengthened at low rates as the confirmation is), its warm-up left out.
    const rate = result.sustainableRps;
    const durationMs = stepDurationMs(rate, 10_000 + 3000, { slo: parseSlo('p99<=2s'), warmupMs: 3000 });
    const [records, warmupRecords] = [Math.round((rate * durationMs) / 1000), Math.round((rate * 3000) / 1000)];
    const vs = result.vs!;
    expect(vs).toMatchObject({
      tool: 'java', version: `kafka-producer-perf-test ${readClusterState()?.kafkaVersion ?? DEFAULT_KAFKA_VERSION}`, rateRps: rate, durationMs, warmupMs: 3000, records: records - warmupRecords,
      latencyFrom: 'its send call to the ack, in whole ms',
    });
    expect(vs.args).toEqual(expect.arrayContaining(['--topic', topic, '--num-records', String(records), '--throughput', String(rate),
      '--warmup-records', String(warmupRecords), 'acks=all', 'batch.size=524288']));
    expect(vs.achievedRps).toBeGreaterThan(0);
    expect(vs.p50Ms).toBeLessThanOrEqual(vs.p99Ms);
    expect(vs.p99Ms).toBeLessThanOrEqual(vs.p999Ms);
    // Printed as the JSON says, Java's row beside DataStorm's step at the knee's rate.
    expect(kneeTable({ ...result, vs }).rows.map((row) => row[0]), run.stderr).toEqual([expect.stringMatching(/^datastorm \((confirm|repeat|search|above)\)$/), 'java']);
    expect(run.stderr).toContain(`${formatKneeComparison(result).join('\n')}\n`);
    // Java wrote to the search's own topic before the search deleted it. Said deleted only when the brokers said so (a loaded cluster may time the deletion out: the search then says so).
    if (result.cluster.topicDeleted) expect(await eventually(async () => (await admin.listTopics()).includes(topic), (left) => !left, 120_000)).toBe(false);
    else expect(run.stderr).toContain(`the search's topic ${topic} is left on the cluster: deleting it failed (`);
  }, 360_000);

  it('refuses before any work what Java cannot compare: an e2e search', () => {
    const e2e = runCli(['capacity', '--slo', 'p99<=50ms', '--target', 'e2e', '--vs', 'java', '--bootstrap-server', bootstrap.join(',')]);
    expect(e2e.stderr).toBe('error DS_UNSUPPORTED_BY_TOOL: kafka-producer-perf-test measures latency to the ack, not to a consumer\'s read ' +
      '(--target e2e) (compare a --target produce search with Java)\n');
    expect(e2e.code).toBe(1);
  });
});
