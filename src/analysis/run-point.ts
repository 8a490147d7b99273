import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { BenchResult } from '../bench/bench-result.js';
import { mergeResults } from '../bench/merge-results.js';
import { metricsOfProduceResult } from '../bench/metrics.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { projectRoot } from '../shared/paths.js';
import { verdictOf, type ProduceResult } from '../produce/result.js';
import { processesCpuMs } from './process-usage.js';
import { formatCommand } from './report-document.js';
import { maskPropertyLine } from '../security/client-security.js';

/**
 * One measured point: `datastorm produce --json` on a topic made for it beforehand, in child processes of its
 * own, so that its peak RSS and CPU time are its own and nothing of one point (heap, sockets, JIT state)
 * carries into the next.
 */
export interface PointPlan {
  label: string;
  topic: string;
  /** One `datastorm produce` argv per process; several run at the same time and their results are merged. */
  commands: string[][];
}

export interface MeasuredPoint {
  label: string;
  commands: string[][];
  /** The process's result, or the exact merge of several processes' (src/bench/merge-results.ts). */
  result: ProduceResult;
  /** From the start of the processes to the last one's result (a process may linger a moment after it). */
  wallMs: number;
  /** CPU time the local brokers used over wallMs; undefined when the brokers are not local. */
  brokerCpuMs?: number;
}

export interface PointOptions {
  /** The local brokers' pids (src/analysis/process-usage.ts), for their CPU time. */
  brokerPids?: number[];
  log: (line: string) => void;
}

/** Kafka's window line, which produce prints on stderr under --json: the progress worth passing on. */
const WINDOW_LINE = /^\d+ records sent, /;

interface ChildOutcome {
  code: number | null;
  stdout: string;
  lastLines: string[];
}

/** True once the output holds the whole JSON result, which produce prints last. */
function holdsResult(chunks: Buffer[]): boolean {
  try {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Runs one process of a point; `onResult` is called when its result is out, before the process has exited. */
function runChild(argv: string[], prefix: string, log: (line: string) => void, onResult: () => void): Promise<ChildOutcome> {
  const child = spawn(process.execPath, [join(projectRoot(), 'bin/datastorm.js'), 'produce', ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks: Buffer[] = [];
  let reported = false;
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    if (!reported && chunk.toString('utf8').trimEnd().endsWith('}') && holdsResult(chunks)) {
      reported = true;
      onResult();
    }
  });
  const lastLines: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    if (WINDOW_LINE.test(line)) log(`  ${prefix}${line}`);
    lastLines.push(line);
    if (lastLines.length > 30) lastLines.shift();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(chunks).toString('utf8'), lastLines }));
  });
}

function resultOf(outcome: ChildOutcome, argv: string[]): ProduceResult {
  if (outcome.code === INTERRUPTED_EXIT_CODE) {
    throw new DataStormError('DS_INTERRUPTED', 'interrupted: no report written', { exitCode: INTERRUPTED_EXIT_CODE });
  }
  if (outcome.code !== 0) {
    // The failed-records and accounting lines say what went wrong; the error line only names it.
    const errorLine = outcome.lastLines.filter((line) => line.startsWith('error ')).pop();
    const report = outcome.lastLines.filter((line) => /^(errors: [1-9]|accounting: MISMATCH)/.test(line));
    const reason = [...report, errorLine ?? outcome.lastLines.slice(-3).join(' / ')].join('; ');
    throw new DataStormError('DS_POINT_FAILED', `a measured point failed (exit ${outcome.code}): ${reason}`, {
      hint: `run it alone to see its whole report: ${formatCommand(argv)}`,
    });
  }
  return JSON.parse(outcome.stdout) as ProduceResult;
}

/** The processes' results as shards of one workload, merged exactly; one process's result as it is. */
function combine(results: ProduceResult[], label: string): ProduceResult {
  if (results.length === 1) return results[0];
  const shards: BenchResult[] = results.map((result, i) => ({
    ...result,
    bench: { workload: { name: label }, shard: { index: i + 1, count: results.length }, runs: [metricsOfProduceResult(result)] },
  }));
  // The merge keeps its bench section: which processes it added up, with their records.
  return mergeResults(shards, results.map((_, i) => `${label} process ${i + 1}`));
}

export async function runPoint(plan: PointPlan, options: PointOptions): Promise<MeasuredPoint> {
  const brokerCpu = () => options.brokerPids && processesCpuMs(options.brokerPids);
  const brokerCpuBefore = brokerCpu();
  const started = performance.now();
  // The window closes at the last result, not the last exit: nothing is measured while a process winds down.
  let end: { at: number; brokerCpu?: number } | undefined;
  let results = 0;
  const onResult = () => {
    if (++results === plan.commands.length) end = { at: performance.now(), brokerCpu: brokerCpu() };
  };
  const outcomes = await Promise.all(plan.commands.map((argv, i) =>
    runChild(argv, plan.commands.length > 1 ? `[process ${i + 1}] ` : '', options.log, onResult)));
  end ??= { at: performance.now(), brokerCpu: brokerCpu() };
  const wallMs = end.at - started;
  const brokerCpuAfter = end.brokerCpu;
  const result = combine(outcomes.map((outcome, i) => resultOf(outcome, plan.commands[i])), plan.label);
  // A process alone exits non-zero on a broken run; processes sharing a topic are checked here, merged.
  const verdict = verdictOf({ ...result, config: { ...result.config, sharedTopic: false } }, plan.label);
  if (verdict) throw verdict;
  const brokerCpuMs = brokerCpuBefore !== undefined && brokerCpuAfter !== undefined ? brokerCpuAfter - brokerCpuBefore : undefined;
  // The commands are recorded (results.json, reports): a secret given in --producer-props is masked.
  return { label: plan.label, commands: plan.commands.map((argv) => argv.map(maskPropertyLine)), result, wallMs, ...(brokerCpuMs === undefined ? {} : { brokerCpuMs }) };
}
