import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DataStormError } from '../shared/errors.js';

/**
 * Cutting one local node off from the other nodes and from clients while it keeps running (partition-node).
 * Every node listens on 127.0.0.1, and a node's own connections to the others leave from 127.0.0.1 with a port of
 * the kernel's choosing, like a client's: no rule by address or port alone tells its packets from theirs. What
 * does is its process: started by root, each node's JVM runs with a group of its own (its primary gid; root reads
 * every file whatever its group), which every socket it makes carries. nftables then drops, in the output hook
 * that every packet of a local cluster passes: every packet a socket of that group sends (and marks its
 * connection, so that the other side's packets on it are dropped too), and every packet to the node's ports.
 * A cgroup would name the process too, but `ip netns exec` hides the cgroup file system, and a container's
 * cgroup namespace hides the depth nftables needs.
 */

/** Groups of nodes start here; a node's is this plus its client port, unique on a network (as its port is). */
const GROUP_BASE = 0x44530000;
/** Its connections are marked with the same number. */
const markOf = (gid: number) => `0x${gid.toString(16)}`;

/** The gid this process can give a node's JVM (it runs as root, and the gid is mapped in its user namespace), or undefined. */
export function nodeGroup(clientPort: number): number | undefined {
  const gid = GROUP_BASE + clientPort;
  if (process.getuid?.() !== 0) return undefined;
  try {
    const mapped = readFileSync('/proc/self/gid_map', 'utf8').trim().split('\n').map((line) => line.trim().split(/\s+/).map(Number));
    return mapped.some(([inside, , count]) => gid >= inside && gid < inside + count) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/** The nftables table holding one node's partition: named for its client port, which no other node on this network has. */
const tableOf = (clientPort: number) => `datastorm_node_${clientPort}`;

function nft(args: string[], script?: string): { ok: boolean; why: string } {
  const run = spawnSync('nft', script === undefined ? args : ['-f', '-'], { input: script, encoding: 'utf8' });
  if (run.error) return { ok: false, why: (run.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'nft is not installed' : run.error.message };
  return { ok: run.status === 0, why: (run.stderr.trim().split('\n')[0] ?? '') || `nft exited with ${run.status}` };
}

/** partition-node's requirements, checked before any work: nft installed, and allowed to change the rules (CAP_NET_ADMIN). */
export function requirePartitionSupport(): void {
  const listed = nft(['list', 'tables']);
  if (!listed.ok) {
    throw new DataStormError('DS_CANNOT_PARTITION', `partition-node needs nftables and CAP_NET_ADMIN: ${listed.why}`, {
      hint: 'install nftables (apt-get install -y nftables) and run as root, or in a network namespace of your own (ip netns)',
    });
  }
}

/** Where a node runs, as partition-node needs it: its process and group, and its ports (its client port names its rules). */
export interface IsolatedNode {
  id: number;
  pid: number;
  gid?: number;
  ports: number[];
}

/** The effective gid of a running process. */
function groupOf(pid: number): number | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Gid:'));
    return line === undefined ? undefined : Number(line.split(/\s+/)[2]);
  } catch {
    return undefined;
  }
}

/**
 * Drops every packet to and from the node until the returned heal removes the rules. The node must run with its
 * own group (nodes started by root with `cluster up` or `start-node` do).
 */
export function cutOff(node: IsolatedNode): () => void {
  requirePartitionSupport();
  if (node.gid === undefined || groupOf(node.pid) !== node.gid) {
    throw new DataStormError('DS_CANNOT_PARTITION', `partition-node needs node ${node.id} running with a group of its own, and it is not (pid ${node.pid})`, {
      hint: 'nodes get one when root starts them (`datastorm cluster up`, `cluster start-node`): stop and start the node again as root',
    });
  }
  const table = tableOf(node.ports[0]);
  const mark = markOf(node.gid);
  // Added, emptied and made anew in one transaction: a table an earlier run left is replaced, never doubled.
  const made = nft([], `add table inet ${table}\ndelete table inet ${table}\ntable inet ${table} {\n` +
    '  chain output {\n    type filter hook output priority filter;\n' +
    `    meta skgid ${node.gid} ct mark set ${mark} drop\n` +
    `    ct mark ${mark} drop\n` +
    `    tcp dport { ${node.ports.join(', ')} } drop\n  }\n}\n`);
  if (!made.ok) throw new DataStormError('DS_CANNOT_PARTITION', `partition-node could not add node ${node.id}'s rules: ${made.why}`);
  return () => healPartition(node.ports[0]);
}

/** Removes a node's partition rules, if there are any (synchronous: it also runs as the process exits). */
export function healPartition(clientPort: number): void {
  const table = tableOf(clientPort);
  if (nft(['list', 'table', 'inet', table]).ok) {
    const removed = nft(['delete', 'table', 'inet', table]);
    if (!removed.ok) throw new DataStormError('DS_CANNOT_PARTITION', `could not remove the rules of ${table}: ${removed.why}`);
  }
}
