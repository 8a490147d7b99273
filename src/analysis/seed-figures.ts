/**
 * The figures of the seed report ("DataStorm - Evolution Report", Mohanpathi S, February 2025), measured on
 * its author's machine, not here. Reports print them only in columns and series labelled as the seed's, to
 * set beside what was measured; nothing is computed from them but their own ratios.
 */
export const SEED_SOURCE = 'the seed report (DataStorm - Evolution Report, February 2025; its author\'s machine, not measured here)';

/** "Compression Impact": records/s, CPU usage and latency per codec. */
export const SEED_CODECS: Readonly<Record<string, { recordsPerSec: number; cpuPercent: number; latencyMs: number }>> = {
  none: { recordsPerSec: 740_000, cpuPercent: 62, latencyMs: 18 },
  lz4: { recordsPerSec: 680_000, cpuPercent: 78, latencyMs: 23 },
  zstd: { recordsPerSec: 510_000, cpuPercent: 89, latencyMs: 41 },
};

/** "Scaling Pattern": records/s by workers, with 16 MB batches. */
export const SEED_WORKERS: Readonly<Record<number, number>> = { 4: 210_000, 8: 380_000, 16: 680_000 };

/** "Memory Tradeoffs": memory and records/s by batch size (bytes), with 8 workers. */
export const SEED_BATCHES: Readonly<Record<number, { memoryGb: number; recordsPerSec: number }>> = {
  [1024 ** 2]: { memoryGb: 1.2, recordsPerSec: 140_000 },
  [4 * 1024 ** 2]: { memoryGb: 2.1, recordsPerSec: 310_000 },
  [16 * 1024 ** 2]: { memoryGb: 3.8, recordsPerSec: 680_000 },
};

/**
 * "Version Evolution": records/s per stage. v0 is the top of its "2K-5K msg/s ceiling", v1 the top of its
 * "18K -> 56K" jump, v3 its "peak", v4 its "sustained" figure.
 */
export const SEED_STAGES: Readonly<Record<string, { recordsPerSec: number; wording: string }>> = {
  v0: { recordsPerSec: 5_000, wording: '2K-5K msg/s ceiling' },
  v1: { recordsPerSec: 56_000, wording: '18K -> 56K msg/s' },
  v2: { recordsPerSec: 210_000, wording: '56K -> 210K msg/s' },
  v3: { recordsPerSec: 420_000, wording: 'peak 420K msg/s' },
  v4: { recordsPerSec: 680_000, wording: '680K msg/s sustained' },
};

/** A seed rate the way the seed writes it: 740K, 5K. */
export function formatSeedRate(recordsPerSec: number): string {
  return recordsPerSec >= 1000 ? `${recordsPerSec / 1000}K` : String(recordsPerSec);
}
