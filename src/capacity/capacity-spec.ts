import type { SearchSettings } from './capacity-search.js';

/** Where the SLO is measured: a produce's intended send time to its ack, or to a consumer's read (e2e). */
export const CAPACITY_TARGETS = ['produce', 'e2e'] as const;
export type CapacityTarget = (typeof CAPACITY_TARGETS)[number];

/** A capacity search as the user asked for it, besides the produce settings each step runs with. */
export interface CapacitySpec extends SearchSettings {
  target: CapacityTarget;
  /** Keep the run's topic after the search when the search created it (it is deleted otherwise: steps write gigabytes). */
  keepTopic: boolean;
  /** On the local cluster, the longest wait before the search for earlier runs' deletions and writes to finish (0: none). */
  settleMs: number;
}
