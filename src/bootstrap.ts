import { readClusterState } from './cluster/launcher.js';
import { DataStormError } from './errors.js';

/** `host:port,host:port` as a broker list. */
export function parseBootstrap(hosts: string): string[] {
  return hosts.split(',').map((host) => host.trim()).filter(Boolean);
}

/** --bootstrap-server when given, else the local cluster `datastorm cluster up` started (for commands that need one running). */
export function bootstrapOrLocalCluster(flag: string | undefined): string[] {
  if (flag) return parseBootstrap(flag);
  const running = readClusterState();
  if (!running) {
    throw new DataStormError('DS_NO_CLUSTER', 'no --bootstrap-server given and no local cluster running', {
      hint: 'start one with `datastorm cluster up`, or pass --bootstrap-server host:port,...',
    });
  }
  return running.bootstrap;
}
