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

/** The one line printed for an error: never a stack trace for an error we understand. */
export function formatError(error: unknown): string {
  if (error instanceof DataStormError) {
    return `error ${error.code}: ${error.message}${error.hint ? ` (${error.hint})` : ''}`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error DS_UNEXPECTED: ${message.split('\n')[0]}`;
}
