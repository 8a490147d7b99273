import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataStormError } from '../shared/errors.js';
import { projectRoot } from '../shared/paths.js';
import { readBenchResult, type AnyBenchResult } from './bench-result.js';

/** Time the shard processes are given to prepare before the barrier: the topic, workers connected. */
const LOCAL_BARRIER_LEAD_MS = 8000;
const LOCAL_BARRIER_LEAD_PER_SHARD_MS = 1000;

/**
 * The barrier of `shards` processes started now: each starts as this process did (`startedInMs`, its time to get
 * here), and they start at once on the same cores. A fixed 11 s for 3 shards was passed before they had parsed their
 * arguments at load average 13 (16 s), and they refused it.
 */
export function localBarrierEpochMs(shards: number, startedInMs: number, nowMs = Date.now()): number {
  return nowMs + LOCAL_BARRIER_LEAD_MS + shards * Math.max(LOCAL_BARRIER_LEAD_PER_SHARD_MS, startedInMs);
}

export interface LocalShardsPlan {
  workload: string;
  count: number;
  /** The start barrier every shard waits for (epoch ms). */
  startAtEpochMs: number;
  /** The other arguments of `bench run`, given to every shard as they are (--set, --bootstrap-server, ...). */
  passThrough: string[];
  log: (line: string) => void;
  signal?: AbortSignal;
}

/**
 * A rehearsal of a sharded run on one machine (`bench run FILE --shards N --local`): N `bench run --shard i/N`
 * processes with one start barrier, as N pods of an indexed Job would run; their results, to merge.
 */
export async function runLocalShards(plan: LocalShardsPlan): Promise<{ results: AnyBenchResult[]; files: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-shards-'));
  const cli = join(projectRoot(), 'bin', 'datastorm.js');
  const at = new Date(plan.startAtEpochMs).toISOString();
  plan.log(`${plan.count} shard processes, starting together at ${at} (in ${((plan.startAtEpochMs - Date.now()) / 1000).toFixed(1)} s); results in ${dir}`);
  const files = Array.from({ length: plan.count }, (_, i) => join(dir, `shard-${i + 1}.json`));
  const outcomes = await Promise.all(files.map((file, i) => runShard(cli, [
    'bench', 'run', plan.workload, ...plan.passThrough, '--shard', `${i + 1}/${plan.count}`, '--start-at', at, '--out', file,
  ], `shard ${i + 1}/${plan.count}`, plan)));
  const failed = outcomes.find((outcome) => outcome.code !== 0);
  if (failed) {
    throw new DataStormError(failed.code === 130 ? 'DS_INTERRUPTED' : 'DS_SHARD_FAILED',
      `${failed.label} exited with ${failed.code}: ${failed.lastError}`, { exitCode: failed.code === 130 ? 130 : 1 });
  }
  return { results: files.map(readBenchResult), files };
}

interface ShardOutcome {
  label: string;
  code: number;
  lastError: string;
}

/** One shard process; its stderr lines go to the log with its label in front. */
function runShard(cli: string, args: string[], label: string, plan: LocalShardsPlan): Promise<ShardOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let lastError = '';
    let partial = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('error')) lastError = line;
        plan.log(`[${label}] ${line}`);
      }
    });
    // Ctrl-C reaches the shards too (one process group); a stop asked for otherwise is passed on.
    const stop = () => child.kill('SIGINT');
    plan.signal?.addEventListener('abort', stop, { once: true });
    child.on('close', (code, signal) => {
      plan.signal?.removeEventListener('abort', stop);
      resolve({ label, code: code ?? (signal === 'SIGINT' ? 130 : 1), lastError: lastError || `no error line (${signal ?? 'exit'})` });
    });
  });
}
