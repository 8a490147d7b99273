import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { DataStormError } from '../shared/errors.js';

/**
 * Cutting one local node off from the other nodes and from clients while it keeps running (partition-node).
 * Every node listens on 127.0.0.1, and a node's own connections to the others leave from 127.0.0.1 with a port
 * of the kernel's choosing, like a client's: no rule by address or port tells its traffic from theirs. What does
 * is its process: each node's JVM runs in a cgroup (v2) of its own, and nftables drops every packet that a socket
 * of that cgroup sends (output hook) or is sent (input hook). A socket belongs to the cgroup its process was in
 * when it made it, so the JVM is put there before it starts (a shell that joins the cgroup, then execs java).
 */

/** Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified beside v1's), if it is. */
function cgroup2Mount(): string | undefined {
  try {
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [mount, fs] = line.split(' - ');
      if (fs?.startsWith('cgroup2 ')) return mount.split(' ')[4];
    }
  } catch {
    // No /proc: not Linux.
  }
  return undefined;
}

/** This process's cgroup v2 path ("/" at the root), from /proc/self/cgroup's `0::` line. */
function ownCgroup(): string | undefined {
  try {
    return readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((line) => line.startsWith('0::'))?.slice(3);
  } catch {
    return undefined;
  }
}

/**
 * Makes (or finds) the cgroup a node's JVM runs in, below this process's own, and returns its path in the cgroup
 * v2 hierarchy; undefined where there is none to write (no cgroup v2, not root): the node then runs where its
 * starter does, and partition-node says it cannot cut it off.
 */
export function nodeCgroup(clusterId: string, nodeId: number): string | undefined {
  const mount = cgroup2Mount();
  const own = ownCgroup();
  if (mount === undefined || own === undefined) return undefined;
  const path = posix.join(own, `datastorm-${clusterId}-node-${nodeId}`);
  try {
    mkdirSync(join(mount, path), { recursive: true });
    return path;
  } catch {
    return undefined;
  }
}

/**
 * The command that runs `command args` inside the cgroup: a shell joins it, then becomes the command (exec: the
 * same pid). Joining may fail (the cgroup was removed): the node still starts, outside it.
 */
export function inCgroup(cgroup: string | undefined, command: string, args: string[]): [string, string[]] {
  const mount = cgroup2Mount();
  if (cgroup === undefined || mount === undefined) return [command, args];
  return ['sh', ['-c', 'echo $$ > "$0" 2>/dev/null; exec "$@"', join(mount, cgroup, 'cgroup.procs'), command, ...args]];
}

/** Removes the node's cgroup once no process is in it (after the node stopped). */
export function removeNodeCgroup(cgroup: string | undefined): void {
  const mount = cgroup2Mount();
  if (cgroup === undefined || mount === undefined) return;
  try {
    rmdirSync(join(mount, cgroup));
  } catch {
    // Still in use, or already gone.
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

/** Where a node runs, as partition-node needs it: its cgroup and process, and its client port (naming its rules). */
export interface IsolatedNode {
  id: number;
  pid: number;
  clientPort: number;
  cgroup?: string;
}

/**
 * Drops every packet to and from the node's sockets, on every address, until the returned heal removes the rules.
 * The node must be in its own cgroup (nodes started by `cluster up` or `start-node` are, where cgroup v2 is writable).
 */
export function cutOff(node: IsolatedNode): () => void {
  requirePartitionSupport();
  const mount = cgroup2Mount();
  let inOwn = false;
  try {
    inOwn = node.cgroup !== undefined && readFileSync(`/proc/${node.pid}/cgroup`, 'utf8').split('\n').includes(`0::${node.cgroup}`);
  } catch {
    // Ended meanwhile: said below.
  }
  if (!inOwn || mount === undefined) {
    throw new DataStormError('DS_CANNOT_PARTITION', `partition-node needs node ${node.id} in a cgroup of its own, and it is not (pid ${node.pid})`, {
      hint: 'nodes get one when started by `datastorm cluster up` or `cluster start-node` as root with cgroup v2: stop and start the node again',
    });
  }
  // nft names a cgroup by its path under /sys/fs/cgroup, and matches it at its depth in the hierarchy.
  const path = relative('/sys/fs/cgroup', join(mount, node.cgroup!));
  const level = node.cgroup!.split('/').filter((part) => part !== '').length;
  const table = tableOf(node.clientPort);
  const drop = `socket cgroupv2 level ${level} "${path}" drop`;
  // Added, emptied and made anew in one transaction: a table an earlier run left is replaced, never doubled.
  const made = nft([], `add table inet ${table}\ndelete table inet ${table}\ntable inet ${table} {\n` +
    `  chain input { type filter hook input priority filter; ${drop}; }\n` +
    `  chain output { type filter hook output priority filter; ${drop}; }\n}\n`);
  if (!made.ok) throw new DataStormError('DS_CANNOT_PARTITION', `partition-node could not add node ${node.id}'s rules: ${made.why}`);
  return () => healPartition(node.clientPort);
}

/** Removes a node's partition rules, if there are any (synchronous: it also runs as the process exits). */
export function healPartition(clientPort: number): void {
  const table = tableOf(clientPort);
  if (nft(['list', 'table', 'inet', table]).ok) {
    const removed = nft(['delete', 'table', 'inet', table]);
    if (!removed.ok) throw new DataStormError('DS_CANNOT_PARTITION', `could not remove the rules of ${table}: ${removed.why}`);
  }
}
