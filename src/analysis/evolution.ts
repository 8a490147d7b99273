import type { ProduceResult } from '../produce/result.js';
import { barChart } from '../report/charts.js';
import type { ReportTable } from '../report/html-report.js';
import { markReused } from '../report/produce-report.js';
import { analysisDocument, latencyChart } from './analysis-document.js';
import { pointFigures, type PointFigures } from './point-figures.js';
import { produceArgv } from './produce-args.js';
import { formatArgs, type ReportDocument } from './report-document.js';
import type { AnalysisRun } from './run-analysis.js';
import { SEED_SOURCE, SEED_STAGES, formatSeedRate } from './seed-figures.js';
import type { Stage } from './stages.js';

/** `datastorm evolution`: the stage files run in order, each stage's records/s set against the first's. */

/** Each rate over the first one: how many times faster than the baseline stage. */
export function speedups(rates: number[]): number[] {
  const [baseline] = rates;
  return rates.map((rate) => (baseline > 0 ? rate / baseline : Number.NaN));
}

export const formatSpeedup = (speedup: number) => (Number.isFinite(speedup) ? `${speedup.toFixed(1)}x` : '');

/**
 * A stage's records/s is its whole run's, start-up included (connections, the first batches): a run whose steady
 * part is shorter than this measures mostly its start-up, and its speedups would compare start-ups (at a small
 * --scale a later stage came out slower than the one before it).
 */
export const MIN_STEADY_WINDOW_MS = 1500;

/**
 * A run's steady window: from the start of its first reporting interval at half its best interval's rate or more
 * (before it: start-up) to its end; 0 when no interval closed (the run ended inside its first).
 */
export function steadyWindowMs(result: Pick<ProduceResult, 'intervals' | 'totals'>): number {
  const { intervals } = result;
  if (intervals.length === 0) return 0;
  const best = Math.max(...intervals.map((interval) => interval.recordsPerSec));
  const first = intervals.findIndex((interval) => interval.recordsPerSec >= best / 2);
  const startMs = first === 0 ? 0 : intervals[first - 1].elapsedMs;
  return Math.max(0, result.totals.durationMs - startMs);
}

/** One stage's measured figures, its speedup over the first stage and over the one before, and the seed report's figures for it. */
export interface StageFigures {
  figures: PointFigures;
  steadyWindowMs: number;
  /** NaN when a stage compared is too short (tooShort names it) or the first measured nothing. */
  speedup: number;
  overPrevious: number;
  /** The stages whose steady window is under MIN_STEADY_WINDOW_MS, of the two each speedup compares. */
  tooShort: { vsFirst: string[]; vsPrevious: string[] };
  seedRecordsPerSec?: number;
  seedSpeedup?: number;
}

export function stageFigures(run: AnalysisRun): StageFigures[] {
  const figures = run.points.map((point) => pointFigures(point, run.machine.cpuCount));
  const measured = speedups(figures.map((f) => f.recordsPerSec));
  const windows = run.points.map((point) => steadyWindowMs(point.result));
  const short = (...indexes: number[]) => [...new Set(indexes)].filter((i) => windows[i] < MIN_STEADY_WINDOW_MS).map((i) => run.points[i].label);
  const seedOf = (label: string | undefined) => (label !== undefined && Object.hasOwn(SEED_STAGES, label) ? SEED_STAGES[label].recordsPerSec : undefined);
  const seedBaseline = seedOf(run.points[0]?.label);
  return run.points.map((point, i) => {
    const seed = seedOf(point.label);
    const tooShort = { vsFirst: short(0, i), vsPrevious: i === 0 ? [] : short(i - 1, i) };
    return {
      figures: figures[i],
      steadyWindowMs: windows[i],
      speedup: tooShort.vsFirst.length ? Number.NaN : measured[i],
      overPrevious: i === 0 || tooShort.vsPrevious.length ? Number.NaN : measured[i] / measured[i - 1],
      tooShort,
      ...(seed === undefined ? {} : { seedRecordsPerSec: seed }),
      ...(seed === undefined || seedBaseline === undefined ? {} : { seedSpeedup: seed / seedBaseline }),
    };
  });
}

/** A speedup, or which of the two stages it would compare ran too short a steady window for it. */
function speedupCell(speedup: number, tooShort: string[]): string {
  return tooShort.length ? `steady window too short: ${tooShort.join(', ')}` : formatSpeedup(speedup);
}

function steadyWindowCell(ms: number): string {
  return `${(ms / 1000).toFixed(1)}${ms < MIN_STEADY_WINDOW_MS ? ' (too short)' : ''}`;
}

/** `2 × 4`: processes of that many worker threads each; `2 × 3-4` when the workers do not split evenly. */
export function processesTimesWorkers(processes: number, workers: number): string {
  const low = Math.floor(workers / processes);
  return `${processes} × ${workers % processes === 0 ? low : `${low}-${low + 1}`}`;
}

const optional = (value: number | undefined, format: (value: number) => string) => (value === undefined ? '' : format(value));

