import { defaultClusterDir, readClusterState } from '../cluster/launcher.js';
import { DataStormError } from '../shared/errors.js';
import type { FaultStep } from './fault-plan.js';

/**
 * --fault acts on the local cluster only: the run's cluster (known once an embedded one has started) must be it,
 * and the plan's nodes must be its nodes.
 */
export function checkFaultTarget(faults: FaultStep[], bootstrap: string[]): void {
  if (faults.length === 0) return;
  const local = readClusterState(defaultClusterDir());
  if (!local || [...bootstrap].sort().join(',') !== [...local.bootstrap].sort().join(',')) {
    throw new DataStormError('DS_FAULT_NEEDS_LOCAL_CLUSTER',
      `--fault acts on the local cluster${local ? ` (${local.bootstrap.join(',')})` : ''}; ${bootstrap.join(',')} is not it`, {
        hint: 'run on the cluster of `datastorm cluster up` (leave out --bootstrap-server, or give its addresses; DATASTORM_CLUSTER_DIR names its folder)',
      });
  }
  const missing = faults.find((step) => !local.nodes.some((node) => node.id === step.node));
  if (missing) throw new DataStormError('DS_BAD_FAULT', `--fault names node ${missing.node}; the local cluster has nodes ${local.nodes.map((n) => n.id).join(', ')}`);
}
