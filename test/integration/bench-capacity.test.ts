import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { CapacityBenchResult } from '../../src/bench/bench-result.js';
import { metricsOfCapacityResult } from '../../src/bench/metrics.js';
import { formatRate } from '../../src/capacity/step-format.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { eventually, runCli, uniqueTopic } from '../helpers.js';
import { produceResult } from '../unit/bench-fixtures.js';

const bootstrap = inject('bootstrap');
const GATE = fileURLToPath(new URL('../../benchmarks/workloads/capacity-gate.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-bench-capacity-'));
const topic = uniqueTopic('bench-capacity');
const admin = createKafka(bootstrap, 'datastorm-test').admin();

afterAll(async () => {
  await admin.disconnect();
});

/** The shipped capacity gate, its search shrunk to fit a test (one worker, 100 s at most) on this test's topic. */
const SMALL_SEARCH = [
  `topic=${topic}`, 'workers=1', 'capacity.slo=p99<=2s', 'capacity.budget=100s', 'capacity.warm=0s', 'capacity.probe=5s', 'capacity.ramp=10s', 'capacity.step=8s',
  'capacity.step-warmup=3s', 'capacity.confirm=10s', 'capacity.precision=40%',
].flatMap((set) => ['--set', set]);
const path = (name: string) => join(dir, name);
const read = (name: string) => JSON.parse(readFileSync(path(name), 'utf8')) as CapacityBenchResult;

/** The result with its sustainable rate (and its run's) scaled: a baseline made from a real result, not a made-up figure. */
function scaled(result: CapacityBenchResult, factor: number, name: string): string {
  const copy = structuredClone(result);
  copy.sustainableRps *= factor;
  copy.bench!.runs[0].sustainable_rps *= factor;
  writeFileSync(path(name), JSON.stringify(copy));
  return path(name);
}

