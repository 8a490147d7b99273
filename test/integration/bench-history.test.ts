import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { BenchResult } from '../../src/bench/bench-result.js';
import { runCli, uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const SMOKE = fileURLToPath(new URL('../../benchmarks/workloads/smoke.yaml', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'datastorm-history-'));
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();

/** Throughput of the nine runs after the real one, as a share of its own: a wobble of up to 3%. */
const WOBBLE = [1.01, 0.99, 1.02, 0.98, 1.0, 1.03, 0.97, 1.01, 1.0];

let real: BenchResult;

/**
 * A history of ten runs in a folder: the real run first, then nine made from it as later runs on later commits
 * (its file with the times, the commit and the figures changed: the schema bench run writes), the tenth's
 * throughput `lastShare` of the real run's.
 */
function historyFolder(name: string, lastShare: number): string {
  const folder = join(dir, name);
  mkdirSync(folder);
  writeFileSync(join(folder, '00-real.json'), JSON.stringify(real));
  const startedMs = Date.parse(real.startedAt);
  const committedMs = Date.parse(real.bench!.commit!.committedAt!);
  [...WOBBLE.slice(0, 8), lastShare].forEach((share, i) => {
    const hours = (i + 1) * 3_600_000;
    const [figures] = real.bench!.runs;
    const later: BenchResult = {
      ...real,
      startedAt: new Date(startedMs + hours).toISOString(),
      bench: {
        ...real.bench!,
        commit: { sha: `${i + 1}`.repeat(40), committedAt: new Date(committedMs + hours).toISOString() },
        runs: [{ ...figures, records_per_sec: figures.records_per_sec * share, mb_per_sec: figures.mb_per_sec * share }],
      },
    };
    writeFileSync(join(folder, `${String(i + 1).padStart(2, '0')}-later.json`), JSON.stringify(later));
  });
  return folder;
}

beforeAll(() => {
  const run = runCli(['bench', 'run', SMOKE, '--bootstrap-server', bootstrap.join(','), '--set', `topic=${uniqueTopic('bench-history')}`,
    '--set', 'num-records=12000', '--set', 'warmup-records=2000', '--out', join(dir, 'real.json')], { env: { GITHUB_SHA: '' } });
  expect(run.code, run.stderr).toBe(0);
  real = JSON.parse(readFileSync(join(dir, 'real.json'), 'utf8')) as BenchResult;
});

describe('datastorm bench history over a real bench run\'s result', () => {
  it('bench run records the checkout\'s commit and its time', () => {
    expect(real.bench?.commit).toEqual({ sha: git('rev-parse', 'HEAD'), committedAt: git('show', '-s', '--format=%cI', 'HEAD') });
  });

  it('passes 10 runs that wobble by 3%, printing each run and writing the page', () => {
    const folder = historyFolder('steady', 1.0);
    const page = join(dir, 'steady.html');
    const run = runCli(['bench', 'history', folder, '--max-drift', '10%', '--out', page]);
    expect(run.stderr).toContain('smoke: 10 runs in commit order');
    const first = `${real.startedAt.slice(0, 16).replace('T', ' ')} │ ${real.bench!.commit!.sha.slice(0, 7)} │ +${real.bench!.runs[0].records_per_sec.toFixed(0)} │`;
    expect(run.stderr).toMatch(new RegExp(`│ 1 +│ ${first}`));
    expect(run.stderr).toContain('the last run is within --max-drift of records_per_sec, p99_ms, error_count');
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(page, 'utf8').match(/<svg /g)).toHaveLength(9);
  });

  it('fails (exit 99) on a planted 15% drop in the last run', () => {
    const run = runCli(['bench', 'history', historyFolder('drift', 0.85), '--max-drift', '10%', '--out', join(dir, 'drift.html')]);
    expect(run.stderr).toMatch(/error DS_BENCH_GATE_FAILED: the last run \(\S+\/09-later\.json\) against the median of the 5 before it: 1 metric regressed beyond the limit: records_per_sec -15\.0% \(limit 10%\)\n$/);
    expect(run.code).toBe(99);
    expect(readFileSync(join(dir, 'drift.html'), 'utf8')).toContain('fill="none" stroke="#e15759"');
  });
});
