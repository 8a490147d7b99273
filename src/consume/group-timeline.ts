import type { GroupEvent } from './consume-protocol.js';

/**
 * The time a whole group spent unable to fetch: from the start until a first consumer held partitions, and
 * whenever a rebalance later left no consumer holding any. With one consumer this is exactly Kafka's
 * rebalance.time.ms (ConsumerPerfRebListener: start or revocation to assignment); with W consumers joining
 * one by one it does not count a joiner's wait while the others fetch.
 */
export function groupRebalanceMs(events: readonly GroupEvent[], startMs: number, endMs: number): number {
  const held = new Map<number, number>();
  const fetching = () => [...held.values()].some((partitions) => partitions > 0);
  let idleMs = 0;
  let cursor = startMs;
  const advanceTo = (atMs: number) => {
    const to = Math.min(Math.max(atMs, cursor), endMs);
    if (!fetching()) idleMs += to - cursor;
    cursor = to;
  };
  for (const event of [...events].sort((a, b) => a.atMs - b.atMs)) {
    advanceTo(event.atMs);
    if (event.type === 'assigned') held.set(event.workerId, event.partitions.length);
    else if (event.type === 'rebalancing') held.delete(event.workerId);
  }
  advanceTo(endMs);
  return idleMs;
}
