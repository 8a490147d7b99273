import { sequenceChart, type LineSeries } from '../report/charts.js';
import { renderHtmlReport, renderMarkdownTable, type ReportSection } from '../report/html-report.js';
import type { TableRows } from './bench-report.js';
import { comparisonRows, defaultGatedMetrics } from './compare.js';
import type { History, HistoryRun } from './history.js';
import { CAPACITY_METRIC_NAMES, METRIC_NAMES, RUN_METRIC_NAMES, formatMetricValue, type MetricName } from './metrics.js';
import { THRESHOLD_HEAD, thresholdRows, type Threshold, type ThresholdOutcome } from './thresholds.js';

/**
 * `bench history`'s reports: the runs' table, the last run against the median of those before it, a chart per metric
 * across the runs (the median, the drift limits' regressions and the thresholds drawn), as terminal tables, Markdown
 * (a CI job's summary) and an HTML page. Pure: the same history gives the same bytes.
 */

/** What the reports show besides the history: the thresholds and how the last run met them, and the gate's failures. */
export interface HistoryVerdict {
  thresholds: ThresholdOutcome[];
  /** Each reason the gate failed (drift, thresholds); none: it passed. */
  failures: string[];
}

const lastOf = (history: History): HistoryRun => history.runs[history.runs.length - 1];
const regressed = (run: HistoryRun, metric: MetricName) => run.comparisons.some((c) => c.metric === metric && c.regressed);
/** A run's start as the table prints it: UTC to the minute. */
const startedCell = (run: HistoryRun) => new Date(run.startedAt).toISOString().slice(0, 16).replace('T', ' ');
const commitCell = (run: HistoryRun) => run.commit?.sha.slice(0, 7) ?? '-';

/** The metrics the runs' table shows: those gated by default for the kind, and any with a drift limit or a threshold. */
function tableMetrics(history: History, thresholds: Threshold[]): MetricName[] {
  const shown = new Set<MetricName>([...defaultGatedMetrics(history.kind), ...thresholds.map((t) => t.metric)]);
  for (const metric of METRIC_NAMES) if (history.limits[metric] !== undefined) shown.add(metric);
  return METRIC_NAMES.filter((metric) => shown.has(metric));
}

/** `smoke: 10 runs in commit order, from 2026-01-01 10:00 to 2026-01-10 10:00 UTC` */
export function formatHistoryHeadline(history: History): string {
  const runs = history.runs.length === 1 ? '1 run' : `${history.runs.length} runs in ${history.order} order`;
  return `${history.workload}: ${runs}, from ${startedCell(history.runs[0])} to ${startedCell(lastOf(history))} UTC; ` +
    `each run against the median of up to ${history.window} runs before it`;
}

/** Under the runs' table: what a marked figure means. */
export function runsTableNote(history: History): string {
  return Object.keys(history.limits).length === 0
    ? 'no --max-drift given: no run is judged'
    : `*: worse than the median of up to ${history.window} runs before it by more than its --max-drift`;
}

/** A row a run, oldest first: its number, start, commit and figures, those beyond their drift limit marked `*`. */
export function historyRunsTable(history: History, thresholds: Threshold[]): TableRows {
  const metrics = tableMetrics(history, thresholds);
  return {
    head: ['#', 'started (UTC)', 'commit', ...metrics],
    rows: history.runs.map((run, index) => [
      String(index + 1), startedCell(run), commitCell(run),
      ...metrics.map((metric) => {
        const value = run.figures[metric];
        return value === undefined ? '-' : `${formatMetricValue(metric, value)}${regressed(run, metric) ? ' *' : ''}`;
      }),
    ]),
  };
}

/** The last run against the median of the runs before it, as compare's table; undefined for a history of one run. */
export function lastRunTable(history: History): TableRows | undefined {
  const last = lastOf(history);
  if (last.baselineRuns === 0) return undefined;
  return {
    head: ['metric', `median of ${last.baselineRuns} before`, 'last run', 'change', 'max drift', 'verdict'],
    rows: comparisonRows(last.comparisons),
  };
}

/** What the last run was judged against, in a line. */
export function formatLastRunLine(history: History): string {
  const last = lastOf(history);
  const which = `the last run (#${history.runs.length}, ${last.commit ? `commit ${commitCell(last)}, ` : ''}${startedCell(last)} UTC)`;
  return last.baselineRuns === 0
    ? `${which}: the first, nothing before it to compare with`
    : `${which} against the median of the ${last.baselineRuns} runs before it`;
}

/** The gate's outcome in a line (Markdown's bold aside, the same words as the terminal's). */
function verdictLine(history: History, verdict: HistoryVerdict): string {
  if (verdict.failures.length > 0) return `FAILED: ${verdict.failures.join('; ')}`;
  const gated = Object.keys(history.limits).length > 0 || verdict.thresholds.length > 0;
  return gated ? 'passed' : 'nothing gated: no --max-drift or --threshold given';
}

