import { defaultClusterDir, readClusterState } from '../cluster/launcher.js';
import { DataStormError } from '../errors.js';
import type { FaultStep } from './fault-plan.js';

/** --fault acts on the local cluster only: the run must be on it, and the plan's nodes must be its nodes. */
export function checkFaultTarget(faults: FaultStep[], bootstrap: string[] | undefined): void {
  if (faults.length === 0) return;
  const local = readClusterState(defaultClusterDir());
  const sameCluster = local !== undefined && (bootstrap === undefined ||
    [...bootstrap].sort().join(',') === [...local.bootstrap].sort().join(','));
  if (!sameCluster) {
    throw new DataStormError('DS_FAULT_NEEDS_LOCAL_CLUSTER',
      `--fault acts on the local cluster${local ? ` (${local.bootstrap.join(',')})` : ''}; ${bootstrap?.join(',') ?? 'the run'} is not it`, {
        hint: 'run on the cluster of `datastorm cluster up` (leave out --bootstrap-server, or give its addresses; DATASTORM_CLUSTER_DIR names its folder)',
      });
  }
  if (bootstrap === undefined) return;
  const missing = faults.find((step) => !local!.nodes.some((node) => node.id === step.node));
  if (missing) throw new DataStormError('DS_BAD_FAULT', `--fault names node ${missing.node}; the local cluster has nodes ${local!.nodes.map((n) => n.id).join(', ')}`);
}
