import { setFlagsFromString } from 'node:v8';

/** Flags that choose V8's tiers (V8 takes - or _): given to Node, they are the user's choice and stay as given. */
const TIER_FLAG = /^--(no[-_])?(turbofan|opt|max[-_]opt|maglev|jitless)\b/;

let runsWithoutTurbofan = 0;

/**
 * Runs `run` with V8's optimizing compiler (TurboFan) off when `perBatchWork`, and back on once no such run is left.
 *
 * Why: a pre-encoded run's JavaScript runs per batch (a few thousand times a run), not per record, and TurboFan then
 * costs more CPU compiling those paths on its background threads than the code it makes saves: measured on a 2M-record
 * run of one worker, 0.15-0.2 s of the process's 0.9-1.1 s. Without it the run keeps V8's baseline code (Sparkplug),
 * compiled at once and cheaply. A run writing records one by one needs TurboFan (without it: 2.5x the CPU), so it
 * keeps it. V8's flags are process-wide (worker threads included), hence the count of runs that turned it off.
 */
export async function withoutOptimizingCompiler<T>(perBatchWork: boolean, run: () => Promise<T>): Promise<T> {
  if (!perBatchWork || tierChosenAtStart()) return run();
  if (runsWithoutTurbofan++ === 0) setFlagsFromString('--no-turbofan');
  try {
    return await run();
  } finally {
    if (--runsWithoutTurbofan === 0) setFlagsFromString('--turbofan');
  }
}

/** On Node's command line or in NODE_OPTIONS (which takes --jitless). */
export function tierChosenAtStart(execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((flag) => TIER_FLAG.test(flag));
}
