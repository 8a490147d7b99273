import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchResult } from '../bench/bench-result.js';
import { mergeResults } from '../bench/merge-results.js';
import { metricsOfProduceResult } from '../bench/metrics.js';
import type { RunCluster } from '../cluster/bootstrap.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { projectRoot } from '../shared/paths.js';
import { verdictOf, type IntervalResult, type ProduceResult } from '../produce/result.js';
import { formatWindowLine } from '../report/produce-report.js';
import { maskPropertyLine } from '../security/client-security.js';
import { decodePointMessage, failureOf, pointFailedError, type PointAnswer, type PointFailure, type PointRequest } from './point-protocol.js';
import { processesCpuMs } from './process-usage.js';

/**
 * One measured point: runProduce on a topic made for it beforehand, in child processes of its own
 * (src/analysis/point-process.ts), so that its peak RSS and CPU time are its own and nothing of one point (heap,
 * sockets, JIT state) carries into the next.
 */
export interface PointProcess {
  config: RunConfig;
  /** The `datastorm produce` argv that runs the same (for the reports; its secrets are masked there). */
  command: string[];
}

export interface PointPlan {
  label: string;
  cluster: RunCluster;
  /** Several run at the same time and their results are merged. */
  processes: PointProcess[];
}

export interface MeasuredPoint {
  label: string;
  /** Each process's `datastorm produce` argv, secrets masked. */
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
  /** Aborting (Ctrl-C) stops the point's processes; the analysis then ends without a report. */
  signal?: AbortSignal;
}

/** Throws the end of an analysis stopped by Ctrl-C: points not measured make no report. */
export function checkNotInterrupted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DataStormError('DS_INTERRUPTED', 'interrupted: no report written', { exitCode: INTERRUPTED_EXIT_CODE });
}

interface PointChild {
  /** The process's result or failure, as soon as it is sent: before the process has exited. */
  outcome: Promise<PointAnswer>;
  closed: Promise<void>;
  stop: () => void;
}

/** How much of a process's stderr is kept: its last line is all that says why it exited without an answer (a crash). */
const STDERR_TAIL_CHARS = 2000;

function startProcess(request: PointRequest, onInterval: (interval: IntervalResult) => void): PointChild {
  const child = spawn(process.execPath, [join(projectRoot(), 'dist/src/analysis/point-process.js')], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderrTail = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => { stderrTail = (stderrTail + text).slice(-STDERR_TAIL_CHARS); });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const outcome = new Promise<PointAnswer>((resolve) => {
    const fail = (failure: PointFailure) => resolve({ type: 'failed', failure });
    child.on('message', (message: unknown) => {
      try {
        const decoded = decodePointMessage(message);
        if (decoded.type === 'interval') onInterval(decoded.interval);
        else resolve(decoded);
      } catch (error) {
        fail(failureOf(error));
      }
    });
    child.on('error', (error) => fail({ code: 'DS_UNEXPECTED', message: `the process could not run: ${error.message}` }));
    // Every message has arrived by 'close': an exit without an answer is a crash (a resolved outcome stays as it is).
    void closed.then((code) => {
      const lastLine = stderrTail.trim().split('\n').pop();
      fail({ code: 'DS_UNEXPECTED', message: `the process exited (code ${code}) without a result${lastLine ? `: ${lastLine}` : ''}` });
    });
  });
  child.send(request);
  return {
    outcome,
    closed: closed.then(() => undefined),
    stop: () => {
      if (child.connected) child.send({ type: 'stop' } satisfies PointRequest);
    },
  };
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
  checkNotInterrupted(options.signal);
  const brokerCpu = () => options.brokerPids && processesCpuMs(options.brokerPids);
  const brokerCpuBefore = brokerCpu();
  const started = performance.now();
  const several = plan.processes.length > 1;
  const children = plan.processes.map(({ config }, i) => startProcess({ type: 'run', config, cluster: plan.cluster }, (interval) =>
    options.log(`  ${several ? `[process ${i + 1}] ` : ''}${formatWindowLine(interval)}`)));
  const stopAll = () => children.forEach((child) => child.stop());
  // The first failure is the point's; the other processes are stopped rather than left to run for nothing.
  let firstFailure: { failure: PointFailure; index: number } | undefined;
  children.forEach((child, index) => void child.outcome.then((outcome) => {
    if (outcome.type !== 'failed' || firstFailure) return;
    firstFailure = { failure: outcome.failure, index };
    stopAll();
  }));
  options.signal?.addEventListener('abort', stopAll, { once: true });
  let outcomes: PointAnswer[];
  let end: { at: number; brokerCpu?: number };
  try {
    outcomes = await Promise.all(children.map((child) => child.outcome));
    // The window closes at the last result, not the last exit: nothing is measured while a process winds down.
    end = { at: performance.now(), brokerCpu: brokerCpu() };
    // Nothing of this point runs on into the next.
    await Promise.all(children.map((child) => child.closed));
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  checkNotInterrupted(options.signal);
  if (firstFailure) {
    const label = several ? `${plan.label} (process ${firstFailure.index + 1} of ${plan.processes.length})` : plan.label;
    throw pointFailedError(label, firstFailure.failure, plan.processes[firstFailure.index].command);
  }
  const result = combine(outcomes.flatMap((outcome) => (outcome.type === 'result' ? [outcome.result] : [])), plan.label);
  // A process alone fails on a broken run; processes sharing a topic are checked here, merged.
  const verdict = verdictOf({ ...result, config: { ...result.config, sharedTopic: false } }, plan.label);
  if (verdict) throw verdict;
  const brokerCpuMs = brokerCpuBefore !== undefined && end.brokerCpu !== undefined ? end.brokerCpu - brokerCpuBefore : undefined;
  return {
    label: plan.label,
    commands: plan.processes.map(({ command }) => command.map(maskPropertyLine)),
    result,
    wallMs: end.at - started,
    ...(brokerCpuMs === undefined ? {} : { brokerCpuMs }),
  };
}
