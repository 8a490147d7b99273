import type { DigestDiff } from './replay-digest.js';
import type { PassResult, ReplayResult } from './replay.js';

/** What `datastorm replay-check` prints: one line per pass, the verdict, and on a mismatch where the passes part. */

/** Keys listed in a diff; the JSON result has them all. */
const MAX_KEYS_SHOWN = 20;

export function formatPassLine(index: number, pass: PassResult): string {
  const keys = Object.keys(pass.keyCounts).length;
  const reconciled = pass.records === pass.expectedRecords ? '= the broker\'s offsets' : `≠ ${pass.expectedRecords} by the broker's offsets`;
  return `pass ${index}: ${pass.records} records (${reconciled}), ${keys} distinct keys, sha256 ${pass.sha256}, ${pass.durationMs} ms`;
}

export function formatVerdict(result: ReplayResult): string {
  const [first, second] = result.passes;
  return result.match
    ? `replay check passed: both passes read the same ${first.records} records in the same order (sha256 ${first.sha256})`
    : `replay check FAILED: pass 1 read ${first.records} records, pass 2 read ${second.records}; the digests or key counts differ`;
}

/** The partitions and keys where the two passes differ, as lines. */
export function formatDiff(diff: DigestDiff): string[] {
  if (diff.match) return [];
  const lines = diff.partitions.map(({ partition, first, second }) =>
    `  partition ${partition}: ${first.records} → ${second.records} records, sha256 ${first.sha256.slice(0, 12)}… → ${second.sha256.slice(0, 12)}…`);
  lines.push(...diff.keys.slice(0, MAX_KEYS_SHOWN).map(({ key, first, second }) =>
    `  key ${JSON.stringify(key)}: ${first} → ${second} (${second - first > 0 ? '+' : ''}${second - first})`));
  if (diff.keys.length > MAX_KEYS_SHOWN) lines.push(`  … and ${diff.keys.length - MAX_KEYS_SHOWN} more keys (see --json)`);
  return lines;
}
