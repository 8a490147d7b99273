/** Node's longest timer, 2^31-1 ms (24.8 days): a longer one fires after 1 ms, with a TimeoutOverflowWarning. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Calls `fire` once the clock `now` reaches `atMs`, waiting in steps of at most Node's longest timer; returns the
 * cancel. Every wait of a user-given length (--start-at, --duration, --fault times, intervals) goes through here.
 */
export function callAt(atMs: number, fire: () => void, now: () => number = Date.now): () => void {
  let timer: NodeJS.Timeout;
  const step = () => {
    const leftMs = atMs - now();
    timer = leftMs > MAX_TIMER_MS ? setTimeout(step, MAX_TIMER_MS) : setTimeout(fire, Math.max(0, leftMs));
  };
  step();
  return () => clearTimeout(timer);
}

/** Waits until the clock `now` reads `atMs`, or less when the signal aborts first (a stopped run must not sit out its wait). */
export function sleepUntil(atMs: number, signal?: AbortSignal, now: () => number = Date.now): Promise<void> {
  return new Promise((resolve) => {
    const cancel = callAt(atMs, done, now);
    signal?.addEventListener('abort', done, { once: true });
    if (signal?.aborted) done();
    function done() {
      cancel();
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
