import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { runCli, uniqueTopic } from '../helpers.js';
import { readClusterState } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';

const bootstrap = inject('bootstrap');
const SMOKE = fileURLToPath(new URL('../../benchmarks/workloads/smoke.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-vs-java-'));
const topic = uniqueTopic('bench-vs-java');
const admin = createKafka(bootstrap, 'datastorm-test').admin();

afterAll(async () => {
  await admin.disconnect();
});

describe('datastorm bench run --vs java', () => {
  it('runs Kafka\'s ProducerPerformance with the same settings on the same topic and reports DataStorm/Java', async () => {
    const run = runCli(['bench', 'run', SMOKE, '--vs', 'java', '--bootstrap-server', bootstrap.join(','), '--set', `topic=${topic}`,
      '--set', 'num-records=12000', '--set', 'warmup-records=2000', '--out', join(dir, 'vs-java.json')]);
    expect(run.stderr).toMatch(/│ metric\s+│ datastorm │\s+java │ datastorm\/java │/);
    expect(run.stderr).toMatch(/│ records_per_sec\s+│\s+\d+ │\s+\d+ │\s+\d+\.\d{3} │/);
    expect(run.stderr).toMatch(/│ peak_rss_mb\s+│\s+\d+\.\d │\s+\d+\.\d │\s+\d+\.\d{3} │/);
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'vs-java.json'), 'utf8')) as BenchResult;
    const reference = result.bench!.reference!;
    if (reference.tool !== 'kafka-producer-perf-test') throw new Error(`reference is ${reference.tool}`);
    // Java runs from the local cluster's jars, else the default release's.
    expect(reference.kafkaVersion).toBe(readClusterState()?.kafkaVersion ?? DEFAULT_KAFKA_VERSION);
    expect(reference.args).toEqual(expect.arrayContaining([
      '--topic', topic, '--num-records', '12000', '--record-size', '100', '--warmup-records', '2000',
      'acks=all', 'batch.size=65536', 'linger.ms=5', 'compression.type=lz4',
    ]));
    expect(reference.runs).toHaveLength(1);
    expect(reference.runs[0].metrics.records_per_sec).toBeGreaterThan(0);
    expect(reference.runs[0].process?.peakRssBytes).toBeGreaterThan(32 * 1024 * 1024);
    expect(reference.runs[0].process?.cpuUserMs).toBeGreaterThan(0);

    // Both producers wrote every record to the topic: DataStorm's 12000, then Java's 12000.
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(24_000);

    // Compared as ratios to the reference measured in the same job, a result matches itself exactly.
    const compare = runCli(['bench', 'compare', join(dir, 'vs-java.json'), join(dir, 'vs-java.json'), '--relative',
      '--max-regression', '5%']);
    expect(compare.stderr).toMatch(/│ records_per_sec \(ratio\)\s+│\s+(\d+\.\d{3})\s+│\s+\1\s+│\s+0\.0%\s+│\s+5%\s+│\s+ok/);
    expect(compare.code).toBe(0);
  });
});
