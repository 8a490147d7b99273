import {
  formatConsumeAccounting, formatConsumersTable, formatDecodeLine, formatFailedConsumers, formatSummaryLine as formatConsumeSummaryLine, formatTimeoutWarning,
} from '../consume/consume-report.js';
import type { ConsumeResult } from '../consume/consume.js';
import type { ShareConsumeResult } from '../consume/share-consume.js';
import {
  formatAcknowledgementLatency, formatAcknowledgementsLine, formatDeliveryCounts, formatShareAccounting, formatShareConsumerLine, formatShareSummaryLine, formatShareTimeoutWarning,
} from '../consume/share-report.js';
import { formatFaultLines } from '../faults/fault-plan.js';
import type { ProduceResult } from '../produce/result.js';
import type { DatePattern } from '../report/java-format.js';
import { formatVerificationDetails, formatVerificationLine } from '../report/verification-report.js';
import {
  formatAccountingLine, formatBatchesLine, formatErrorsLine, formatIntendedLatencyLine, formatMetricsTable, formatPartialLine, formatResultTable,
  formatSchemaRegistryLine, formatStartLine, formatSummaryLine, formatTransactionsLine,
} from '../report/produce-report.js';

/** Anything a report can be written to: process.stdout, a file stream, a collector in a test. */
export interface OutputStream {
  write(text: string): unknown;
}

/**
 * Where a report goes: `out` takes Kafka's own lines (the perf-test summary), `err` DataStorm's tables and
 * notes (by default `out` too). With `json`, the whole result is written to `out` and every line goes to `err`.
 */
export interface ReportStreams {
  out: OutputStream;
  err?: OutputStream;
  json?: boolean;
}

function writers({ out, err = out, json = false }: ReportStreams) {
  const line = (stream: OutputStream) => (text: string) => stream.write(`${text}\n`);
  return { kafka: line(json ? err : out), notes: line(err), json: (value: unknown) => { if (json) out.write(`${JSON.stringify(value, null, 2)}\n`); } };
}

/** A produce run's report: Kafka's summary lines, then DataStorm's table, errors, accounting and what else the run had. */
export function printProduceReport(result: ProduceResult, streams: ReportStreams, options: { printMetrics?: boolean } = {}): void {
  const { kafka, notes, json } = writers(streams);
  kafka(formatSummaryLine(result.totals, result.latency));
  if (result.steadyState) kafka(formatSummaryLine(result.steadyState.totals, result.steadyState.latency, true));
  if (result.intendedLatency) notes(formatIntendedLatencyLine(result.intendedLatency));
  if (result.partial) notes(formatPartialLine(result.totals, result.config.numRecords));
  notes(formatResultTable(result));
  if (options.printMetrics) notes(formatMetricsTable(result));
  notes(formatErrorsLine(result.totals.errors));
  notes(formatAccountingLine(result));
  if (result.verification) for (const line of [formatVerificationLine(result.verification), ...formatVerificationDetails(result.verification)]) notes(line);
  for (const line of [formatStartLine(result), formatTransactionsLine(result), formatBatchesLine(result)]) if (line) notes(line);
  if (result.schemaRegistry) notes(formatSchemaRegistryLine(result.schemaRegistry));
  if (result.faults) for (const line of formatFaultLines(result.faults)) notes(line);
  json(result);
}

/**
 * A consume run's report after it ended: consumer-perf-test's summary line (unless the run printed detailed-stats lines
 * as it went), the consumers, the accounting against the group's committed offsets and the faults.
 */
export function printConsumeReport(result: ConsumeResult, streams: ReportStreams, options: { printMetrics?: boolean; dateFormat?: DatePattern } = {}): void {
  const { kafka, notes, json } = writers(streams);
  const { config } = result;
  if (result.timedOut) kafka(formatTimeoutWarning(config.timeoutMs));
  if (!config.showDetailedStats) kafka(formatConsumeSummaryLine(result.totals, options.dateFormat));
  if (config.workers > 1 || options.printMetrics) notes(formatConsumersTable(result.workers, result.totals.durationMs));
  if (result.failedConsumers) notes(formatFailedConsumers(result.failedConsumers, config.workers));
  notes(formatConsumeAccounting(result.accounting, config.group));
  if (result.schemaRegistry) notes(formatDecodeLine(result.schemaRegistry));
  if (result.faults) for (const line of formatFaultLines(result.faults)) notes(line);
  json(result);
}

/**
 * A share-group consume run's report: share-consumer-perf-test's lines (each consumer's with --show-consumer-stats, the
 * group's unless the run printed detailed-stats lines), then the acknowledgements, the delivery counts and the accounting.
 */
export function printShareConsumeReport(result: ShareConsumeResult, streams: ReportStreams, options: { showConsumerStats?: boolean; dateFormat?: DatePattern } = {}): void {
  const { kafka, notes, json } = writers(streams);
  const { config } = result;
  if (options.showConsumerStats) for (const worker of result.workers) kafka(formatShareConsumerLine(worker, options.dateFormat));
  if (result.timedOut) kafka(formatShareTimeoutWarning(config.timeoutMs));
  if (!config.showDetailedStats) kafka(formatShareSummaryLine(result.totals, options.dateFormat));
  notes(formatAcknowledgementsLine(result.acknowledgements));
  notes(formatDeliveryCounts(result.acknowledgements.deliveryCounts));
  notes(formatAcknowledgementLatency(result.acknowledgementLatency, config.ackMode));
  if (result.failedConsumers) notes(formatFailedConsumers(result.failedConsumers, config.workers));
  for (const line of formatShareAccounting(result.accounting, config.shareGroup)) notes(line);
  json(result);
}
