import { lineChart, type LineSeries } from '../report/charts.js';
import { renderHtmlReport, type ReportTable } from '../report/html-report.js';
import { formatBatchEncoding } from '../report/produce-report.js';
import { createTable } from '../report/table.js';
import type { ClusterHoldings } from '../cluster/holdings.js';
import { formatUnrest } from '../cluster/settle.js';
import type { CapacityStep } from './capacity-step.js';
import type { CapacityResult, KneeReference, SearchSettling, StepSummary } from './run-capacity.js';
import { parseSlo, statisticName } from './slo.js';
import { formatLatencyMs as formatMs, formatLoad, formatRate } from './step-format.js';

/** 13 s, 4.5 s */
export const formatSeconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** 3 topics, 1,234,567 records, 2.1 GB on disk */
export function formatHoldings(holdings: ClusterHoldings): string {
  const disk = holdings.bytesOnDisk === undefined ? '' : `, ${(holdings.bytesOnDisk / 1e9).toFixed(2)} GB on disk`;
  return `${holdings.topics} topics, ${holdings.records.toLocaleString('en-US')} records${disk}`;
}

/** What was searched, on what: the first lines of the report. */
export function formatCapacityHeader(result: Pick<CapacityResult, 'slo' | 'spec' | 'config' | 'cluster'>): string[] {
  const c = result.config;
  const e2e = result.spec.target === 'e2e';
  const record = `record ${c.payload.kind === 'avro' ? `${c.payload.recordSizeBytes} B` : c.payload.kind}`;
  return [
    `capacity: the highest rate that meets ${result.slo} (latency from ${e2e ? 'produce to consume' : 'intended send to ack'}), ` +
      `within ${(result.spec.budgetMs / 60_000).toFixed(1)} min, precision ${Number((result.spec.precision * 100).toPrecision(3))}%`,
    e2e
      ? `settings: topic ${c.topic} (${c.partitions} partitions), e2e's paced producer (kafkajs, acks all, idempotent, compression ${c.compression}, ${record}), ` +
        `${c.workers} consumer${c.workers === 1 ? '' : 's'} (${c.driver}) of a group per step`
      : `settings: topic ${c.topic} (${c.partitions} partitions), ${c.workers} workers, batch ${c.batchBytes} B, linger ${c.lingerMs} ms, ` +
        `${formatBatchEncoding(c.batchEncoding)}compression ${c.compression}, acks ${c.acks === -1 ? 'all' : c.acks}, ${record}`,
    `cluster: ${result.cluster.bootstrap.join(',')}${result.cluster.kafka ? `, Kafka ${result.cluster.kafka.release}` : ''}${result.cluster.embedded ? ' (embedded local cluster)' : ''}; before the search: ${formatHoldings(result.cluster.before)}`,
    ...(result.cluster.settling ? [formatSettling(result.cluster.settling)] : []),
  ];
}

/** How long the search waited for the local cluster, and for what. */
export function formatSettling(settling: SearchSettling): string {
  const before = settling.settled
    ? `settled after ${formatSeconds(settling.waitedMs)} (at first: ${formatUnrest(settling.found)})`
    : `not settled after ${formatSeconds(settling.waitedMs)} (${formatUnrest(settling.left)}), the search went on`;
  return `local cluster before the search: ${before}`;
}


function verdictCell(step: CapacityStep): string {
  if (step.verdict.outcome !== 'misses') return step.verdict.outcome;
  return `misses: ${step.verdict.why.join(', ')}${step.verdict.stallLike ? ' (stall?)' : ''}`;
}

/** Every step: its load, what it achieved, latency over its steady windows, backlog, verdict. */
export function capacityTable(result: Pick<CapacityResult, 'steps'>): ReportTable {
  return {
    head: ['step', 'offered', 'achieved', 'records', 'p50 ms', 'p99 ms', 'p99.9 ms', 'backlog', 'verdict'],
    rows: result.steps.map((step) => [
      step.phase, formatLoad(step.load), formatRate(step.achievedRps), step.records.toLocaleString('en-US'),
      formatMs(step.latency.p50Ms), formatMs(step.latency.p99Ms), formatMs(step.latency.p999Ms),
      step.backlogEndRecords === undefined ? '' : Math.round(step.backlogEndRecords).toLocaleString('en-US'),
      verdictCell(step),
    ]),
  };
}

