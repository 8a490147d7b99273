/** Exit code of a run stopped with Ctrl-C, as a shell reports SIGINT. */
export const INTERRUPTED_EXIT_CODE = 130;

/** Every failure DataStorm reports to a user: a code, a one-line message and, where useful, a hint. */
export class DataStormError extends Error {
  readonly code: string;
  readonly hint?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { hint?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'DataStormError';
    this.code = code;
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A run that ended on an error after it measured: it carries the result of what was done, reported before the error. */
export class RunFailedError<R = unknown> extends DataStormError {
  readonly result: R;

  constructor(code: string, message: string, result: R) {
    super(code, message);
    this.result = result;
  }
}

/**
 * A run whose figures stand but whose accounting was not checked: `what` (the offsets it is checked against) could
 * not be read after the run, because the cluster was gone (its brokers stopped by another process).
 */
export function accountingUnchecked<R>(what: string, reason: string, result: R): RunFailedError<R> {
  return new RunFailedError('DS_ACCOUNTING_UNCHECKED', `${what} could not be read after the run: ${reason}`, result);
}

/** The one line printed for an error: never a stack trace for an error we understand. */
export function formatError(error: unknown): string {
  if (error instanceof DataStormError) {
    return `error ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error DS_UNEXPECTED: ${message.split('\n')[0]}`;
}
