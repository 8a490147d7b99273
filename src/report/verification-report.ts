import type { Verification, VerificationCounts } from '../verify/identity-ledger.js';

/** A count with thousands separators, as a person reads it: 1,000,000. */
const grouped = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** The problems and doubts of a partition or of the whole, as the report words them. */
function countsPhrase(v: VerificationCounts, readCommitted: boolean): string {
  const aborted = readCommitted ? `, ${grouped(v.abortedVisible)} aborted visible` : '';
  return `${grouped(v.lost)} lost, ${grouped(v.duplicated)} duplicated, ${grouped(v.reordered)} reordered, ${grouped(v.inDoubt)} in doubt${aborted}`;
}

/**
 * `verified: 1,000,000 records by identity: 0 lost, 0 duplicated, 0 reordered, 0 in doubt`; read_committed (a
 * transactional run) adds the aborted records it saw.
 */
export function formatVerificationLine(v: Verification): string {
  return `verified: ${grouped(v.checked)} records by identity: ${countsPhrase(v, v.isolation === 'read_committed')}`;
}

/** Most partitions named one by one under the verification line. */
const PARTITION_LINES = 10;

/**
 * A line per partition that lost, duplicated, reordered or doubted a record (the first PARTITION_LINES, then how many
 * more), with what was read back and how; none when every partition is clean.
 */
export function formatVerificationDetails(v: Verification): string[] {
  const readCommitted = v.isolation === 'read_committed';
  const flagged = v.partitions.filter((p) => p.lost + p.duplicated + p.reordered + p.inDoubt + p.abortedVisible > 0);
  const lines = flagged.slice(0, PARTITION_LINES).map((p) => `  ${p.topic}/${p.partition}: ${grouped(p.checked)} read, ${countsPhrase(p, readCommitted)}`);
  if (flagged.length > PARTITION_LINES) lines.push(`  ... and ${flagged.length - PARTITION_LINES} more partitions (see the JSON's verification.partitions)`);
  const failed = v.failed > 0 ? `; ${grouped(v.failed)} records' sends failed (read back, they are in doubt)` : '';
  const read = v.readMs > 0 ? `read back ${v.isolation} in ${(v.readMs / 1000).toFixed(1)} s` : `read by the run's consumers (${v.isolation})`;
  return [...lines, `verification: ${v.partitions.length} partitions ${read}${failed}`];
}
