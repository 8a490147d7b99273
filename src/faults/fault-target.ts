import { defaultClusterDir, readClusterState } from '../cluster/launcher.js';
import { DataStormError } from '../shared/errors.js';
import { requirePartitionSupport } from '../cluster/node-isolation.js';
import { FAULT_FORMS, type FaultStep } from './fault-plan.js';

/** An address as the local cluster's state names its nodes: the cluster listens on 127.0.0.1, which localhost names too. */
const asStated = (address: string) => address.replace(/^localhost:/i, '127.0.0.1:');

/**
 * --fault acts on the local cluster only: every address the run was given (or the embedded cluster's, once
 * started) must be one of the local cluster's (plaintext or SASL_SSL listener), and the plan's nodes its nodes;
 * a partition-node needs nftables and CAP_NET_ADMIN here. All checked before any work.
 */
export function checkFaultTarget(faults: FaultStep[], bootstrap: string[]): void {
  if (faults.length === 0) return;
  const dir = defaultClusterDir();
  const local = readClusterState(dir);
  const ofLocal = new Set([...(local?.bootstrap ?? []), ...(local?.saslSsl?.bootstrap ?? [])]);
  const foreign = bootstrap.find((address) => !ofLocal.has(asStated(address)));
  if (!local || foreign !== undefined) {
    throw new DataStormError('DS_BAD_OPTION', local
      ? `--fault acts on the local cluster (${local.bootstrap.join(',')}); ${foreign} is not one of its addresses`
      : `--fault acts on the local cluster, and there is none in ${dir}`, {
      hint: 'run on the cluster of `datastorm cluster up` (leave out --bootstrap-server, or give any of its addresses; DATASTORM_CLUSTER_DIR names its folder)',
    });
  }
  const missing = faults.find((step) => FAULT_FORMS[step.action].target === 'node' && !local.nodes.some((node) => node.id === step.node));
  if (missing) throw new DataStormError('DS_BAD_OPTION', `--fault names node ${missing.node}; the local cluster has nodes ${local.nodes.map((n) => n.id).join(', ')}`);
  if (faults.some((step) => step.action === 'partition-node')) requirePartitionSupport();
}
