/** Splits `total` into `parts` whole shares that differ by at most one and add up to `total` exactly. */
export function splitExactly(total: number, parts: number): number[] {
  const base = Math.floor(total / parts);
  const remainder = total - base * parts;
  return Array.from({ length: parts }, (_, i) => base + (i < remainder ? 1 : 0));
}

/**
 * The partitions a worker sends to: with at least as many partitions as workers, each worker owns its own
 * (so batches fill without contention); otherwise every worker sends to all of them.
 */
export function partitionsOfWorker(workerId: number, workers: number, partitions: number): number[] {
  const all = Array.from({ length: partitions }, (_, p) => p);
  return partitions >= workers ? all.filter((p) => p % workers === workerId) : all;
}
