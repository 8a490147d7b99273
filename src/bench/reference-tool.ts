import { spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';

/**
 * What the other clients' perf tools (Kafka's Java ProducerPerformance, librdkafka's rdkafka_performance) share
 * when DataStorm runs them with a run's settings: the record count they need, the producer properties the run
 * holds as typed fields, and one run of the tool's process with its CPU time and peak RSS measured.
 */

/** Properties RunConfig holds as typed fields: its value wins over the text the user wrote (e.g. batch.size=64KB). */
const TYPED_PROPS = new Set(['bootstrap.servers', 'acks', 'batch.size', 'linger.ms', 'compression.type', 'enable.idempotence', 'buffer.memory', 'max.block.ms']);

/** The run's producerProps that no typed field holds, as the user wrote them. */
export function untypedProducerProps(config: RunConfig): Array<[string, string]> {
  return Object.entries(config.producerProps).filter(([key]) => !TYPED_PROPS.has(key));
}

/** The perf tools have no duration: a timed run is only equivalent when a rate fixes its record count. */
export function referenceRecordCount(config: RunConfig, tool: { name: string; vs: string }): number {
  if (config.throughputProfile) {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `${tool.name} takes one rate, not a --throughput-profile`, { hint: 'compare a constant --throughput' });
  }
  if (config.numRecords !== undefined) return config.numRecords;
  if (config.throughputRps > 0 && config.durationMs !== undefined) {
    return Math.round((config.throughputRps * config.durationMs) / 1000);
  }
  throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `${tool.name} needs a record count, and an unthrottled timed run has none`, {
    hint: `give the workload numRecords (or a throughputRps limit) to compare it with ${tool.vs}`,
  });
}

export interface ProcessUsage {
  peakRssBytes: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export interface MeasuredRun {
  stdout: string;
  wallMs: number;
  /** The tool's own process: peak resident set and CPU time, user and system. */
  process: ProcessUsage & { measuredBy: 'gnu-time' | 'proc-poll' };
}

const GNU_TIME = '/usr/bin/time';
const PROC_POLL_MS = 50;

function gnuTimeInstalled(): boolean {
  try {
    accessSync(GNU_TIME, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS and CPU ticks of a live process from /proc; VmHWM is the high-water mark, so the last read is the peak so far. */
function readProcUsage(pid: number): ProcessUsage | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15, in 1/100 s ticks (USER_HZ).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const peakKb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
    return { peakRssBytes: peakKb * 1024, cpuUserMs: Number(fields[11]) * 10, cpuSystemMs: Number(fields[12]) * 10 };
  } catch {
    return undefined;
  }
}

/**
 * Runs a tool once and returns its stdout and its process's peak RSS and CPU time: exact from GNU time when
 * installed, else polled from /proc until it exits. A non-zero exit fails with DS_TOOL_FAILED, `name` and the output's end.
 */
export async function runMeasured(
  command: string,
  args: string[],
  name: string,
  signal?: AbortSignal,
): Promise<MeasuredRun> {
  const timed = gnuTimeInstalled();
  const scratch = mkdtempSync(join(tmpdir(), 'datastorm-measured-'));
  const timeFile = join(scratch, 'time.txt');
  const started = Date.now();
  const [program, programArgs] = timed ? [GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, command, ...args]] : [command, args];
  // Its own process group, so a stop reaches the tool and not only GNU time.
  const child = spawn(program, programArgs, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  signal?.addEventListener('abort', stop, { once: true });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });

  let polled: ProcessUsage = { peakRssBytes: 0, cpuUserMs: 0, cpuSystemMs: 0 };
  const poller = timed ? undefined : setInterval(() => {
    polled = readProcUsage(child.pid ?? -1) ?? polled;
  }, PROC_POLL_MS);
  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code ?? 1));
    });
    const wallMs = Date.now() - started;
    if (exitCode !== 0) {
      throw new DataStormError('DS_TOOL_FAILED', `${name} exited with code ${exitCode}: ` +
        `${`${stderr}${stdout}`.trim().split('\n').slice(-3).join(' | ')}`, { hint: `it ran: ${command} ${args.join(' ')}` });
    }
    const usage = timed ? parseGnuTime(readFileSync(timeFile, 'utf8')) : polled;
    return { stdout, wallMs, process: { ...usage, measuredBy: timed ? 'gnu-time' : 'proc-poll' } };
  } finally {
    signal?.removeEventListener('abort', stop);
    if (poller) clearInterval(poller);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** GNU time's "-f '%M %U %S'": peak RSS in KiB, user and system CPU in seconds (a last line; any before it are its notes). */
export function parseGnuTime(text: string): ProcessUsage {
  const last = text.trim().split('\n').at(-1) ?? '';
  const [peakKb, userSec, systemSec] = last.trim().split(/\s+/).map(Number);
  if (![peakKb, userSec, systemSec].every(Number.isFinite)) {
    throw new DataStormError('DS_TOOL_OUTPUT', `unexpected output of ${GNU_TIME}: "${last}"`);
  }
  return { peakRssBytes: peakKb * 1024, cpuUserMs: Math.round(userSec * 1000), cpuSystemMs: Math.round(systemSec * 1000) };
}
