import { clusterDown, clusterUp, readClusterState } from './launcher.js';
import { DEFAULT_KAFKA_VERSION, DEFAULT_LAYOUT } from './settings.js';
import { DataStormError } from '../shared/errors.js';

/** host:port. kafkajs splits an address at its first colon, so an IPv6 literal ([::1]:9092) cannot be reached. */
const BROKER_ADDRESS = /^([A-Za-z0-9._-]+):(\d{1,5})$/;

/**
 * `host:port,host:port` as a broker list, each address checked: a malformed one is the user's error, said as
 * such (kafkajs would say "Received type number (NaN)" or "brokers array is empty", or try to connect to it).
 */
export function parseBootstrap(hosts: string): string[] {
  const addresses = hosts.split(',').map((host) => host.trim()).filter(Boolean);
  if (addresses.length === 0) {
    throw new DataStormError('DS_BAD_OPTION', `--bootstrap-server "${hosts}" names no broker`, { hint: 'give host:port,host:port, e.g. 127.0.0.1:9092' });
  }
  for (const address of addresses) {
    const match = BROKER_ADDRESS.exec(address);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65_535) {
      throw new DataStormError('DS_BAD_OPTION', `--bootstrap-server: "${address}" is not host:port with a port from 1 to 65535`, {
        hint: address.startsWith('[') ? 'IPv6 literals are not supported by DataStorm\'s client (kafkajs): give a host name that resolves to the address'
          : 'e.g. 127.0.0.1:9092 or broker.example.com:9092',
      });
    }
  }
  return addresses;
}

/** The cluster a command runs on: the addresses it was given, or the local cluster (`embedded`). */
export interface RunCluster {
  bootstrap: string[];
  embedded: boolean;
}

/**
 * The one policy for where a command runs: the --bootstrap-server list when given, else the local cluster of
 * `datastorm cluster up`. With `startIfNone` (commands that bring their own load, as produce) a missing local
 * cluster is started for the command and stopped after it; without, its absence is an error.
 */
export async function onCluster<T>(
  bootstrap: string[] | undefined, options: { startIfNone: boolean; log: (line: string) => void }, run: (cluster: RunCluster) => Promise<T>,
): Promise<T> {
  if (bootstrap) return run({ bootstrap, embedded: false });
  if (!options.startIfNone) return run({ bootstrap: localClusterBootstrap(), embedded: true });
  // Also restarts the nodes of a local cluster that died.
  const state = await clusterUp({ layout: DEFAULT_LAYOUT, kafkaVersion: DEFAULT_KAFKA_VERSION, log: options.log });
  if (!state.alreadyRunning) options.log(`started the embedded local cluster in ${(state.startupMs / 1000).toFixed(1)} s (it stops after the run)`);
  try {
    return await run({ bootstrap: state.bootstrap, embedded: true });
  } finally {
    if (!state.alreadyRunning) await clusterDown();
  }
}

/** --bootstrap-server when given, else the local cluster `datastorm cluster up` started (for commands that need one running). */
export function bootstrapOrLocalCluster(flag: string | undefined): string[] {
  return flag ? parseBootstrap(flag) : localClusterBootstrap();
}

function localClusterBootstrap(): string[] {
  const running = readClusterState();
  if (!running) {
    throw new DataStormError('DS_NO_CLUSTER', 'no --bootstrap-server given and no local cluster running', {
      hint: 'start one with `datastorm cluster up`, or pass --bootstrap-server host:port,...',
    });
  }
  return running.bootstrap;
}
