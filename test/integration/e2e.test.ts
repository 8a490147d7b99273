import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import { decodeHistogram } from '../../src/shared/histograms.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const admin = createKafka(bootstrap, 'datastorm-e2e-test').admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** A latency (µs) further above a whole millisecond than an HDR bucket of 3 significant digits reaches: not a whole-ms latency. */
const beyondWholeMs = (us: number) => us % 1000 > Math.ceil(us / 1000);

describe('datastorm e2e on the real cluster', () => {
  it('times every produced record to its consumer, across 2 consumers, and reconciles with the topic\'s offsets', async () => {
    const topic = uniqueTopic('e2e');
    const group = `${topic}-group`;
    const run = runCli(['e2e', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--rate', '500', '--duration', '3s',
      '--workers', '2', '--partitions', '4', '--group', group, '--json']);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as EndToEndResult;
    // 500 records/s for 3 s, on schedule: exactly 1500, every one acknowledged, read once and timed once.
    expect(result.producer).toMatchObject({ records: 1500, failedRecords: 0 });
    expect(result.consumer.records).toBe(1500);
    expect(result.consumer.workers.map((w) => w.workerId)).toEqual([0, 1]);
    expect(result.consumer.payloadBytes).toBe(1500 * 100);
    expect(result.accounting).toEqual({ producedRecords: 1500, consumedRecords: 1500, brokerOffsetGrowth: 1500, match: true });
    expect(await topicEndOffsetTotal(admin, topic)).toBe(1500);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed.partitions.reduce((sum, p) => sum + Number(p.offset), 0)).toBe(1500);

    const { latency } = result;
    expect(latency.count).toBe(1500);
    expect(decodeHistogram(latency.histogram).totalCount).toBe(1500);
    // Every record carried the creation-time header: producer and consumers share this process's clock, so µs.
    expect(latency.headerTimedRecords).toBe(1500);
    expect(latency.resolutionMs).toBe(0.001);
    expect(latency.p50Us).toBeLessThanOrEqual(latency.p99Us);
    expect(latency.p99Us).toBeLessThanOrEqual(latency.maxUs);
    expect(latency.maxUs).toBeLessThan(30_000_000);
    // Timed from CreateTime (whole ms), every percentile would be a whole ms up to HDR's bucket (under 0.1% above it).
    expect([latency.p50Us, latency.p95Us, latency.p99Us, latency.p999Us].some(beyondWholeMs)).toBe(true);
    expect(run.stderr).toContain('resolution 1 µs');
    expect(run.stderr).toContain('accounting: 1500 acknowledged, 1500 consumed, topic end offsets grew by 1500: match');
    expect(run.stderr).toMatch(/^1500 records end to end, \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+\.\d{3} ms 50th, \d+\.\d{3} ms 95th, \d+\.\d{3} ms 99th, \d+\.\d{3} ms 99\.9th\.$/m);
  });
});