describe('datastorm bench: a capacity workload gated on its sustainable rate', () => {
  it('searches, writes the search\'s result, and the gate exits 99 against a baseline whose sustainable rate is 20% higher', async () => {
    const run = runCli(['bench', 'run', GATE, '--bootstrap-server', bootstrap.join(','), ...SMALL_SEARCH, '--threshold', 'sustainable_rps>0',
      '--out', path('current.json')], { timeoutMs: 300_000 });
    expect(run.code, run.stderr).toBe(0);
    const current = read('current.json');
    expect(current).toMatchObject({
      command: 'capacity', schemaVersion: 1, partial: false, slo: 'p99<=2s',
      spec: { budgetMs: 100_000, probeMs: 5000, rampMs: 10_000, stepMs: 8000, warmupMs: 3000, confirmMs: 10_000, precision: 0.4 },
      config: { topic, workers: 1, compression: 'lz4', batchBytes: 65_536, acks: -1 },
      bench: { workload: { name: 'capacity-gate', file: GATE } },
    });
    expect(current.sustainableRps).toBeGreaterThan(0);
    expect(current.bench!.runs).toEqual([metricsOfCapacityResult(current)]);
    expect(current.steps.map((step) => step.accountingMatch)).not.toContain(false);
    // The search's report as `capacity` prints it, then its figures as a bench table.
    expect(run.stderr).toContain(`sustainable: ${formatRate(current.sustainableRps)} at p99<=2s`);
    expect(run.stderr).toMatch(new RegExp(`│ sustainable_rps\\s+│\\s+${current.sustainableRps} │`));
    expect(run.stderr).toMatch(/│ sustainable_rps>0\s+│\s+\d+\s+│\s+ok │/);
    // The search deleted the topic it created (steps write gigabytes), or said why not (a loaded cluster may time it out).
    if (current.cluster.topicDeleted) expect(await eventually(async () => (await admin.listTopics()).includes(topic), (left) => !left, 120_000)).toBe(false);
    else expect(run.stderr).toContain(`the search's topic ${topic} is left on the cluster: deleting it failed (`);

    const higher = scaled(current, 1.2, 'baseline-20.json');
    const gate = runCli(['bench', 'compare', higher, path('current.json'), '--max-regression', 'sustainable_rps=10%']);
    expect(gate.stderr).toMatch(/│ sustainable_rps\s+│\s+\d+\s+│\s+\d+\s+│\s+-16\.7%\s+│\s+10%\s+│\s+REGRESSION/);
    expect(gate.stderr).toMatch(/error DS_BENCH_GATE_FAILED: 1 metric regressed beyond the limit: sustainable_rps -16\.7% \(limit 10%\)\n$/);
    expect(gate.code).toBe(99);

    // Within 10% passes; a bare --max-regression gates a search's sustainable rate.
    const within = runCli(['bench', 'compare', scaled(current, 1.05, 'baseline-5.json'), path('current.json'), '--max-regression', '10%', '--json']);
    expect(within.stderr).toContain('no regression beyond the limits of sustainable_rps\n');
    expect(within.code).toBe(0);
    const report = JSON.parse(within.stdout) as { passed: boolean; comparisons: Array<{ metric: string; changePercent: number; regressed: boolean }> };
    expect(report.passed).toBe(true);
    expect(report.comparisons.find((c) => c.metric === 'sustainable_rps')).toMatchObject({ regressed: false });
    expect(report.comparisons.find((c) => c.metric === 'sustainable_rps')!.changePercent).toBeCloseTo(-100 / 21, 6);

    // A gate on a metric one side does not hold is an error, not a pass: a fixed run's result has no sustainable rate.
    writeFileSync(path('run.json'), JSON.stringify(produceResult({ records: 1000, latenciesUs: [1000] })));
    const foreign = runCli(['bench', 'compare', path('run.json'), path('current.json'), '--max-regression', 'sustainable_rps=10%']);
    expect(foreign.stderr).toBe(`error DS_BAD_OPTION: ${path('run.json')} has no sustainable_rps: a run's result, it holds records_per_sec, ` +
      'mb_per_sec, avg_ms, p50_ms, p95_ms, p99_ms, p999_ms, max_ms, error_count (a workload with a capacity: block makes a capacity search\'s result)\n');
    expect(foreign.code).toBe(1);

    // Searches do not add up across shards: merge refuses them.
    const merge = runCli(['merge', path('current.json'), higher]);
    expect(merge.stderr).toMatch(new RegExp(`^error DS_MERGE_REFUSED: ${path('current.json')} is a capacity search's result: searches do not add up across shards`));
    expect(merge.code).toBe(1);
  }, 360_000);

  it('refuses before any work what a search does not take: shards, a reference, a threshold on a run\'s metric', () => {
    const shards = runCli(['bench', 'run', GATE, '--shards', '2', '--local']);
    expect(shards.stderr).toBe('error DS_BAD_OPTION: --shards splits a workload into shards, and capacity-gate is a capacity search: each shard\'s ' +
      'would find the knee of its own share, and knees do not add up (run a capacity workload as one `bench run`)\n');
    expect(shards.code).toBe(1);
    const vs = runCli(['bench', 'run', GATE, '--bootstrap-server', bootstrap.join(','), '--vs', 'java']);
    expect(vs.stderr).toBe('error DS_BAD_OPTION: --vs runs a reference after a fixed run, and capacity-gate is a capacity search ' +
      '(`datastorm capacity --vs java` runs Kafka\'s ProducerPerformance at the knee it finds)\n');
    expect(vs.code).toBe(1);
    const threshold = runCli(['bench', 'run', GATE, '--threshold', 'p99_ms<50']);
    expect(threshold.stderr).toBe(`error DS_BAD_OPTION: ${GATE}'s result has no p99_ms: a capacity search's result, it holds sustainable_rps, ` +
      'ceiling_rps, confirmation_p99_ms (a workload without a capacity: block makes a run\'s result)\n');
    expect(threshold.code).toBe(1);
  });
});
