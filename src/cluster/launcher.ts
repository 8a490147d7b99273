import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStormError } from '../shared/errors.js';
import { describeBrokers } from '../kafka/kafka-client.js';
import { datastormHome, javaArgs, requireJava, resolveKafkaRuntime, type KafkaRuntime } from './kafka-runtime.js';
import { kafkaRelease } from '../kafka/kafka-releases.js';
import {
  DEFAULT_KAFKA_VERSION, JVM_FLAGS, SASL_USER, bootstrapServers, clientPort, controllerPort, formatProperties, nodeIds, nodeSettings,
  saslSslBootstrapServers, saslSslClientProperties, saslSslPort, type ClusterLayout, type ListenerSecrets,
} from './settings.js';
import { makeListenerCerts } from './tls-certs.js';
import { portIsFree, procPids, signal, stopProcesses, tailOfFile, writeJsonWhole } from './local-processes.js';
import { cutOff, healPartition, nodeGroup } from './node-isolation.js';

export interface NodeState {
  id: number;
  pid: number;
  clientPort: number;
  controllerPort?: number;
  roles: string;
  dir: string;
  /** The group its JVM runs with, of its own, when root started it: partition-node tells the node's packets by it. */
  gid?: number;
}

export interface ClusterState {
  kafkaVersion: string;
  source: KafkaRuntime['source'];
  libDir: string;
  clusterId: string;
  layout: ClusterLayout;
  bootstrap: string[];
  startedAt: string;
  startupMs: number;
  nodes: NodeState[];
  /** The SASL_SSL listener (cluster up --security sasl_ssl); its password is only in the client properties file. */
  saslSsl?: { bootstrap: string[]; clientProperties: string; caFile: string; user: string };
}

