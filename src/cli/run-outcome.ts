import { RunFailedError } from '../shared/errors.js';

/**
 * A run's result, or the result a run that failed after it measured carries (RunFailedError: the cluster gone by
 * its end, a worker's fatal error): either way the command prints the report, and then the failure.
 */
export function resultOrFailure<R>(run: Promise<R>): Promise<{ result: R; failure?: RunFailedError<R> }> {
  return run.then((result) => ({ result }), (error: unknown) => {
    if (error instanceof RunFailedError) return { result: error.result as R, failure: error as RunFailedError<R> };
    throw error;
  });
}