/** The steps' table as printed (no colour: the same bytes everywhere). */
export function formatCapacityTable(result: Pick<CapacityResult, 'steps'>, colour = false): string {
  const { head, rows } = capacityTable(result);
  const table = createTable(head, { colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'], colour });
  table.push(...rows);
  return table.toString();
}

function summaryOf(step: StepSummary, slo: string): string {
  const verdict = step.meetsSlo && step.meetsRate ? `meets ${slo}` : [!step.meetsSlo ? `misses ${slo}` : '', !step.meetsRate ? 'misses the rate' : ''].filter(Boolean).join(', ');
  return `${formatRate(step.rateRps)} (achieved ${formatRate(step.achievedRps)}): p99 ${formatMs(step.p99Ms)} ms, ${verdict}`;
}

/** The answer: ceiling, knee, confirmation, the run above, confidence and notes. */
export function formatCapacitySummary(result: CapacityResult): string[] {
  const lines = [
    `ceiling: ${formatRate(result.ceilingRps)}${result.ceilingReached ? '' : ' or more'} (the ramp's backlog stayed under 1 s of records up to it; ` +
      `${result.spec.target === 'e2e' ? `probe as fast as the consumers read ${formatRate(result.probeRps)}` : `unlimited probe ${formatRate(result.probeRps)}`})`,
  ];
  if (result.floor) {
    lines.push(`sustainable: none: the lowest rate tried, ${summaryOf(result.floor, result.slo)}`);
  } else if (result.sustainableRps > 0) {
    const bracket = result.bracket.missRps === undefined ? 'the ceiling itself met it' : `met at ${formatRate(result.bracket.meetRps)}, missed at ${formatRate(result.bracket.missRps)}`;
    lines.push(`sustainable: ${formatRate(result.sustainableRps)} at ${result.slo} (${bracket}); confidence ${result.confidence}`);
  }
  if (result.confirmation) lines.push(`confirmation ${(result.spec.confirmMs / 1000).toFixed(0)} s: ${summaryOf(result.confirmation, result.slo)}`);
  if (result.above) {
    // The lowest minute-long run that missed above the knee, within 1.25x of it.
    const times = (result.above.rateRps / result.sustainableRps).toFixed(2);
    lines.push(`above, ${times}x the knee for ${(result.spec.confirmMs / 1000).toFixed(0)} s: ${summaryOf(result.above, result.slo)}: the knee is one`);
  }
  for (const note of result.notes) lines.push(`note: ${note}`);
  if (result.ended === 'stopped') lines.push('stopped early: the figures are what was found so far');
  if (result.cluster.after) {
    lines.push(`cluster after the search: ${formatHoldings(result.cluster.after)}${result.cluster.topicDeleted ? ` (the search's topic deleted; --keep-topic keeps it)` : ''}`);
  }
  return lines;
}

/**
 * DataStorm's step to set beside the other client's at the knee: the last at the knee's rate (its confirmation, or
 * the search step that met it when the budget left no confirmation); else, when a missed confirmation lowered the
 * knee past the budget, the last confirmation, at its own rate.
 */
function kneeStep(result: Pick<CapacityResult, 'steps'>, rateRps: number): CapacityStep | undefined {
  return result.steps.filter((step) => step.load.kind === 'rate' && step.load.rateRps === rateRps).at(-1)
    ?? result.steps.filter((step) => step.phase === 'confirm').at(-1);
}

/** The other client at the knee (--vs java) beside DataStorm's step there: rate, achieved, p50, p99, p99.9 (what of the latency is the client). */
export function kneeTable(result: Pick<CapacityResult, 'steps'> & { vs: KneeReference }): ReportTable {
  const { vs } = result;
  const ours = kneeStep(result, vs.rateRps);
  const row = (client: string, rateRps: number, achievedRps: number, latency: { p50Ms: number; p99Ms: number; p999Ms: number }) => [
    client, formatRate(rateRps), formatRate(achievedRps), formatMs(latency.p50Ms), formatMs(latency.p99Ms), formatMs(latency.p999Ms),
  ];
  return {
    head: ['client', 'rate', 'achieved', 'p50 ms', 'p99 ms', 'p99.9 ms'],
    rows: [
      ...(ours ? [row(`datastorm (${ours.phase})`, ours.offeredRps ?? vs.rateRps, ours.achievedRps, ours.latency)] : []),
      row(vs.tool, vs.rateRps, vs.achievedRps, vs),
    ],
  };
}

/** What the other client ran at the knee, and how each side's latency is measured. */
function kneeLines(vs: KneeReference): [string, string] {
  return [
    `vs ${vs.tool}: ${vs.version} at the knee, ${formatRate(vs.rateRps)} for ${formatSeconds(vs.durationMs)} (the first ${formatSeconds(vs.warmupMs)} left out), ` +
      'with the same settings, after the search (beyond its budget)',
    `latency: datastorm's from each record's intended send time, over its step at the knee's rate after the warm-up; ${vs.tool}'s from ${vs.latencyFrom}`,
  ];
}

/** --vs java's lines beside the summary: what ran, the table, how latency is measured; none without it. */
export function formatKneeComparison(result: Pick<CapacityResult, 'steps' | 'vs'>): string[] {
  if (!result.vs) return [];
  const { head, rows } = kneeTable({ ...result, vs: result.vs });
  const table = createTable(head, { colAligns: ['left', 'right', 'right', 'right', 'right', 'right'], colour: false });
  table.push(...rows);
  const [ran, latency] = kneeLines(result.vs);
  return [ran, table.toString(), latency];
}

/**
 * Latency against offered rate, log scales: one line per SLO statistic through the judged steps (a repeated rate
 * drawn by its repeat), the SLO's limits dashed across, the knee dashed up.
 */
export function capacityChart(
  result: Pick<CapacityResult, 'slo' | 'steps' | 'sustainableRps'> & { spec: Pick<CapacityResult['spec'], 'target' | 'confirmMs'> },
): string {
  const slo = parseSlo(result.slo);
  // The steps and the confirmation-long runs apart: over a minute a cluster may miss a rate a step met.
  const lastAtEachRate = (phases: ReadonlyArray<CapacityStep['phase']>) => {
    const judged = new Map<number, CapacityStep>();
    for (const step of result.steps) if (step.load.kind === 'rate' && phases.includes(step.phase)) judged.set(step.load.rateRps, step);
    return [...judged.entries()].sort(([a], [b]) => a - b);
  };
  const runs = [
    { name: 'steps', points: lastAtEachRate(['floor', 'search', 'repeat']) },
    { name: `${(result.spec.confirmMs / 1000).toFixed(0)} s runs`, points: lastAtEachRate(['confirm', 'above']) },
  ].filter((run) => run.points.length > 0);
  const points = runs.flatMap((run) => run.points);
  const rates = points.map(([rate]) => rate);
  const values = points.flatMap(([, step]) => step.sloValuesMs).concat(slo.map((term) => term.limitMs)).filter((v) => v > 0);
  const [xMin, xMax] = [Math.min(...rates), Math.max(...rates)];
  const [yMin, yMax] = [Math.min(...values), Math.max(...values)];
  const from = result.spec.target === 'e2e' ? 'from creation to read' : 'from intended send time';
  const series: LineSeries[] = slo.flatMap((term, i) => runs.map((run) => ({
    name: `${statisticName(term)}, ${run.name}`, points: run.points.map(([rate, step]) => ({ x: rate, y: step.sloValuesMs[i] })),
  })));
  for (const term of slo) {
    series.push({ name: `SLO ${statisticName(term)} ≤ ${term.limitMs} ms`, dashed: true, points: [{ x: xMin, y: term.limitMs }, { x: xMax, y: term.limitMs }] });
  }
  if (result.sustainableRps > 0) {
    series.push({ name: `knee ${formatRate(result.sustainableRps)}`, dashed: true, points: [{ x: result.sustainableRps, y: yMin }, { x: result.sustainableRps, y: yMax }] });
  }
  return lineChart({ title: `Latency against offered rate (${result.slo})`, xLabel: 'offered rate (records/s)', yLabel: `latency ${from} (ms)`, logX: true, logY: true, series });
}

/** The report page: answer, chart, steps. */
export function capacityHtml(result: CapacityResult, command: string): string {
  return renderHtmlReport({
    title: `DataStorm capacity: ${result.slo}`,
    machine: result.machine,
    command,
    sections: [
      { heading: 'Answer', text: [...formatCapacityHeader(result), ...formatCapacitySummary(result)].join('\n\n') },
      { heading: 'Latency against offered rate', svg: capacityChart(result) },
      ...(result.vs ? [{ heading: `Against ${result.vs.tool} at the knee`, text: kneeLines(result.vs).join('\n\n'), table: kneeTable({ ...result, vs: result.vs }) }] : []),
      { heading: 'Steps', text: result.spec.target === 'e2e'
        ? 'Latency over each step\'s steady windows (after its warm-up), from each record\'s creation to its read by a consumer; backlog: records due minus records consumed at the step\'s end.'
        : 'Latency over each step\'s steady windows (after its warm-up), from each record\'s intended send time (the probe has no schedule: from its append, send to ack); backlog: records due minus records acknowledged at the step\'s end.',
      table: capacityTable(result) },
    ],
  });
}
