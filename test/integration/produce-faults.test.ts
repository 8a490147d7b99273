import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterDown, clusterUp } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION } from '../../src/cluster/settings.js';
import { CLI, PERF_SUMMARY_LINE, PERF_WINDOW_LINE, uniqueTopic } from '../helpers.js';

// Its own 3-node cluster (its own ports and folder): this test kills a broker, which the shared cluster must not see.
const dir = mkdtempSync(join(tmpdir(), 'datastorm-faults-'));
const layout = { brokers: 3, basePort: 9392, controllerBasePort: 19392 };

afterAll(() => clusterDown(dir, 5000));

describe('a broker killed in the middle of a run', () => {
  it('ends with a report that reconciles with the offsets, or a one-line error — never a hang or a stack trace', async () => {
    const cluster = await clusterUp({ layout, kafkaVersion: DEFAULT_KAFKA_VERSION, dir });
    const victim = cluster.nodes[2];
    const child = spawn(process.execPath, [CLI, 'produce', '--bootstrap-server', cluster.bootstrap.join(','),
      '--topic', uniqueTopic('faults'), '--duration', '8s', '--throughput', '3000', '--workers', '2', '--partitions', '6',
      '--reporting-interval', '500']);
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await Promise.race([exited, new Promise<void>((resolve) => child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (PERF_WINDOW_LINE.test(stdout.split('\n')[0])) resolve();
    }))]);
    expect(child.exitCode, stderr).toBeNull(); // still running at its first window line
    process.kill(victim.pid, 'SIGKILL');
    const code = await exited;
    expect(Date.now() - started).toBeLessThan(180_000);
    expect(stderr).not.toMatch(/\n\s+at /);
    const accounting = /accounting: (\d+) records acknowledged = (\d+) records added/.exec(stderr);
    if (code === 0) {
      // The producers moved to the new leaders: every acknowledged record is on the broker.
      expect(accounting?.[1]).toBe(accounting?.[2]);
      expect(stdout.split('\n').some((line) => PERF_SUMMARY_LINE.test(line))).toBe(true);
    } else {
      expect(code).toBe(1);
      expect(stderr.trim().split('\n').filter((line) => line.startsWith('error '))).toHaveLength(1);
      expect(stderr).toMatch(/errors: \d+|accounting: /);
    }
  }, 240_000);
});
