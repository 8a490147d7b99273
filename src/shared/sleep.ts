/** Waits until a wall-clock time, or less when the signal aborts first (a stopped run must not sit out its wait). */
export function sleepUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, Math.max(0, epochMs - Date.now()));
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
