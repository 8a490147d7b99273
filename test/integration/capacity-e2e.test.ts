import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CapacityResult } from '../../src/capacity/run-capacity.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const admin = createKafka(bootstrap, 'datastorm-capacity-e2e-test').admin();
const topic = uniqueTopic('capacity-e2e');

beforeAll(() => admin.connect());
afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
});

/** A latency (µs) further above a whole millisecond than an HDR bucket of 3 significant digits reaches: not a whole-ms latency. */
const beyondWholeMs = (us: number) => us % 1000 > Math.ceil(us / 1000);

describe('datastorm capacity --target e2e on the real cluster', () => {
  it('searches with the SLO on produce→consume latency: every step produced and read by a group, timed in µs, accounted', async () => {
    const run = runCli(['capacity', '--bootstrap-server', bootstrap.join(','), '--target', 'e2e', '--slo', 'p99<=2s', '--workers', '1',
      '--topic', topic, '--partitions', '4', '--keep-topic', '--precision', '20%', '--budget', '180s', '--warm', '0', '--probe', '5s', '--ramp', '10s', '--step', '8s',
      '--step-warmup', '3s', '--confirm', '15s', '--json'], { timeoutMs: 330_000 });
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as CapacityResult;
    expect(result.spec.target).toBe('e2e');
    expect(result.sustainableRps).toBeGreaterThan(0);
    expect(result.steps.map((step) => step.phase).slice(0, 2)).toEqual(['probe', 'ramp']);
    for (const step of result.steps) {
      expect(step.accountingMatch).toBe(true);
      expect(step.failedRecords).toBe(0);
      // Every record the step produced was read by its group (consumed = produced = the topic's growth), each timed
      // from its creation-time header: a produce step has none of this.
      const e2e = step.endToEnd!;
      expect(e2e.producedRecords).toBeGreaterThan(0);
      expect([e2e.consumedRecords, e2e.topicGrowth, e2e.latencyResolutionMs]).toEqual([e2e.producedRecords, e2e.producedRecords, 0.001]);
      // The windows count records read during the schedule; those read after its end are in none.
      expect(step.windows.reduce((sum, w) => sum + w.records, 0)).toBeLessThanOrEqual(e2e.consumedRecords);
    }
    // Under a limit, the backlog is records due minus records consumed.
    expect(result.steps.filter((step) => step.load.kind !== 'unlimited').every((step) => step.backlogEndRecords !== undefined)).toBe(true);
    expect(result.steps.some((step) => beyondWholeMs(Math.round(step.latency.p50Ms * 1000)))).toBe(true);
    // The topic holds exactly what the steps produced.
    expect(await topicEndOffsetTotal(admin, topic)).toBe(result.steps.reduce((sum, step) => sum + step.endToEnd!.producedRecords, 0));
    // The steps' groups are deleted after the search: none has a commit on its topic.
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith('datastorm-capacity-'));
    for (const groupId of groups) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(offsets.partitions.filter((p) => Number(p.offset) >= 0)).toEqual([]);
    }
    expect(run.stderr).toContain('(latency from produce to consume)');
    expect(run.stderr).toContain(`settings: topic ${topic} (4 partitions), e2e's paced producer (kafkajs, acks all, idempotent, compression none, record 250 B), 1 consumer (kafkajs) of a group per step`);
  }, 360_000);

  it('refuses produce options e2e\'s paced producer does not have, before any work', () => {
    const run = runCli(['capacity', '--bootstrap-server', bootstrap.join(','), '--target', 'e2e', '--slo', 'p99<=200ms', '--topic', topic, '--acks', '1']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('--target e2e produces with e2e\'s paced producer (kafkajs, acks all, idempotent): --acks cannot be given');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