export interface UpOptions {
  layout: ClusterLayout;
  kafkaVersion: string;
  dir?: string;
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

const LOG4J2 = `status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = \${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
`;

/**
 * Kafka 3.9 logs through log4j 1 (reload4j): its SLF4J binding is found before log4j2's, whose jars every release gets
 * (src/cluster/pom.xml), so a 3.9 node gets the same log in log4j 1's words.
 */
const LOG4J1 = `log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=\${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
`;

/** Each logging library's configuration file in the cluster folder, and the system property that names it. */
const LOG_CONFIGS = [
  { file: 'log4j2.properties', text: LOG4J2, property: (path: string) => `-Dlog4j2.configurationFile=${path}` },
  { file: 'log4j.properties', text: LOG4J1, property: (path: string) => `-Dlog4j.configuration=file:${path}` },
];

/** The local cluster's folder: DATASTORM_CLUSTER_DIR, else the cluster folder of the DataStorm home. */
export function defaultClusterDir(): string {
  return process.env.DATASTORM_CLUSTER_DIR ?? join(datastormHome(), 'cluster');
}

function stateFile(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readClusterState(dir = defaultClusterDir()): ClusterState | undefined {
  const file = stateFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : undefined;
}

/**
 * The jars Kafka's tools run from: the release asked for (`version`, resolved as `cluster up` resolves it), else the
 * local cluster's, else the default release's.
 */
export function toolRuntime(version: string | undefined, log: (line: string) => void): KafkaRuntime {
  const local = version === undefined ? readClusterState() : undefined;
  if (local) return { version: local.kafkaVersion, libDir: local.libDir, source: local.source };
  const runtime = resolveKafkaRuntime(version ?? DEFAULT_KAFKA_VERSION, log);
  if (version !== undefined && runtime.version !== version) {
    throw new DataStormError('DS_KAFKA_VERSION_MISMATCH', `--kafka-version ${version}: KAFKA_HOME=${process.env.KAFKA_HOME} holds Kafka ${runtime.version}`, {
      hint: `unset KAFKA_HOME to resolve Kafka ${version} from Maven Central, or leave out --kafka-version`,
    });
  }
  return runtime;
}

/** Called with the state's lock held. */
function writeClusterState(dir: string, state: ClusterState): void {
  writeJsonWhole(stateFile(dir), state);
}

/** How long a change of the state waits for another one: longer than a start-up formats and starts its nodes. */
const STATE_LOCK_WAIT_MS = 150_000;
/** A lock still empty after this long was left by a command that died between creating and writing it. */
const EMPTY_LOCK_STALE_MS = 5000;

/**
 * Runs `change` (a read-modify-write of cluster.json) while holding the cluster folder's lock, so that commands
 * changing the state together (three `start-node` at once) never write over each other's pids. The lock is a
 * file created exclusively (O_EXCL) that holds its owner's pid; a lock whose owner is no longer running (it died
 * inside its change) is taken over.
 */
async function withStateLock<T>(dir: string, change: () => T | Promise<T>): Promise<T> {
  if (!existsSync(dir)) return change(); // no state to change: nothing to serialize
  const lock = join(dir, 'cluster.json.lock');
  const deadline = Date.now() + STATE_LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = staleLockOwner(lock);
    if (holder === 'taken over') continue;
    if (Date.now() > deadline) {
      throw new DataStormError('DS_CLUSTER_STATE_LOCKED', `the state of the cluster in ${dir} has been locked by pid ${holder} for more than ` +
        `${STATE_LOCK_WAIT_MS / 1000} s`, { hint: `if pid ${holder} is not a datastorm command, remove ${lock}` });
    }
    await sleep(20 + Math.random() * 30);
  }
  try {
    return await change();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * The pid holding the lock, or 'taken over' once a lock of a dead owner is removed. Only the file that was read
 * is removed (same inode): another command may have taken the lock over first and made its own.
 */
function staleLockOwner(lock: string): number | 'taken over' {
  try {
    const before = statSync(lock);
    const text = readFileSync(lock, 'utf8').trim();
    const holder = Number(text);
    const stale = text === '' ? Date.now() - before.mtimeMs > EMPTY_LOCK_STALE_MS : !processRuns(holder);
    if (!stale) return holder;
    if (statSync(lock).ino === before.ino) unlinkSync(lock);
  } catch (error) {
    // Released between the attempt and the reading: try again.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return 'taken over';
}

/** True when pid is a live process started for this node (its command line names the node's folder). */
export function nodeIsAlive(node: NodeState): boolean {
  return processRuns(node.pid, node.dir);
}

/**
 * True while pid is a process whose command line names `naming`: a pid can be reused, and a process that has
 * ended but is not reaped yet (a zombie) has an empty command line.
 */
function processRuns(pid: number, naming = ''): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine !== '' && commandLine.includes(naming);
  } catch {
    return process.platform !== 'linux';
  }
}

/** A process of a node (its JVM, or the storage format before it), and a path its command line names (told from a reused pid by it). */
interface NodeProcess {
  pid: number;
  nodeId: number;
  naming: string;
}

/**
 * Every java process running on the properties of a node in `dir`, found in /proc by its command line (relative
 * paths resolved from its working folder), in node order: how `down` finds the nodes it started even when
 * cluster.json names other pids or is gone.
 */
function nodeProcessesOf(dir: string): NodeProcess[] {
  const root = resolve(dir);
  const found: NodeProcess[] = [];
  // No /proc: only the pids of the state are known.
  for (const pid of procPids()) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (basename(args[0]) !== 'java') continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      for (const config of args.slice(1)) {
        const path = resolve(cwd, config);
        const node = /^node-(\d+)$/.exec(basename(dirname(path)));
        if (node && basename(path) === 'server.properties' && dirname(dirname(path)) === root) {
          found.push({ pid, nodeId: Number(node[1]), naming: config });
          break;
        }
      }
    } catch {
      // Ended while read, or not ours to read.
    }
  }
  return found.sort((a, b) => a.nodeId - b.nodeId);
}

/** The node's running process: the state's pid, else one /proc shows on the node's properties (the state is stale). */
function runningProcessOf(dir: string, node: NodeState): NodeProcess | undefined {
  return nodeIsAlive(node) ? { pid: node.pid, nodeId: node.id, naming: node.dir } : nodeProcessesOf(dir).find((p) => p.nodeId === node.id);
}