export function evolutionTable(run: AnalysisRun): ReportTable {
  const first = run.points[0]?.label ?? 'first stage';
  return {
    head: ['stage', 'processes × workers', 'records', 'records/s', 'steady window s', `speedup vs ${first}`, 'vs the stage before', 'MB/s', 'DataStorm CPU %',
      'brokers CPU %', 'peak RSS MB', 'p50 ms', 'p99 ms', `seed report: records/s (speedup vs ${first})`],
    rows: stageFigures(run).map(({ figures: f, steadyWindowMs: steadyMs, speedup, overPrevious, tooShort, seedRecordsPerSec, seedSpeedup }, i) => {
      const point = run.points[i];
      const seed = seedRecordsPerSec === undefined ? '' : `${formatSeedRate(seedRecordsPerSec)}/s${optional(seedSpeedup, (v) => ` (${formatSpeedup(v)})`)}`;
      return [
        markReused(point.label, point.result.config), processesTimesWorkers(point.commands.length, point.result.config.workers), String(f.records), f.recordsPerSec.toFixed(0),
        steadyWindowCell(steadyMs), speedupCell(speedup, tooShort.vsFirst), speedupCell(overPrevious, tooShort.vsPrevious), f.mbPerSec.toFixed(2), f.dataStormCpuPercent.toFixed(1), optional(f.brokerCpuPercent, (v) => v.toFixed(1)),
        f.peakRssMb.toFixed(0), f.p50Ms.toFixed(2), f.p99Ms.toFixed(2), seed,
      ];
    }),
  };
}

/** What each stage is: its file, its description and its options at scale 1. */
export function stagesTable(stages: Stage[]): ReportTable {
  return {
    head: ['stage', 'file', 'what it is', 'options (num-records at --scale 1)'],
    rows: stages.map((stage) => [
      stage.name, stage.file, stage.description,
      `${stage.processes > 1 ? `${stage.processes} processes: ` : ''}${formatArgs(produceArgv(stage.args))}`,
    ]),
  };
}

export function evolutionDocument(run: AnalysisRun, stages: Stage[], scale: number): ReportDocument {
  const stagesFigures = stageFigures(run);
  const first = run.points[0]?.label ?? 'first stage';
  const seedBars = (pick: (s: StageFigures) => number | undefined) => run.points.flatMap((point, i) => {
    const value = pick(stagesFigures[i]);
    return value === undefined ? [] : [{ label: point.label, value }];
  });
  const seedName = 'seed report (its machine)';
  const throughput = barChart({
    title: 'Records/s per stage', unit: 'records/s', barsName: 'measured here', referenceName: seedName,
    bars: run.points.map((point, i) => ({
      label: point.label, value: stagesFigures[i].figures.recordsPerSec,
      note: stagesFigures[i].tooShort.vsFirst.length ? 'steady window too short' : `${formatSpeedup(stagesFigures[i].speedup)} vs ${first}`,
    })),
    referenceBars: seedBars((s) => s.seedRecordsPerSec),
  });
  const speedup = barChart({
    title: `Speedup over ${first}`, unit: `× ${first}'s records/s`, barsName: 'measured here', referenceName: seedName,
    bars: run.points.map((point, i) => ({ label: point.label, value: stagesFigures[i].speedup })),
    referenceBars: seedBars((s) => s.seedSpeedup),
  });
  const last = run.points.at(-1)?.label ?? 'last stage';
  return analysisDocument(run, `DataStorm: evolution ${first} to ${last}`, [
    {
      heading: 'Records/s per stage',
      text: `Each stage at --scale ${scale} (its num-records × ${scale}, never fewer records than workers), one after the ` +
        `other on the same cluster. Speedups are records/s over ${first}'s, and over the stage before. A stage's steady window is its run ` +
        'from its first reporting interval at half its best interval\'s rate to its end (before it: connections and first batches); ' +
        `a speedup needs both stages' at ${MIN_STEADY_WINDOW_MS / 1000} s or more, else its records/s measure start-up (run a larger --scale). ` +
        'The last column holds the figures of ' +
        `${SEED_SOURCE}: ${Object.entries(SEED_STAGES).map(([name, s]) => `${name} ${s.wording}`).join('; ')}; ` +
        'its v0 figure is the top of its range. The seed\'s v3 brought in its 4-broker cluster; here every stage ' +
        'runs on the same 4 brokers.',
      table: evolutionTable(run),
    },
    {
      heading: 'The stages',
      text: 'Each stage is a file of produce options; a stage of several processes splits its records and workers between them exactly.',
      table: stagesTable(stages),
    },
    { heading: 'Throughput per stage', chart: { file: 'throughput.svg', title: 'Records/s per stage', svg: throughput } },
    { heading: `Speedup over ${first}`, chart: { file: 'speedup.svg', title: `Speedup over ${first}`, svg: speedup } },
    { heading: 'Latency by percentile', chart: latencyChart(run, 'Latency by percentile, per stage (send to ack)') },
  ]);
}
