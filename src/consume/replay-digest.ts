import { createHash, type Hash } from 'node:crypto';

/**
 * What one pass over a topic read, reduced to what two passes can be compared by: a SHA-256 digest of the
 * records in (partition, offset) order and the count of records per key.
 *
 * Each partition is hashed as its records arrive (they arrive in offset order), and the topic digest is the
 * SHA-256 of the partition digests in partition order: the same records in the same order give the same
 * digest, any difference changes it, memory stays one hash per partition, and the partition digests say
 * where two passes part. A record is hashed as its key and value, each prefixed by its length (−1 for
 * null), so ("ab","c") and ("a","bc") differ.
 */
export interface PartitionDigest {
  partition: number;
  records: number;
  sha256: string;
}

export interface PassDigest {
  records: number;
  sha256: string;
  partitions: PartitionDigest[];
  /** Records per key: UTF-8 keys as they are, other bytes as 0x-hex, no key as NULL_KEY. */
  keyCounts: Record<string, number>;
}

export const NULL_KEY = '(null key)';

function lengthPrefix(bytes: Buffer | null): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(bytes === null ? -1 : bytes.length);
  return prefix;
}

export function keyLabel(key: Buffer | null): string {
  if (key === null) return NULL_KEY;
  const text = key.toString('utf8');
  return Buffer.from(text, 'utf8').equals(key) ? text : `0x${key.toString('hex')}`;
}

export class DigestBuilder {
  private readonly hashes = new Map<number, { hash: Hash; records: number }>();
  private readonly keyCounts = new Map<string, number>();

  /** Adds the next record of a partition; a partition's records must come in offset order. */
  add(partition: number, key: Buffer | null, value: Buffer | null): void {
    let entry = this.hashes.get(partition);
    if (!entry) {
      entry = { hash: createHash('sha256'), records: 0 };
      this.hashes.set(partition, entry);
    }
    entry.hash.update(lengthPrefix(key));
    if (key) entry.hash.update(key);
    entry.hash.update(lengthPrefix(value));
    if (value) entry.hash.update(value);
    entry.records += 1;
    const label = keyLabel(key);
    this.keyCounts.set(label, (this.keyCounts.get(label) ?? 0) + 1);
  }

  /** The digest of every partition in 0..partitions-1 (an empty one hashes nothing). */
  finish(partitions: number): PassDigest {
    const perPartition = Array.from({ length: partitions }, (_, partition) => {
      const entry = this.hashes.get(partition);
      return { partition, records: entry?.records ?? 0, sha256: (entry?.hash ?? createHash('sha256')).digest('hex') };
    });
    const topic = createHash('sha256');
    for (const p of perPartition) topic.update(Buffer.from(p.sha256, 'hex'));
    const sortedKeys = [...this.keyCounts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      records: perPartition.reduce((sum, p) => sum + p.records, 0),
      sha256: topic.digest('hex'),
      partitions: perPartition,
      keyCounts: Object.fromEntries(sortedKeys),
    };
  }
}

export interface DigestDiff {
  match: boolean;
  /** Partitions whose records differ, with both passes' counts and digests. */
  partitions: Array<{ partition: number; first: PartitionDigest; second: PartitionDigest }>;
  /** Keys counted differently, largest difference first. */
  keys: Array<{ key: string; first: number; second: number }>;
}

export function compareDigests(first: PassDigest, second: PassDigest): DigestDiff {
  const partitionCount = Math.max(first.partitions.length, second.partitions.length);
  const empty = (partition: number): PartitionDigest => ({ partition, records: 0, sha256: createHash('sha256').digest('hex') });
  const partitions = Array.from({ length: partitionCount }, (_, partition) => ({
    partition,
    first: first.partitions[partition] ?? empty(partition),
    second: second.partitions[partition] ?? empty(partition),
  })).filter((p) => p.first.sha256 !== p.second.sha256);
  const keys = [...new Set([...Object.keys(first.keyCounts), ...Object.keys(second.keyCounts)])]
    .map((key) => ({ key, first: first.keyCounts[key] ?? 0, second: second.keyCounts[key] ?? 0 }))
    .filter((k) => k.first !== k.second)
    .sort((a, b) => Math.abs(b.second - b.first) - Math.abs(a.second - a.first) || (a.key < b.key ? -1 : 1));
  return { match: first.sha256 === second.sha256 && keys.length === 0, partitions, keys };
}
