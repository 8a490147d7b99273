import { writeFilesInto } from '../shared/paths.js';
import type { ReportTable } from '../report/html-report.js';
import { charts } from './analysis-document.js';
import { pointFigures } from './point-figures.js';
import { formatCommand, renderHtmlDocument, renderMarkdownReport, type ReportDocument } from './report-document.js';
import type { AnalysisRun } from './run-analysis.js';

/** What --json prints and results.json holds: the run, its table, and each point's figures beside its full result. */
export function reportJson(run: AnalysisRun, table: ReportTable, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { points, ...setting } = run;
  return {
    ...setting,
    ...extra,
    table,
    points: points.map((point) => ({
      label: point.label,
      commands: point.commands.map((argv) => formatCommand(argv)),
      wallMs: point.wallMs,
      ...(point.brokerCpuMs === undefined ? {} : { brokerCpuMs: point.brokerCpuMs }),
      figures: pointFigures(point, run.machine.cpuCount),
      result: point.result,
    })),
  };
}

/** report.md, report.html (charts inlined), each chart as its own SVG, and results.json; returns the paths written. */
export function writeReportFiles(dir: string, document: ReportDocument, json: Record<string, unknown>): string[] {
  return writeFilesInto(dir, [
    ['report.md', renderMarkdownReport(document)],
    ['report.html', renderHtmlDocument(document)],
    ...charts(document).map((chart): [string, string] => [chart.file, chart.svg]),
    ['results.json', `${JSON.stringify(json, null, 2)}\n`],
  ]);
}
