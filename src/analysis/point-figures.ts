import type { ReportTable } from '../report/html-report.js';
import { markReused } from '../report/produce-report.js';
import { createTable } from '../report/table.js';
import { cpuPercentOfMachine } from './process-usage.js';
import type { MeasuredPoint } from './run-point.js';

/** The figures a report prints for one measured point, all from its result's counters and histogram. */
export interface PointFigures {
  records: number;
  recordsPerSec: number;
  mbPerSec: number;
  /** Record batches as sent, after compression. */
  wireMb: number;
  compressionRatio: number;
  /** The produce process's CPU, from its start of work to its last ack, as a share of all cores. */
  dataStormCpuPercent: number;
  /** The local brokers' CPU from the start of the point's processes to their last result, as a share of all cores. */
  brokerCpuPercent?: number;
  /** Peak resident memory of the point's process (of its processes, added up). */
  peakRssMb: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
}

const MB = 1024 * 1024;

export function pointFigures(point: MeasuredPoint, cores: number): PointFigures {
  const { totals, latency, process, startedAt, measuredWindow } = point.result;
  const workMs = measuredWindow.endEpochMs - Date.parse(startedAt);
  return {
    records: totals.records,
    recordsPerSec: totals.recordsPerSec,
    mbPerSec: totals.mbPerSec,
    wireMb: totals.wireBytes / MB,
    compressionRatio: totals.compressionRatio,
    dataStormCpuPercent: cpuPercentOfMachine(process.cpuUserMs + process.cpuSystemMs, workMs, cores),
    ...(point.brokerCpuMs === undefined ? {} : { brokerCpuPercent: cpuPercentOfMachine(point.brokerCpuMs, point.wallMs, cores) }),
    peakRssMb: process.peakRssBytes / MB,
    avgMs: latency.meanUs / 1000,
    p50Ms: latency.p50Us / 1000,
    p99Ms: latency.p99Us / 1000,
  };
}

export const POINT_HEAD = ['records', 'records/s', 'MB/s', 'wire MB', 'ratio', 'DataStorm CPU %', 'brokers CPU %', 'peak RSS MB', 'avg ms', 'p50 ms', 'p99 ms'];

/** Cells under POINT_HEAD; a figure that was not measured (brokers elsewhere) is an empty cell. */
export function pointCells(f: PointFigures): string[] {
  return [
    String(f.records), f.recordsPerSec.toFixed(0), f.mbPerSec.toFixed(2), f.wireMb.toFixed(2), f.compressionRatio.toFixed(2),
    f.dataStormCpuPercent.toFixed(1), f.brokerCpuPercent === undefined ? '' : f.brokerCpuPercent.toFixed(1), f.peakRssMb.toFixed(0),
    f.avgMs.toFixed(2), f.p50Ms.toFixed(2), f.p99Ms.toFixed(2),
  ];
}

/** Figures to set beside the measured ones, in columns of their own (the seed report's). */
export interface ExtraColumns {
  head: string[];
  cells: (label: string) => string[];
}

/** One row per point: its label, its figures, then any extra columns. */
export function pointTable(axis: string, points: MeasuredPoint[], cores: number, extra?: ExtraColumns): ReportTable {
  return {
    head: [axis, ...POINT_HEAD, ...(extra?.head ?? [])],
    rows: points.map((point) => [markReused(point.label, point.result.config), ...pointCells(pointFigures(point, cores)), ...(extra?.cells(point.label) ?? [])]),
  };
}

/** A report table for the terminal: the first column left-aligned, the figures right. */
export function renderTerminalTable(table: ReportTable, colour?: boolean): string {
  const terminal = createTable(table.head, { colour, colAligns: table.head.map((_, i) => (i === 0 ? 'left' : 'right')) });
  terminal.push(...table.rows);
  return terminal.toString();
}
