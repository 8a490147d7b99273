import { INTERRUPTED_EXIT_CODE } from '../shared/errors.js';

/**
 * Runs a command's work with Ctrl-C turned into an abort, the same in every command: the first Ctrl-C says what
 * happens next (`then`: the command's own words) and aborts; a second one quits at once with exit 130.
 */
export async function interruptible<T>(then: string, work: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; interrupted: boolean }> {
  const abort = new AbortController();
  const onSigint = () => {
    if (abort.signal.aborted) process.exit(INTERRUPTED_EXIT_CODE);
    process.stderr.write(`\ninterrupted: ${then} (Ctrl-C again to quit now)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const value = await work(abort.signal);
    return { value, interrupted: abort.signal.aborted };
  } finally {
    process.off('SIGINT', onSigint);
  }
}
