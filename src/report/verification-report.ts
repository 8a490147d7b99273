import type { Verification, VerificationCounts } from '../verify/identity-ledger.js';

/** A count with thousands separators, as a person reads it: 1,000,000. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The problems and doubts of a partition or of the whole, as the report words them; `aborted`: the run aborted transactions. */
function countsPhrase(v: VerificationCounts, aborted: boolean): string {
  const visible = aborted || v.abortedVisible > 0 ? `, ${grouped(v.abortedVisible)} aborted visible` : '';
  return `${grouped(v.lost)} lost, ${grouped(v.duplicated)} duplicated, ${grouped(v.reordered)} reordered, ${grouped(v.inDoubt)} in doubt${visible}`;
}

/**
 * `verified: 1,000,000 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt`; a run that aborted
 * transactions adds how many of their records the read_committed reader saw.
 */
export function formatVerificationLine(v: Verification): string {
  return `verified: ${grouped(v.checked)} records by identity: ${countsPhrase(v, v.aborted > 0)}`;
}

/** Most partitions named one by one under the verification line. */
const PARTITION_LINES = 10;

/**
 * A line per partition that lost, duplicated, reordered or doubted a record (the first PARTITION_LINES, then how many
 * more), with what was read back and how; none when every partition is clean.
 */
export function formatVerificationDetails(v: Verification): string[] {
  const aborted = v.aborted > 0;
  const flagged = v.partitions.filter((p) => p.lost + p.duplicated + p.reordered + p.inDoubt + p.abortedVisible > 0);
  const lines = flagged.slice(0, PARTITION_LINES).map((p) => `  ${p.topic}/${p.partition}: ${grouped(p.checked)} read, ${countsPhrase(p, aborted)}`);
  if (flagged.length > PARTITION_LINES) lines.push(`  ... and ${flagged.length - PARTITION_LINES} more partitions (see the JSON's verification.partitions)`);
  const failed = v.failed > 0 ? `; ${grouped(v.failed)} records' sends failed (read back, they are in doubt)` : '';
  const abortedRecords = aborted ? `; ${grouped(v.aborted)} records of aborted transactions (never to be seen)` : '';
  const read = v.readMs > 0 ? `read back ${v.isolation} in ${(v.readMs / 1000).toFixed(1)} s` : `read by the run's consumers (${v.isolation})`;
  const partitions = `${v.partitions.length} partition${v.partitions.length === 1 ? '' : 's'}`;
  return [...lines, `verification: ${partitions} ${read}${failed}${abortedRecords}`];
}
