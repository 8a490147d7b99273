import { percentileChart } from '../report/charts.js';
import { decodeHistogram, percentileCurve } from '../shared/histograms.js';
import type { AnalysisRun } from './run-analysis.js';
import { formatCommand, type DocumentSection, type ReportChart, type ReportDocument } from './report-document.js';

/** The parts every analysis report shares: how it was measured, the latency chart and the commands run. */

/** The one line above the terminal table: where the figures were measured. */
export function machineLine(run: AnalysisRun): string {
  const m = run.machine;
  return `measured on ${m.hostname}: ${m.cpuModel} × ${m.cpuCount}, ${(m.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB, ` +
    `${m.platform} ${m.arch}, Node.js ${m.nodeVersion}; ${run.cluster.brokers} brokers${run.cluster.local ? ' on this machine' : ''}, ` +
    `load average ${run.loadAverage.start.toFixed(2)} -> ${run.loadAverage.end.toFixed(2)}`;
}

export function setupText(run: AnalysisRun): string {
  const cores = run.machine.cpuCount;
  const brokers = run.cluster.local
    ? `the brokers' CPU is their JVMs' user+system time (from /proc/<pid>/stat) from the start of the point's processes ` +
      `to their last result, as a share of all ${cores} cores; it includes whatever else the brokers served meanwhile` +
      `${run.brokerBaseline === undefined ? '' : ` (in the ${(run.brokerBaseline.windowMs / 1000).toFixed(1)} s before the ` +
        `first point, with no point running, they used ${run.brokerBaseline.cpuPercent.toFixed(1)}%)`}.`
    : 'the brokers are not local to this machine, so their CPU is not measured.';
  return [
    `Cluster: ${run.cluster.brokers} brokers at ${run.cluster.bootstrap.join(',')}` +
      `${run.cluster.local ? ' (the local `datastorm cluster up` cluster, on this machine)' : ''}.`,
    `Load average (1 min): ${run.loadAverage.start.toFixed(2)} before the first point, ${run.loadAverage.end.toFixed(2)} after ` +
      `the last, on ${cores} cores: the brokers and any other work on the machine share them with DataStorm.`,
    'Each point ran the produce engine in a process of its own (several at once for a point of several processes, ' +
      'their results merged exactly) on a fresh topic, given its run config and sending its result back over an IPC ' +
      'channel; the commands below repeat it. Every records figure is the broker-acknowledged count, checked ' +
      'against the growth of the topic\'s end offsets (accounting OK for every point).',
    `Values${run.payload.variesByPoint ? ' (of the first point; the points differ in them, see their commands)' : ''}: ` +
      `${run.payload.description}. gzip compresses worker 0's pool of values (concatenated) ` +
      `${run.payload.poolGzipRatio.toFixed(2)}× (measured when this report was made).`,
    `CPU: DataStorm's is the produce process's user+system time from the start of its work (topic set-up, workers) to ` +
      `the last acknowledgement, as a share of all ${cores} cores (100% = every core busy); ${brokers}`,
    'Latency: per record, from its append to a batch to the broker\'s acknowledgement, from HDR histograms merged ' +
      'exactly across workers and processes. MB = 1024 × 1024 bytes; MB/s counts record values; wire MB counts ' +
      'record batches as sent, after compression; ratio = value bytes / wire bytes. Peak RSS is the process\'s ' +
      '(added up over a point\'s processes).',
  ].join('\n\n');
}

export function latencyChart(run: AnalysisRun, title: string): ReportChart {
  return {
    file: 'latency-percentiles.svg',
    title,
    svg: percentileChart({
      title,
      series: run.points.map((point) => ({ name: point.label, points: percentileCurve(decodeHistogram(point.result.latency.histogram)) })),
    }),
  };
}

export function commandsSection(run: AnalysisRun): DocumentSection {
  return {
    heading: 'The points as commands',
    text: 'Each point\'s run as the `datastorm produce` command that repeats it (`datastorm` is `node bin/datastorm.js`). ' +
      'The points ran one after the other, the processes of one point at the same time.',
    commands: run.points.flatMap((point) => point.commands.map((argv, i) => ({
      label: point.commands.length > 1 ? `${point.label} process ${i + 1}/${point.commands.length}` : point.label,
      command: formatCommand(argv),
    }))),
  };
}

/** The report: the measured sections between how it was measured and the commands that repeat its points. */
export function analysisDocument(run: AnalysisRun, title: string, sections: DocumentSection[]): ReportDocument {
  return {
    title,
    command: run.command,
    machine: run.machine,
    sections: [{ heading: 'How this was measured', text: setupText(run) }, ...sections, commandsSection(run)],
  };
}

/** A document's charts in order: each is written to its own SVG file beside the report. */
export function charts(document: ReportDocument): ReportChart[] {
  return document.sections.flatMap((section) => (section.chart ? [section.chart] : []));
}
