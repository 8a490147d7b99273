import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/launcher.js';
import type { ShareConsumeResult } from '../../src/consume/share-consume.js';
import { ownClusterDir, runCli, startOwnCluster, stopOwnCluster, uniqueTopic } from '../helpers.js';

/**
 * A share run on a cluster just started: its group coordinator is not there until the offsets topic is made on
 * first use, and FindCoordinator answers COORDINATOR_NOT_AVAILABLE meanwhile. A cluster of this file's own, on ports
 * of its own.
 */
const dir = ownClusterDir('consume-share-fresh');
const layout = { brokers: 1, basePort: 28792, controllerBasePort: 18792 };
let cluster: ClusterState;

beforeAll(async () => {
  cluster = await startOwnCluster(dir, layout);
}, 180_000);
afterAll(async () => {
  await stopOwnCluster(dir, cluster);
});

describe('consume --share-group on a cluster just started', () => {
  it('waits for the group coordinator, then reads every record once', () => {
    const server = cluster.bootstrap.join(',');
    const topic = uniqueTopic('share-fresh');
    const produced = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '1000', '--record-size', '100',
      '--partitions', '2', '--replication', '1', '--workers', '1']);
    expect(produced.code, produced.stderr).toBe(0);
    const run = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--share-group', `${topic}-sg`, '--num-records', '1000', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as ShareConsumeResult;
    expect(result.acknowledgements.accepted).toBe(1000);
    expect(result.accounting).toMatchObject({ settled: 1000, availableRecords: 1000, brokerSettled: 1000, match: true });
  });
});
