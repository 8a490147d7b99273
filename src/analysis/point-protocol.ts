import type { RunCluster } from '../cluster/bootstrap.js';
import { failedRecords, type IntervalResult, type ProduceResult } from '../produce/result.js';
import { formatAccountingLine, formatErrorsLine } from '../report/produce-report.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError, ERROR_CODES, isErrorCode, RunFailedError, type ErrorCode } from '../shared/errors.js';
import { formatCommand } from './report-document.js';

/**
 * The messages between an analysis and the process of each point (src/analysis/point-process.ts), over Node's
 * IPC channel: the run goes in as a message (never argv or a file: its config holds the security's secrets),
 * the figures come back as messages.
 */

/** Parent to point process: the run, once; `stop` ends it early (Ctrl-C), as an abort does in produce. */
export type PointRequest = { type: 'run'; config: RunConfig; cluster: RunCluster } | { type: 'stop' };

/** Why a process of a point did not give a result; `result` is what it measured up to then, when it got that far. */
export interface PointFailure {
  code: ErrorCode;
  message: string;
  hint?: string;
  result?: ProduceResult;
}

/** Point process to parent: each interval's figures, then exactly one result or failure. */
export type PointMessage =
  | { type: 'interval'; interval: IntervalResult }
  | { type: 'result'; result: ProduceResult }
  | { type: 'failed'; failure: PointFailure };

/** The end of a point process's run: its one result or failure. */
export type PointAnswer = Exclude<PointMessage, { type: 'interval' }>;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function unexpected(what: string, message: unknown): DataStormError {
  return new DataStormError('DS_UNEXPECTED', `${what} sent an unexpected message: ${JSON.stringify(message)?.slice(0, 120)}`);
}

export function decodePointRequest(message: unknown): PointRequest {
  if (isObject(message) && message.type === 'stop') return { type: 'stop' };
  if (isObject(message) && message.type === 'run' && isObject(message.config) && isObject(message.cluster)) {
    return message as PointRequest;
  }
  throw unexpected('the analysis', message);
}

export function decodePointMessage(message: unknown): PointMessage {
  if (isObject(message)) {
    if (message.type === 'interval' && isObject(message.interval)) return message as PointMessage;
    if (message.type === 'result' && isObject(message.result)) return message as PointMessage;
    const failure = message.failure;
    if (message.type === 'failed' && isObject(failure) && isErrorCode(failure.code) && typeof failure.message === 'string') {
      return message as PointMessage;
    }
  }
  throw unexpected('a point\'s process', message);
}

/** An error as a failure to send: a DataStormError as it is, a RunFailedError with its partial result, anything else by its first line. */
export function failureOf(error: unknown, result?: ProduceResult): PointFailure {
  // A point's process runs produce only: what a failed run carries is a ProduceResult.
  const partial = error instanceof RunFailedError ? error.result as ProduceResult : result;
  const known: Omit<PointFailure, 'result'> = error instanceof DataStormError
    ? { code: error.code, message: error.message, ...(error.hint === undefined ? {} : { hint: error.hint }) }
    : { code: 'DS_UNEXPECTED', message: (error instanceof Error ? error.message : String(error)).split('\n')[0] };
  return { ...known, ...(partial === undefined ? {} : { result: partial }) };
}

/**
 * The one-line error of a failed point: the report lines that say what went wrong (failed records, an accounting
 * mismatch), then the process's own error, and how to run the process alone.
 */
export function pointFailedError(label: string, failure: PointFailure, command: string[]): DataStormError {
  const { result } = failure;
  const report = result
    ? [
      ...(failedRecords(result.totals.errors) > 0 ? [formatErrorsLine(result.totals.errors)] : []),
      ...(!result.config.sharedTopic && !result.accounting.match ? [formatAccountingLine(result)] : []),
    ]
    : [];
  const reason = [...report, `${failure.code}: ${failure.message}`].join('; ');
  return new DataStormError('DS_POINT_FAILED', `point ${label} failed: ${reason}`, {
    hint: [failure.hint, `run it alone to see its whole report: ${formatCommand(command)}`].filter(Boolean).join('; '),
    retriable: ERROR_CODES[failure.code].retriable,
  });
}
