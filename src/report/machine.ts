import { cpus, hostname, totalmem } from 'node:os';
import type { MachineInfo } from '../produce/result.js';

/** The machine a figure was measured on: every report names it. */
export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    hostname: hostname(),
    platform: process.platform,
    arch: process.arch,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    cpuCount: cores.length,
    totalMemoryBytes: totalmem(),
    nodeVersion: process.version,
  };
}
