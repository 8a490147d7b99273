import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the local cluster still does after earlier work: log segments and topic folders the brokers are deleting,
 * and written pages the kernel has not yet flushed. Either moves a measurement's p99 by hundreds of milliseconds
 * on a small machine (a search begun while the previous one's 20 GB were being deleted missed at 167K records/s
 * twice, at p99 700 ms, a rate the search before had met at 54 ms).
 */
export interface ClusterUnrest {
  /** Segment files (`.deleted`) and partition folders (`-delete`) waiting in the brokers' log folders. */
  deleting: number;
  /** Dirty plus writeback bytes of the whole machine (/proc/meminfo); absent where there is no such file. */
  unflushedBytes?: number;
}

/** Quiet enough to measure: nothing being deleted, and less than this left to flush. */
export const SETTLED_UNFLUSHED_BYTES = 256 * 1024 * 1024;

export function isSettled(unrest: ClusterUnrest): boolean {
  return unrest.deleting === 0 && (unrest.unflushedBytes ?? 0) < SETTLED_UNFLUSHED_BYTES;
}

export function formatUnrest(unrest: ClusterUnrest): string {
  const flush = unrest.unflushedBytes === undefined ? '' : `, ${(unrest.unflushedBytes / 1e6).toFixed(0)} MB to flush`;
  return `${unrest.deleting} log files being deleted${flush}`;
}

/** The local cluster's unrest now (`clusterDir`: the folder holding node-N/data). */
export function localUnrest(clusterDir: string): ClusterUnrest {
  const unflushedBytes = unflushedPageBytes();
  return { deleting: deletingEntries(clusterDir), ...(unflushedBytes === undefined ? {} : { unflushedBytes }) };
}

export interface Settling {
  settled: boolean;
  waitedMs: number;
  /** The unrest found first, and at the end (the same when there was nothing to wait for). */
  first: ClusterUnrest;
  last: ClusterUnrest;
}

/**
 * Waits, up to `maxMs`, until the local cluster is settled in two readings in a row (a segment deletion comes
 * in bursts). A stop ends the wait at once; the caller decides what an unsettled cluster means.
 */
export async function awaitSettled(
  clusterDir: string,
  options: { maxMs: number; pollMs?: number; signal?: AbortSignal; unrest?: (dir: string) => ClusterUnrest; onWait?: (unrest: ClusterUnrest) => void },
): Promise<Settling> {
  const read = options.unrest ?? localUnrest;
  const pollMs = options.pollMs ?? 500;
  const start = performance.now();
  const first = read(clusterDir);
  let last = first;
  let quietReadings = isSettled(first) ? 1 : 0;
  if (quietReadings === 0) options.onWait?.(first);
  while (quietReadings < 2 && performance.now() - start < options.maxMs && !options.signal?.aborted) {
    await sleep(pollMs);
    last = read(clusterDir);
    quietReadings = isSettled(last) ? quietReadings + 1 : 0;
  }
  return { settled: quietReadings >= 2, waitedMs: Math.round(performance.now() - start), first, last };
}

function deletingEntries(clusterDir: string): number {
  let count = 0;
  for (const node of entriesOf(clusterDir)) {
    if (!node.isDirectory() || !node.name.startsWith('node-')) continue;
    const dataDir = join(clusterDir, node.name, 'data');
    for (const partition of entriesOf(dataDir)) {
      if (!partition.isDirectory()) continue;
      if (partition.name.endsWith('-delete')) count += 1;
      else count += entriesOf(join(dataDir, partition.name)).filter((file) => file.name.endsWith('.deleted')).length;
    }
  }
  return count;
}

function entriesOf(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

function unflushedPageBytes(): number | undefined {
  let meminfo: string;
  try {
    meminfo = readFileSync('/proc/meminfo', 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(meminfo)?.[1] ?? 0);
  return (kib('Dirty') + kib('Writeback')) * 1024;
}