function portAccepts(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** A random 16-byte id in Kafka's base64url form; like Kafka's own, never starting with '-' (read as a flag). */
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function runToExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

/**
 * Starts the cluster and returns once its metadata lists every broker; on a partly running cluster, starts the
 * nodes that are down on their data (restartedNodes). On a failure it names the node,
 * shows the tail of its log and stops the nodes it started.
 */
export async function clusterUp(options: UpOptions): Promise<ClusterState & { alreadyRunning: boolean; restartedNodes?: number[] }> {
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? defaultClusterDir();
  mkdirSync(dir, { recursive: true });
  // From reading the state to writing the new one under the lock: two commands that each need the cluster start one.
  const begun = await withStateLock<{ existing: ClusterState; down: NodeState[] } | { launched: LaunchedCluster }>(dir, async () => {
    const existing = readClusterState(dir);
    const down = existing?.nodes.filter((node) => !nodeIsAlive(node)) ?? [];
    if (existing && down.length < existing.nodes.length) return { existing, down };
    if (existing) {
      log(`removing the stale state of a cluster that is no longer running (pids ${existing.nodes.map((n) => n.pid).join(', ')})`);
      rmSync(stateFile(dir));
    }
    return { launched: await launchNodes(options, dir, log) };
  });
  if ('existing' in begun) {
    const { existing, down } = begun;
    if (down.length === 0) return { ...existing, alreadyRunning: true };
    log(`the cluster in ${dir} is partly running: starting node${down.length > 1 ? 's' : ''} ${down.map((n) => n.id).join(', ')} with ${down.length > 1 ? 'their' : 'its'} data`);
    for (const node of down) await startNode(node.id, { dir, log });
    return { ...readClusterState(dir)!, alreadyRunning: true, restartedNodes: down.map((n) => n.id) };
  }

  const { state, startedMs, early } = begun.launched;
  const { layout } = options;
  const deadline = startedMs + (options.startTimeoutMs ?? 120_000);
  let listed = 0;
  while (early.failure === undefined && Date.now() < deadline) {
    listed = await describeBrokers(state.bootstrap, { timeoutMs: 3000 }).then((b) => b.length, () => 0);
    if (listed === layout.brokers) break;
    await sleep(500);
  }
  if (early.failure !== undefined || listed !== layout.brokers) {
    const reason = early.failure ?? `only ${listed} of ${layout.brokers} brokers listed after ` +
      `${Math.round((Date.now() - startedMs) / 1000)} s; tails of the logs:\n` +
      state.nodes.map(({ id, dir: nodeDir }) => `--- node ${id}\n${tailOfFile(join(nodeDir, 'server.log'), 6)}`).join('\n');
    await clusterDown(dir);
    throw new DataStormError('DS_CLUSTER_START_FAILED', reason);
  }
  const startupMs = Date.now() - startedMs;
  await withStateLock(dir, () => {
    const current = readClusterState(dir);
    if (current?.clusterId === state.clusterId) writeClusterState(dir, { ...current, startupMs });
  });
  return { ...state, startupMs, alreadyRunning: false };
}

/** A cluster whose nodes were started: `early.failure` says why a node died during start-up, if one did. */
interface LaunchedCluster {
  state: ClusterState;
  startedMs: number;
  early: { failure?: string };
}

/** Formats and starts a new cluster's nodes, and writes its state (with the state's lock held). */
async function launchNodes(options: UpOptions, dir: string, log: (line: string) => void): Promise<LaunchedCluster> {
  requireJava();
  const { layout } = options;
  for (const id of nodeIds(layout)) {
    for (const port of [clientPort(layout, id), controllerPort(layout, id), saslSslPort(layout, id)].filter((p) => p !== undefined)) {
      if (!(await portIsFree(port))) {
        throw new DataStormError('DS_CANNOT_LISTEN', `port ${port} on 127.0.0.1 (node ${id}) is already in use`, {
          hint: 'another Kafka or program holds it: stop it, or pass --bootstrap-server to use that cluster',
        });
      }
    }
  }

  const runtime = resolveKafkaRuntime(options.kafkaVersion, log);
  const startedMs = Date.now();
  const clusterId = newClusterId();
  for (const { file, text } of LOG_CONFIGS) writeFileSync(join(dir, file), text);
  const { line } = kafkaRelease(runtime.version);
  const secure = layout.saslSslBasePort === undefined ? undefined : setUpSaslSsl(layout, dir);

  const nodes = nodeIds(layout).map((id) => {
    const nodeDir = join(dir, `node-${id}`);
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    const settings: Record<string, string> = { ...nodeSettings(layout, id, line, secure?.secrets), 'log.dirs': join(nodeDir, 'data') };
    // It holds the PLAIN user's password when the SASL_SSL listener is on.
    writeFileSync(join(nodeDir, 'server.properties'), formatProperties(settings), { mode: 0o600 });
    return { id, nodeDir, roles: settings['process.roles'] };
  });

  log(`formatting storage of ${nodes.length} nodes (Kafka ${runtime.version}, cluster id ${clusterId})`);
  const formatCodes = await Promise.all(nodes.map(({ nodeDir }) => {
    const out = openSync(join(nodeDir, 'format.log'), 'w');
    const child = spawn('java', javaArgs(runtime, 'kafka.tools.StorageTool',
      ['format', `--cluster-id=${clusterId}`, '-c', join(nodeDir, 'server.properties'), ...(secure?.formatArgs ?? [])],
      ['-Xmx256m', ...nodeLogFlags(nodeDir, dir)]), { stdio: ['ignore', out, out] });
    return runToExit(child).finally(() => closeSync(out));
  }));
  const badFormat = formatCodes.findIndex((code) => code !== 0);
  if (badFormat >= 0) {
    const nodeDir = nodes[badFormat].nodeDir;
    throw new DataStormError('DS_FORMAT_FAILED',
      `formatting node ${nodes[badFormat].id} failed:\n${tailOfFile(join(nodeDir, 'format.log'))}`);
  }

  log(`starting ${nodes.length} nodes on ${bootstrapServers(layout).join(',')}`);
  const early: { failure?: string } = {};
  const groups = nodes.map(({ id }) => nodeGroup(clientPort(layout, id)));
  const children = nodes.map(({ id, nodeDir }, i) => spawnNode(runtime, nodeDir, dir, 'w', groups[i], (why) => { early.failure ??= `node ${id} ${why}`; }));
  const state: ClusterState = {
    kafkaVersion: runtime.version,
    source: runtime.source,
    libDir: runtime.libDir,
    clusterId,
    layout,
    bootstrap: bootstrapServers(layout),
    startedAt: new Date(startedMs).toISOString(),
    startupMs: 0,
    nodes: nodes.map(({ id, nodeDir, roles }, i) => ({
      id, pid: children[i].pid ?? -1, clientPort: clientPort(layout, id),
      controllerPort: roles.includes('controller') ? controllerPort(layout, id) : undefined, roles, dir: nodeDir,
      ...(groups[i] !== undefined ? { gid: groups[i] } : {}),
    })),
    saslSsl: secure?.state,
  };
  writeClusterState(dir, state);
  return { state, startedMs, early };
}

/** The client properties file the SASL_SSL listener's users connect with, in the cluster folder. */
export const SASL_SSL_CLIENT_PROPERTIES = 'client-sasl-ssl.properties';

/**
 * The SASL_SSL listener's certificates (openssl, in dir/tls), a fresh password for its user, the format flags
 * that create the user's SCRAM credentials in the metadata (KIP-900), and the client properties file.
 */
function setUpSaslSsl(layout: ClusterLayout, dir: string): {
  secrets: ListenerSecrets; formatArgs: string[]; state: NonNullable<ClusterState['saslSsl']>;
} {
  const certs = makeListenerCerts(join(dir, 'tls'));
  const password = randomBytes(18).toString('base64url');
  const clientProperties = join(dir, SASL_SSL_CLIENT_PROPERTIES);
  writeFileSync(clientProperties, formatProperties(saslSslClientProperties(certs.caFile, password)), { mode: 0o600 });
  return {
    secrets: { keystoreFile: certs.keystoreFile, password },
    formatArgs: ['SCRAM-SHA-256', 'SCRAM-SHA-512'].flatMap((mechanism) => ['--add-scram', `${mechanism}=[name=${SASL_USER},password=${password}]`]),
    state: { bootstrap: saslSslBootstrapServers(layout), clientProperties, caFile: certs.caFile, user: SASL_USER },
  };
}

/** Where a node logs: its folder, with the cluster folder's configuration of whichever logging library its release binds. */
const nodeLogFlags = (nodeDir: string, clusterDir: string) =>
  [`-Dkafka.logs.dir=${nodeDir}`, ...LOG_CONFIGS.map(({ file, property }) => property(join(clusterDir, file)))];

/**
 * One node's JVM, detached, on its own server.properties (formatted storage and all), its output in its folder
 * ('w' anew, 'a' after what an earlier run of the node wrote), with its own group when it has one. `onEarlyExit`
 * hears why it died.
 */
function spawnNode(
  runtime: KafkaRuntime, nodeDir: string, clusterDir: string, outputMode: 'w' | 'a', gid: number | undefined, onEarlyExit: (why: string) => void,
): ChildProcess {
  const out = openSync(join(nodeDir, 'stdout.log'), outputMode);
  const child = spawn('java', javaArgs(runtime, 'kafka.Kafka', [join(nodeDir, 'server.properties')], [...JVM_FLAGS, ...nodeLogFlags(nodeDir, clusterDir)]),
    { stdio: ['ignore', out, out], detached: true, ...(gid !== undefined ? { gid } : {}) });
  closeSync(out);
  child.once('exit', (code, signal) => {
    onEarlyExit(`exited (${signal ?? `code ${code}`}) during start-up; tail of ${nodeDir}/server.log:\n` +
      `${tailOfFile(join(nodeDir, 'server.log'))}\n${tailOfFile(join(nodeDir, 'stdout.log'), 5)}`);
  });
  child.unref();
  return child;
}

function requireState(dir: string): ClusterState {
  const state = readClusterState(dir);
  if (!state) throw new DataStormError('DS_NO_CLUSTER', `no cluster in ${dir}`, { hint: 'start one with `datastorm cluster up`' });
  return state;
}

function nodeOf(state: ClusterState, id: number): NodeState {
  const node = state.nodes.find((n) => n.id === id);
  if (!node) {
    throw new DataStormError('DS_BAD_OPTION', `node ${id} is not in the cluster (nodes ${state.nodes.map((n) => n.id).join(', ')})`);
  }
  return node;
}

export interface NodeOptions {
  dir?: string;
  log?: (line: string) => void;
}

/**
 * Stops one node: SIGKILL at once (a crash: nothing flushed, no controlled shutdown), or SIGTERM and a clean
 * shutdown (SIGKILL after the grace period). Returns how long it took; the node keeps its data for start-node.
 */
export async function stopNode(id: number, how: 'kill' | 'stop', options: NodeOptions & { graceMs?: number } = {}): Promise<number> {
  const { running } = runningNode(id, options);
  const started = Date.now();
  await stopNodeProcesses([running], how === 'kill' ? 'SIGKILL' : 'SIGTERM', options.graceMs ?? 30_000);
  return Date.now() - started;
}

/** A node of the cluster and its running process, or DS_NODE_DOWN. */
function runningNode(id: number, options: NodeOptions): { node: NodeState; running: NodeProcess } {
  const dir = options.dir ?? defaultClusterDir();
  const node = nodeOf(requireState(dir), id);
  const running = runningProcessOf(dir, node);
  if (!running) throw new DataStormError('DS_NODE_DOWN', `node ${id} is not running`, { hint: `start it with \`datastorm cluster start-node ${id}\`` });
  return { node, running };
}

/**
 * Pauses a node's JVM with SIGSTOP (a hung broker, a long GC pause: its connections stay open, nothing answers)
 * and returns its resume (SIGCONT). Both are synchronous: a resume also runs as the process that paused it exits.
 */
export function pauseNode(id: number, options: NodeOptions = {}): () => void {
  const { running } = runningNode(id, options);
  signal(running.pid, 'SIGSTOP');
  return () => { if (processRuns(running.pid, running.naming)) signal(running.pid, 'SIGCONT'); };
}

/**
 * Cuts a running node off from the other nodes and from clients (src/cluster/node-isolation.ts) and returns the
 * heal, synchronous like pauseNode's resume.
 */
export function partitionNode(id: number, options: NodeOptions = {}): () => void {
  const { node, running } = runningNode(id, options);
  const { layout } = requireState(options.dir ?? defaultClusterDir());
  const ports = [node.clientPort, node.controllerPort, saslSslPort(layout, id)].filter((port) => port !== undefined);
  return cutOff({ id, pid: running.pid, gid: node.gid, ports });
}

/**
 * Starts a node that is down on the data it had, and returns once the cluster's metadata lists it again.
 * Its replicas then catch up and rejoin the ISR (the broker's own work, which takes longer under load).
 */
export async function startNode(id: number, options: NodeOptions & { timeoutMs?: number } = {}): Promise<number> {
  const dir = options.dir ?? defaultClusterDir();
  const early: { failure?: string } = {};
  // Spawned and recorded under the lock: nodes started together each keep their pid, and a node starts once.
  const { node, started } = await withStateLock(dir, () => {
    const state = requireState(dir);
    const stopped = nodeOf(state, id);
    const running = runningProcessOf(dir, stopped);
    if (running) throw new DataStormError('DS_NODE_RUNNING', `node ${id} is already running (pid ${running.pid})`);
    requireJava();
    const runtime: KafkaRuntime = { version: state.kafkaVersion, source: state.source, libDir: state.libDir };
    const spawnedAt = Date.now();
    const gid = nodeGroup(stopped.clientPort);
    const child = spawnNode(runtime, stopped.dir, dir, 'a', gid, (why) => { early.failure ??= `node ${id} ${why}`; });
    const spawned: NodeState = { ...stopped, pid: child.pid ?? -1, gid };
    writeClusterState(dir, { ...state, nodes: state.nodes.map((n) => (n.id === id ? spawned : n)) });
    return { node: spawned, started: spawnedAt };
  });
  const deadline = started + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (early.failure !== undefined) throw new DataStormError('DS_CLUSTER_START_FAILED', early.failure);
    const listed = await describeBrokers([`127.0.0.1:${node.clientPort}`], { timeoutMs: 3000 }).then((b) => b.some((broker) => broker.nodeId === id), () => false);
    if (listed) break;
    if (Date.now() > deadline) {
      throw new DataStormError('DS_CLUSTER_START_FAILED', `node ${id} is not listed by the metadata after ${Math.round((Date.now() - started) / 1000)} s; ` +
        `tail of its log:\n${tailOfFile(join(node.dir, 'server.log'), 6)}`);
    }
    await sleep(300);
  }
  options.log?.(`node ${id} started (pid ${node.pid}) and listed by the metadata in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return Date.now() - started;
}

/**
 * Stops every node together (SIGTERM, then SIGKILL after the grace period) and returns the pids it stopped: the
 * state's, and every other java process /proc shows on a node of this folder (the state was stale, or is gone).
 */
export async function clusterDown(dir = defaultClusterDir(), graceMs = 20_000): Promise<number[]> {
  return withStateLock(dir, async () => {
    const nodes = readClusterState(dir)?.nodes ?? [];
    const ofState = nodes.map((node) => ({ pid: node.pid, nodeId: node.id, naming: node.dir }));
    const found = [...ofState.filter((p) => processRuns(p.pid, p.naming)), ...nodeProcessesOf(dir)];
    const running = found.filter((p, i) => found.findIndex((q) => q.pid === p.pid) === i);
    // Nothing of a fault outlives the cluster: rules a partition-node left (its command killed) go first, so that the
    // nodes shut down as they would (a paused node is resumed by stopProcesses).
    for (const node of nodes) healPartition(node.clientPort);
    await stopNodeProcesses(running, 'SIGTERM', graceMs);
    rmSync(stateFile(dir), { force: true });
    return running.map((p) => p.pid);
  });
}

/** Node processes stopped: `sent`, then SIGKILL after graceMs (local-processes.ts). */
const stopNodeProcesses = (processes: NodeProcess[], sent: NodeJS.Signals, graceMs: number) =>
  stopProcesses(processes, (p) => processRuns(p.pid, p.naming), sent, graceMs);

export interface NodeHealth extends NodeState {
  alive: boolean;
  accepting: boolean;
}

export async function clusterStatus(dir = defaultClusterDir()): Promise<
  { state: ClusterState; nodes: NodeHealth[]; brokersListed: number } | undefined
> {
  const state = readClusterState(dir);
  if (!state) return undefined;
  const nodes = await Promise.all(state.nodes.map(async (node) => ({
    ...node,
    alive: nodeIsAlive(node),
    accepting: await portAccepts(node.clientPort),
  })));
  // Asked of the nodes that accept connections only: a node that is down must not make the others look unlisted.
  const reachable = nodes.filter((n) => n.accepting).map((n) => `127.0.0.1:${n.clientPort}`);
  const brokersListed = reachable.length > 0 ? await describeBrokers(reachable, { timeoutMs: 5000 }).then((b) => b.length, () => 0) : 0;
  return { state, nodes, brokersListed };
}
