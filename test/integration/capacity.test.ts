import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CapacityResult } from '../../src/capacity/run-capacity.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { settledEndOffsetTotal } from '../../src/kafka/topic.js';
import { eventually, runCli, startCli, uniqueTopic, until } from '../helpers.js';

/**
 * `datastorm capacity` on the real cluster, on a small budget: every step through the CLI and its worker threads,
 * the records of all steps counted on the broker.
 */
const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-capacity-test').admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

/** A short search (about two minutes; a coarse precision, so that a busy machine ends it within its budget too). */
const SMALL = ['--precision', '20%', '--budget', '180s', '--probe', '5s', '--ramp', '10s', '--step', '8s', '--step-warmup', '3s', '--confirm', '15s'];

describe('capacity', () => {
  it('searches, confirms and brackets a knee within its budget; the broker holds every record its steps acknowledged', async () => {
    const topic = uniqueTopic('capacity');
    const run = runCli(['capacity', '--bootstrap-server', server, '--topic', topic, '--partitions', '4', '--workers', '1',
      '--slo', 'p99<=2s', ...SMALL, '--warm', '4s', '--keep-topic', '--json'], { timeoutMs: 330_000 });
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as CapacityResult;

    expect(result.steps.slice(0, 3).map((step) => step.phase)).toEqual(['warm', 'probe', 'ramp']);
    expect(result.steps[0]!.load).toEqual({ kind: 'unlimited' });
    expect(['done', 'budget']).toContain(result.ended);
    expect(result.slo).toBe('p99<=2s');
    // Every step wrote to the one topic: what they acknowledged together is what the broker holds.
    const acknowledged = result.steps.reduce((sum, step) => sum + step.acknowledgedRecords, 0);
    expect(acknowledged).toBeGreaterThan(0);
    // End offsets are high watermarks: on a loaded cluster they may trail a moment (polled until they reach it).
    expect(await settledEndOffsetTotal(admin, topic, acknowledged)).toBe(acknowledged);
    expect(result.steps.every((step) => step.accountingMatch && step.failedRecords === 0)).toBe(true);

    // An answer on an SLO a busy machine meets too (CI runners are shared): the knee, confirmed at its rate by a
    // confirmation-long run, and when the budget allowed, a confirmation-long miss within 1.25x above it.
    expect(result.sustainableRps).toBeGreaterThan(0);
    expect(result.confirmation?.rateRps).toBe(result.sustainableRps);
    expect(result.confirmation?.meetsSlo && result.confirmation.meetsRate).toBe(true);
    const judged = result.steps.filter((step) => step.load.kind === 'rate');
    const long = judged.filter((step) => step.phase === 'confirm' || step.phase === 'above');
    expect(long.every((step) => step.durationMs === 18_000)).toBe(true);
    // The knee is the highest rate a confirmation-long run met.
    expect(Math.max(...long.filter((step) => step.verdict.outcome === 'meets').map((step) => step.offeredRps!))).toBe(result.sustainableRps);
    if (result.above) {
      expect(result.above.rateRps).toBeGreaterThan(result.sustainableRps);
      expect(result.above.rateRps).toBeLessThanOrEqual(Math.round(result.sustainableRps * 1.25));
      expect(result.above.meetsSlo && result.above.meetsRate).toBe(false);
    }
    for (const step of judged) {
      // A step's figures are over its steady windows: records at about its rate for the time after the warm-up.
      expect(step.steadyMs).toBeGreaterThan(0);
      // Windows of about a second (longer on a busy machine).
      expect(step.windows.length).toBeGreaterThanOrEqual(Math.floor(step.durationMs / 2000));
      expect(step.latency.p99Ms).toBeGreaterThan(0);
    }
    expect(run.stderr).toContain(`sustainable: `);
    expect(run.stderr).toMatch(/^confirmation 15 s: /m);
  }, 360_000);

  it('Ctrl-C ends the step running unjudged, prints what was found, deletes the topic it made, exits 130', async () => {
    const search = startCli(['capacity', '--bootstrap-server', server, '--workers', '1', '--slo', 'p99<=2s', ...SMALL, '--warm', '0', '--json']);
    // Before its probe the search may wait up to 2 min (--settle) for a busy machine's unflushed pages and deletions.
    let ended = false;
    void search.exited.then(() => { ended = true; });
    await until(() => ended || search.output.stderr.includes('step 2: ramp'), 'the ramp to start', 300_000);
    // A search that ended before its ramp (a refused option) says why here, not as a wait that timed out.
    expect(ended, search.output.stderr).toBe(false);
    search.interrupt();
    expect(await search.exited).toBe(130);
    const { stderr, stdout } = search.output;
    expect(stderr).toContain('interrupted: ending the step running');
    expect(stderr).toContain('stopped early: the figures are what was found so far');
    const result = JSON.parse(stdout) as CapacityResult;
    expect(result).toMatchObject({ partial: true, ended: 'stopped' });
    // The probe ended before the stop; the ramp it cut short is not among the steps.
    expect(result.steps.map((step) => step.phase)).toEqual(['probe']);
    expect(result.probeRps).toBeGreaterThan(0);
    expect(result.config.topic).toMatch(/^datastorm-capacity-[0-9a-f]{8}$/);
    // Said deleted only when the brokers said so (a loaded cluster may time the deletion out: the search then says so).
    if (result.cluster.topicDeleted) {
      expect(await eventually(async () => (await admin.listTopics()).includes(result.config.topic), (left) => !left, 120_000)).toBe(false);
    } else {
      expect(stderr).toContain(`the search's topic ${result.config.topic} is left on the cluster: deleting it failed (`);
    }
  }, 480_000);
});
