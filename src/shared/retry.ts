import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryWithin {
  /** Retries stop once this long has passed since the first call. */
  forMs: number;
  /** The wait before retry `attempt` (from 0). */
  pauseMs: (attempt: number) => number;
  /** Which errors are worth a retry (all, if absent). */
  retriable?: (error: unknown) => boolean;
}

/** `call`, called again while it fails with a retriable error and `forMs` has not passed; its last error otherwise. */
export async function retriedWithin<T>(call: () => Promise<T>, retry: RetryWithin): Promise<T> {
  const deadline = Date.now() + retry.forMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(retry.retriable?.(error) ?? true) || Date.now() >= deadline) throw error;
      await sleep(retry.pauseMs(attempt));
    }
  }
}
