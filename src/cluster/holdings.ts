import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import { defaultClusterDir } from './launcher.js';

/**
 * What a cluster holds before a measurement: old topics' data moves p99 and throughput (page cache, segment
 * deletion), so a report that compares runs says it. Internal topics (__consumer_offsets) are left out.
 */
export interface ClusterHoldings {
  topics: number;
  /** Records in all partitions (end minus start offsets). */
  records: number;
  /** Bytes in the local cluster's log folders; absent for a cluster elsewhere. */
  bytesOnDisk?: number;
}

export async function clusterHoldings(admin: Admin, embedded: boolean): Promise<ClusterHoldings> {
  const topics = (await admin.listTopics()).filter((topic) => !topic.startsWith('__'));
  let records = 0;
  // One topic at a time: concurrent offset reads on one kafkajs admin fail (see run-produce's eachInTurn).
  for (const topic of topics) {
    for (const partition of await admin.fetchTopicOffsets(topic)) records += Number(partition.high) - Number(partition.low);
  }
  return { topics: topics.length, records, ...(embedded ? { bytesOnDisk: folderBytes(defaultClusterDir()) } : {}) };
}

/** Bytes of the files under a folder (0 when it is gone). */
function folderBytes(dir: string): number {
  let bytes = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) bytes += folderBytes(path);
    else if (entry.isFile()) bytes += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return bytes;
}
