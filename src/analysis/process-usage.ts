import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { nodeIsAlive, readClusterState } from '../cluster/launcher.js';

/**
 * CPU time of other processes (the local brokers), read from /proc/<pid>/stat: utime + stime, in clock
 * ticks. Read before and after a measured point, the difference is what the brokers spent on it (and on
 * anything else they served meanwhile).
 */

/** utime + stime of a /proc/<pid>/stat line, in clock ticks. The command name may hold spaces and ')'. */
export function parseProcStatCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // After the name: state is field 3 of the line, so utime (14) and stime (15) are at 11 and 12 here.
  const [utime, stime] = [Number(fields[11]), Number(fields[12])];
  if (!Number.isInteger(utime) || !Number.isInteger(stime)) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

let ticksPerSecond: number | undefined;

/** USER_HZ: 100 on Linux unless the kernel says otherwise. */
function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const reported = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
    ticksPerSecond = Number.isInteger(reported) && reported > 0 ? reported : 100;
  }
  return ticksPerSecond;
}

/** CPU ms the processes have used so far, added up; undefined when one of them cannot be read. */
export function processesCpuMs(pids: number[]): number | undefined {
  try {
    const ticks = pids.reduce((sum, pid) => sum + parseProcStatCpuTicks(readFileSync(`/proc/${pid}/stat`, 'utf8')), 0);
    return (ticks * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

/**
 * The pids of the local brokers (`datastorm cluster up`) when every one of them is alive and the bootstrap
 * names only them; otherwise undefined: the brokers are elsewhere and their CPU is not ours to read.
 */
export function localBrokerPids(bootstrap: string[]): number[] | undefined {
  if (process.platform !== 'linux') return undefined;
  const state = readClusterState();
  if (!state || state.nodes.length === 0 || !state.nodes.every(nodeIsAlive)) return undefined;
  if (!bootstrap.every((server) => state.bootstrap.includes(server))) return undefined;
  return state.nodes.map((node) => node.pid);
}

/** CPU time as a share of the whole machine over a wall-clock window: 100% is every core busy. */
export function cpuPercentOfMachine(cpuMs: number, wallMs: number, cores: number): number {
  return wallMs > 0 && cores > 0 ? (100 * cpuMs) / (wallMs * cores) : 0;
}
