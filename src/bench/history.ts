import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataStormError } from '../shared/errors.js';
import type { MachineInfo } from '../produce/result.js';
import { figuresOf, kindOf, readBenchResult, type AnyBenchResult } from './bench-result.js';
import { compareMetrics, differencesBetween, regressionFailure, type MetricComparison, type RegressionLimits } from './compare.js';
import { medianMetrics, type Figures, type ResultKind } from './metrics.js';
import type { SourceCommit } from './source-commit.js';

/**
 * `bench history`: a folder of result files, one a run (as `bench run --out` writes them), in the order the runs
 * were made; each run judged against the median of the runs just before it, so a slow drift that passes every
 * compare with the run before shows against a longer memory.
 */

/** A result file of the folder, read. */
export interface HistoryFile {
  file: string;
  result: AnyBenchResult;
}

export interface HistoryRun {
  file: string;
  startedAt: string;
  commit?: SourceCommit;
  figures: Figures;
  /** Each metric's median over the runs before this one, up to the window's count of them; absent for the first run. */
  baseline?: Figures;
  /** How many runs the baseline is the median of. */
  baselineRuns: number;
  /** This run against its baseline, metric by metric, as compare judges two results (none for the first run). */
  comparisons: MetricComparison[];
  /** What makes this run unlike the one before it (settings, machine, cluster): compare's warnings. */
  differences: string[];
}

export interface History {
  workload: string;
  kind: ResultKind;
  /** Commit order when every result names its commit's time (then start order within a commit); else start order. */
  order: 'commit' | 'time';
  /** How many runs before each one its baseline is the median of, at most. */
  window: number;
  /** The most each metric may drift (--max-drift); a metric without one is shown, not judged. */
  limits: RegressionLimits;
  /** Oldest first. */
  runs: HistoryRun[];
  /** The machine the last run ran on (the reports name it). */
  machine: MachineInfo;
}

/** A history's workload: the bench workload's name; plain `produce --json` results have none. */
const workloadOf = (result: AnyBenchResult): string => result.bench?.workload.name ?? '(no workload: produce --json)';

/** Every `*.json` file of the folder (not below it), read as `compare` reads a result; the folder must hold one. */
export function readHistoryFolder(dir: string): HistoryFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.name.endsWith('.json') && !entry.isDirectory()).map((entry) => entry.name).sort();
  } catch (error) {
    throw new DataStormError('DS_BAD_OPTION', `cannot read the folder ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      hint: 'give the folder that holds one result file a run (bench run --out DIR/RUN.json)',
    });
  }
  if (names.length === 0) {
    throw new DataStormError('DS_BAD_OPTION', `${dir} holds no result files (*.json)`, {
      hint: 'write each run\'s result into it: datastorm bench run WORKLOAD.yaml --out DIR/RUN.json',
    });
  }
  return names.map((name) => ({ file: join(dir, name), result: readBenchResult(join(dir, name)) }));
}

/** A time a result states, in epoch ms; one that does not parse makes the file unreadable as a history's. */
function timeOf(file: string, field: string, value: string | undefined): number {
  const ms = Date.parse(value ?? '');
  if (!Number.isFinite(ms)) {
    throw new DataStormError('DS_BAD_RESULT_FILE', `${file}: ${field} is ${JSON.stringify(value)}, not a time`, {
      hint: 'a result holds the times DataStorm wrote: this one was edited or damaged; take it out of the folder',
    });
  }
  return ms;
}

/** Results of one workload of one kind, or a one-line refusal naming each workload found and its count of files. */
function checkOneWorkload(files: HistoryFile[], dir: string): void {
  const counts = new Map<string, number>();
  for (const { result } of files) {
    const key = `${workloadOf(result)}${kindOf(result) === 'capacity' ? ' (capacity searches)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size > 1) {
    const found = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([key, count]) => `${key}: ${count}`).join(', ');
    throw new DataStormError('DS_BAD_OPTION', `${dir} holds results of ${counts.size} workloads (${found}): a history is of one workload`, {
      hint: 'keep each workload\'s results in a folder of its own',
    });
  }
}

/**
 * The runs in order, each judged against the median of up to `window` runs before it with the drift limits (compare's
 * judgement: which way is worse per metric). `dir` names the folder in errors.
 */
export function buildHistory(files: HistoryFile[], options: { window: number; limits: RegressionLimits; dir: string }): History {
  checkOneWorkload(files, options.dir);
  const timed = files.map(({ file, result }) => ({
    file, result, startedMs: timeOf(file, 'startedAt', result.startedAt),
    commitMs: result.bench?.commit?.committedAt === undefined ? undefined : timeOf(file, 'bench.commit.committedAt', result.bench.commit.committedAt),
  }));
  const order = timed.every((run) => run.commitMs !== undefined) ? 'commit' : 'time';
  timed.sort((a, b) => (order === 'commit' ? a.commitMs! - b.commitMs! : 0) || a.startedMs - b.startedMs || a.file.localeCompare(b.file));
  const figures = timed.map(({ result }) => figuresOf(result));
  const runs = timed.map(({ file, result }, index): HistoryRun => {
    const before = figures.slice(Math.max(0, index - options.window), index);
    const baseline = before.length > 0 ? medianMetrics(before) : undefined;
    return {
      file, startedAt: result.startedAt, ...(result.bench?.commit ? { commit: result.bench.commit } : {}), figures: figures[index],
      ...(baseline ? { baseline } : {}), baselineRuns: before.length,
      comparisons: baseline ? compareMetrics(baseline, figures[index], options.limits) : [],
      differences: index > 0 ? differencesBetween(timed[index - 1].result, result) : [],
    };
  });
  const last = timed[timed.length - 1].result;
  return { workload: workloadOf(last), kind: kindOf(last), order, window: options.window, limits: options.limits, runs, machine: last.machine };
}

/** The last run's drift beyond its limits, as one line naming its file; undefined when it drifted within them. */
export function driftFailure(history: History): string | undefined {
  const last = history.runs[history.runs.length - 1];
  const failure = regressionFailure(last.comparisons);
  return failure && `the last run (${last.file}) against the median of the ${last.baselineRuns} before it: ${failure}`;
}
