import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { LagResult } from '../../src/consume/lag.js';
import { createTopicsSettled, runCli, startCli, uniqueTopic, until } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const kafka = createKafka(bootstrap, 'datastorm-lag-test');
const admin = kafka.admin();
const BURST = 3000;

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

describe('datastorm lag on the real cluster', () => {
  it('sees lag rise during a burst and fall to 0 once a consumer drains it, and charts it', async () => {
    const topic = uniqueTopic('lag');
    const group = `${topic}-group`;
    const chart = join(mkdtempSync(join(tmpdir(), 'datastorm-lag-')), 'lag.svg');
    await createTopicsSettled(admin, [{ topic, numPartitions: 3, replicationFactor: 3 }]);

    // Until Ctrl-C (SIGINT), which still prints the result and writes the chart.
    const lag = startCli(['lag', '--bootstrap-server', server, '--group', group, '--topic', topic,
      '--interval', '500ms', '--duration', '120s', '--chart', chart, '--json']);
    /** Total lag of each live row printed so far. */
    const rows = () => [...lag.output.stderr.matchAll(/^ +\d+\.\d s +(\d+) /gm)].map((m) => Number(m[1]));

    try {
      await until(() => rows().length >= 2, 'two samples before the burst');
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: BURST }, (_, i) => ({ key: `k${i % 7}`, value: `burst-${i}` })) });
      await producer.disconnect();
      await until(() => rows().includes(BURST), 'a sample with the whole burst as lag');

      const drain = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--group', group, '--num-records', String(BURST)]);
      expect(drain.code).toBe(0);
      await until(() => rows().slice(rows().indexOf(BURST)).filter((lag) => lag === 0).length >= 2, 'two samples back at 0');
    } finally {
      lag.interrupt();
    }
    expect(await lag.exited).toBe(130);

    const result = JSON.parse(lag.output.stdout) as LagResult & { chartFile: string };
    const totals = result.samples.map((s) => s.totalLag);
    expect(totals[0]).toBe(0);
    expect(Math.max(...totals)).toBe(BURST);
    expect(totals.at(-1)).toBe(0);
    const peak = totals.indexOf(BURST);
    expect(totals.slice(0, peak).every((lag) => lag <= BURST)).toBe(true);
    expect(result.partial).toBe(true);
    expect(result.samples.at(-1)!.partitions.map((p) => [p.partition, p.lag])).toEqual([[0, 0], [1, 0], [2, 0]]);
    // Samples are on a 500 ms schedule, never early. How late they are is the machine's (a median of 476 ms at load
    // average 20 failed a bound of 450 here), so no bound on lateness is asserted.
    result.samples.forEach((s, k) => expect(s.elapsedMs).toBeGreaterThanOrEqual(k * 500 - 50));
    expect(result.summary.peakLag).toBe(BURST);
    expect(result.summary.finalLag).toBe(0);
    expect(result.summary.catchUpMs).toBeGreaterThan(0);
    expect(result.summary.drainRecordsPerSec).toBeCloseTo(BURST / (result.summary.catchUpMs! / 1000), 6);

    // The committed offsets the last sample saw are the broker's end offsets.
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    expect(committed.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + b, 0)).toBe(BURST);
    expect(ends.map((p) => Number(p.high)).reduce((a, b) => a + b, 0)).toBe(BURST);

    expect(result.chartFile).toBe(chart);
    const svg = readFileSync(chart, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain(`Lag of consumer group ${group}`);
    expect(lag.output.stderr).toMatch(/^ {2}elapsed {4}total lag {5}change\/s {7}p0 {7}p1 {7}p2$/m);
    expect(lag.output.stderr).toContain(`peak lag ${BURST} records at`);
  });

  it('writes a chart only when --chart names one, and refuses an unwritable one before sampling', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'datastorm-lag-cwd-'));
    const run = runCli(['lag', '--bootstrap-server', server, '--group', uniqueTopic('lag-nochart'), '--interval', '200ms', '--duration', '400ms'], { cwd });
    expect(run.code).toBe(0);
    expect(readdirSync(cwd)).toEqual([]);
    const refused = runCli(['lag', '--bootstrap-server', server, '--group', 'g', '--duration', '1s', '--chart', '/proc/nope/lag.svg']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('error DS_BAD_OUTPUT: --chart /proc/nope/lag.svg: cannot write this file (ENOENT) (give a file where you can write)\n');
  });
});
