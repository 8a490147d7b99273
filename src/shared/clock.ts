/**
 * The performance clock as epoch time: one clock for every thread of a process (Node's timeOrigin is the process's),
 * monotonic between its readings. Starts and acknowledgements are stamped with it, the start barrier is waited on it,
 * and end-to-end latency is measured on it where producer and consumers share the process.
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** The same clock in µs. */
export const epochUs = (): number => epochMs() * 1000;