/** Notes of runs unlike the run before them: `#4 (results/b.json): machine: ... -> ...` */
export function differenceLines(history: History): string[] {
  return history.runs.flatMap((run, index) => run.differences.map((difference) => `#${index + 1} (${run.file}): not like with like: ${difference}`));
}

/** One metric across the runs: its values, the median each was judged against, regressions ringed, its thresholds. */
export function historyChart(history: History, metric: MetricName, thresholds: Threshold[]): string {
  const limit = history.limits[metric];
  /** A point a run (x: its index), where it has a value and is one of those wanted. */
  const points = (value: (run: HistoryRun) => number | undefined, wanted = (_run: HistoryRun) => true) => history.runs.flatMap((run, x) => {
    const y = value(run);
    return y === undefined || !wanted(run) ? [] : [{ x, y }];
  });
  const last = history.runs.length - 1;
  const series: LineSeries[] = [
    { name: metric, points: points((run) => run.figures[metric]) },
    { name: `median of ${history.window} before`, dashed: true, points: points((run) => run.baseline?.[metric]) },
    ...(limit === undefined ? [] : [{
      name: `regressed (over ${limit}% worse)`, rings: true, points: points((run) => run.figures[metric], (run) => regressed(run, metric)),
    }]),
    // Across the whole plot: from the left edge of the first run's slot to the right edge of the last one's.
    ...thresholds.filter((t) => t.metric === metric).map((t) => ({ name: t.text, dashed: true, points: [{ x: -0.5, y: t.value }, { x: last + 0.5, y: t.value }] })),
  ];
  return sequenceChart({
    title: `${history.workload}: ${metric}, run by run`,
    categories: history.runs.map((_, index) => `#${index + 1}`),
    xLabel: `run (# as in the runs' table), oldest first, in ${history.order} order`,
    yLabel: metric,
    series,
  });
}

/** The metrics a history charts: every one of its kind that some run holds. */
function chartedMetrics(history: History): MetricName[] {
  return (history.kind === 'capacity' ? CAPACITY_METRIC_NAMES : RUN_METRIC_NAMES)
    .filter((metric) => history.runs.some((run) => run.figures[metric] !== undefined));
}

/** The page: the verdict and the last run's table, a chart per metric, the runs and what differs between them. */
export function historyHtml(history: History, verdict: HistoryVerdict, command: string): string {
  const last = lastRunTable(history);
  const runs = historyRunsTable(history, verdict.thresholds.map((o) => o.threshold));
  const differences = differenceLines(history);
  const sections: ReportSection[] = [
    {
      heading: 'The last run against the runs before it',
      text: [formatHistoryHeadline(history), formatLastRunLine(history), verdictLine(history, verdict)].join('\n\n'),
      ...(last ? { table: last } : {}),
    },
    ...(verdict.thresholds.length ? [{ heading: 'Thresholds on the last run', table: { head: THRESHOLD_HEAD, rows: thresholdRows(verdict.thresholds) } }] : []),
    ...chartedMetrics(history).map((metric) => ({ heading: metric, svg: historyChart(history, metric, verdict.thresholds.map((o) => o.threshold)) })),
    { heading: 'Runs', text: runsTableNote(history), table: runs },
    ...(differences.length ? [{ heading: 'Not like with like', text: differences.join('\n\n') }] : []),
  ];
  return renderHtmlReport({ title: `DataStorm bench history: ${history.workload}`, machine: history.machine, command, sections });
}

/** A CI job's summary: the verdict, the last run's table and, folded, the runs it was judged with. */
export function historyMarkdown(history: History, verdict: HistoryVerdict): string {
  const last = lastRunTable(history);
  const runs = historyRunsTable(history, verdict.thresholds.map((o) => o.threshold));
  // The runs the last one was judged against, and it: the rest of the history is in the HTML page.
  const judged = runs.rows.slice(-(lastOf(history).baselineRuns + 1));
  return [
    `## DataStorm bench history: ${history.workload}`,
    '',
    `- ${formatHistoryHeadline(history)}`,
    `- ${formatLastRunLine(history)}`,
    '',
    `**${verdictLine(history, verdict)}**`,
    '',
    ...(last ? [renderMarkdownTable(last.head, last.rows)] : []),
    ...(verdict.thresholds.length ? [renderMarkdownTable(THRESHOLD_HEAD, thresholdRows(verdict.thresholds))] : []),
    '<details><summary>The runs it was judged with</summary>',
    '',
    renderMarkdownTable(runs.head, judged),
    runsTableNote(history),
    '',
    '</details>',
    '',
  ].join('\n');
}
