import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const workloads = (name: string) => fileURLToPath(new URL(`../../benchmarks/workloads/${name}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-relative-'));
const topic = uniqueTopic('bench-relative');

/** The smoke workload, smaller, with the calibration workload run after it as the reference. */
function benchRun(out: string, ...sets: string[]) {
  return runCli(['bench', 'run', workloads('smoke.yaml'), '--vs', workloads('calibration.yaml'),
    '--bootstrap-server', bootstrap.join(','), '--out', join(dir, out),
    ...['topic=' + topic, 'num-records=16000', 'warmup-records=2000', ...sets].flatMap((s) => ['--set', s])]);
}

describe('datastorm bench compare --relative', () => {
  it('catches a change of settings as a ratio to a fixed reference workload run in the same job', () => {
    expect(benchRun('baseline.json').code).toBe(0);
    const slow = benchRun('small-batches.json', 'producer.batch.size=1024');
    expect(slow.stderr).toMatch(/│ metric\s+│ datastorm │ calibration │ datastorm\/calibration │/);
    expect(slow.code).toBe(0);
    const reference = (JSON.parse(readFileSync(join(dir, 'small-batches.json'), 'utf8')) as BenchResult).bench!.reference!;
    // --set changes the workload, never its reference.
    expect(reference).toMatchObject({ tool: 'datastorm', workload: { name: 'calibration' } });
    expect(reference.runs).toHaveLength(1);

    const compare = runCli(['bench', 'compare', join(dir, 'baseline.json'), join(dir, 'small-batches.json'), '--relative',
      '--max-regression', 'records_per_sec=60%']);
    expect(compare.stderr).toMatch(/│ records_per_sec \(ratio\)\s+│\s+\d\.\d{3}\s+│\s+\d\.\d{3}\s+│\s+-\d+\.\d%\s+│\s+60%\s+│\s+REGRESSION/);
    expect(compare.code).toBe(99);
  });

  it('refuses to compare ratios to different references', () => {
    const baseline = JSON.parse(readFileSync(join(dir, 'baseline.json'), 'utf8')) as BenchResult;
    const runs = baseline.bench!.reference!.runs;
    const vsJava = { ...baseline, bench: { ...baseline.bench!, reference: { tool: 'kafka-producer-perf-test', kafkaVersion: '4.3.1', args: [], runs } } };
    writeFileSync(join(dir, 'vs-java.json'), JSON.stringify(vsJava));
    const compare = runCli(['bench', 'compare', join(dir, 'baseline.json'), join(dir, 'vs-java.json'), '--relative']);
    expect(compare.stderr).toBe(`error DS_REFERENCE_MISMATCH: ${join(dir, 'baseline.json')} is relative to calibration but ` +
      `${join(dir, 'vs-java.json')} to java (run both with the same --vs)\n`);
    expect(compare.code).toBe(1);
  });
});
