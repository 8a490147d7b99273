import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { cachedRdkafkaPerformance, LIBRDKAFKA_VERSION, rdkafkaPerformancePath } from '../../src/bench/librdkafka-build.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const SMOKE = fileURLToPath(new URL('../../benchmarks/workloads/smoke.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-vs-librdkafka-'));
const topic = uniqueTopic('bench-vs-librdkafka');
const admin = createKafka(bootstrap, 'datastorm-test').admin();

// Building the tool takes minutes of a 2-core CI's 90: the suite only uses a binary an earlier
// `bench run --vs librdkafka` (or benchmarks/produce-vs-clients.mjs) left in the DataStorm home.
const binary = cachedRdkafkaPerformance();
if (!binary) {
  process.stderr.write(`skipping bench run --vs librdkafka: no cached rdkafka_performance at ${rdkafkaPerformancePath()} ` +
    '(run `datastorm bench run benchmarks/workloads/smoke.yaml --vs librdkafka` once to build it)\n');
}

// ./configure leaves zstd out where its headers are missing (as on this project's machines).
const zstdBuilt = binary !== undefined && /BUILT_WITH.*\bZSTD\b/.test(readFileSync(join(dirname(binary), 'build.log'), 'utf8'));

afterAll(async () => {
  await admin.disconnect();
});

describe('datastorm bench run --vs librdkafka', () => {
  it.skipIf(!binary)('runs librdkafka\'s rdkafka_performance with the same settings on the same topic and reports DataStorm/librdkafka', async () => {
    const run = runCli(['bench', 'run', SMOKE, '--vs', 'librdkafka', '--bootstrap-server', bootstrap.join(','), '--set', `topic=${topic}`,
      '--set', 'num-records=12000', '--set', 'warmup-records=2000', '--out', join(dir, 'vs-librdkafka.json')]);
    const label = `librdkafka ${LIBRDKAFKA_VERSION}`.replaceAll('.', '\\.');
    expect(run.stderr).toMatch(new RegExp(`│ metric\\s+│ datastorm │ ${label} │ datastorm/${label} │`));
    expect(run.stderr).toMatch(/│ records_per_sec\s+│\s+\d+ │\s+\d+ │\s+\d+\.\d{3} │/);
    expect(run.stderr).toContain('(whole run: rdkafka_performance has no warmup)');
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(join(dir, 'vs-librdkafka.json'), 'utf8')) as BenchResult;
    const reference = result.bench!.reference!;
    if (reference.tool !== 'rdkafka_performance') throw new Error(`reference is ${reference.tool}`);
    expect(reference.librdkafkaVersion).toBe(LIBRDKAFKA_VERSION);
    expect(reference.args).toEqual(expect.arrayContaining([
      '-t', topic, '-c', '12000', '-s', '100', '-z', 'lz4', 'acks=-1', 'batch.size=65536', 'linger.ms=5', '-l',
    ]));
    expect(reference.runs).toHaveLength(1);
    expect(reference.runs[0].metrics.records_per_sec).toBeGreaterThan(0);
    expect(reference.runs[0].metrics.p99_ms).toBeGreaterThan(0);
    expect(reference.runs[0].process?.peakRssBytes).toBeGreaterThan(1024 * 1024);

    // Both producers wrote every record to the topic: DataStorm's 12000, then librdkafka's 12000.
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.reduce((sum, p) => sum + Number(p.high), 0)).toBe(24_000);
  });

  it.skipIf(!binary || zstdBuilt)('fails before any run when librdkafka refuses a setting: a codec left out at build time', () => {
    const run = runCli(['bench', 'run', SMOKE, '--vs', 'librdkafka', '--bootstrap-server', bootstrap.join(','), '--set', `topic=${topic}-zstd`,
      '--set', 'compression=zstd']);
    expect(run.stderr).toContain('error DS_UNSUPPORTED_BY_TOOL: librdkafka refuses the run\'s settings: Unsupported value "zstd" ' +
      'for configuration property "compression.codec": libzstd not available at build time');
    expect(run.stderr).not.toContain('smoke: run');
    expect(run.code).toBe(1);
  });
});
