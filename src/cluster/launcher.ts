import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataStormError } from '../errors.js';
import { describeBrokers } from '../kafka-client.js';
import { datastormHome, javaArgs, requireJava, resolveKafkaRuntime, type KafkaRuntime } from './kafka-runtime.js';
import {
  JVM_FLAGS, bootstrapServers, clientPort, controllerPort, formatProperties, nodeIds, nodeSettings,
  type ClusterLayout,
} from './settings.js';

export interface NodeState {
  id: number;
  pid: number;
  clientPort: number;
  controllerPort?: number;
  roles: string;
  dir: string;
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

export function defaultClusterDir(): string {
  return join(datastormHome(), 'cluster');
}

function stateFile(dir: string): string {
  return join(dir, 'cluster.json');
}

export function readClusterState(dir = defaultClusterDir()): ClusterState | undefined {
  const file = stateFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ClusterState) : undefined;
}

/** True when pid is a live process started for this node (its command line names the node's folder). */
export function nodeIsAlive(node: NodeState): boolean {
  try {
    process.kill(node.pid, 0);
  } catch {
    return false;
  }
  try {
    // A pid can be reused; a zombie has an empty command line.
    return readFileSync(`/proc/${node.pid}/cmdline`, 'utf8').includes(node.dir);
  } catch {
    return process.platform !== 'linux';
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
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

export function tailOfFile(file: string, lines = 15): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
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
 * Starts the cluster and returns once its metadata lists every broker. On a failure it names the node,
 * shows the tail of its log and stops the nodes it started.
 */
export async function clusterUp(options: UpOptions): Promise<ClusterState & { alreadyRunning: boolean }> {
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? defaultClusterDir();
  const existing = readClusterState(dir);
  if (existing) {
    const alive = existing.nodes.filter(nodeIsAlive);
    if (alive.length === existing.nodes.length) return { ...existing, alreadyRunning: true };
    if (alive.length > 0) {
      throw new DataStormError('DS_CLUSTER_PARTIAL',
        `the cluster in ${dir} is partly running (${alive.length} of ${existing.nodes.length} nodes alive)`,
        { hint: 'run `datastorm cluster down` first' });
    }
    log(`removing the stale state of a cluster that is no longer running (pids ${existing.nodes.map((n) => n.pid).join(', ')})`);
    rmSync(stateFile(dir));
  }

  requireJava();
  const { layout } = options;
  for (const id of nodeIds(layout)) {
    for (const port of [clientPort(layout, id), controllerPort(layout, id)]) {
      if (!(await portIsFree(port))) {
        throw new DataStormError('DS_PORT_TAKEN', `port ${port} on 127.0.0.1 (node ${id}) is already in use`, {
          hint: 'another Kafka or program holds it: stop it, or pass --bootstrap-server to use that cluster',
        });
      }
    }
  }

  const runtime = resolveKafkaRuntime(options.kafkaVersion, log);
  const started = Date.now();
  const clusterId = newClusterId();
  mkdirSync(dir, { recursive: true });
  const log4jFile = join(dir, 'log4j2.properties');
  writeFileSync(log4jFile, LOG4J2);

  const nodes = nodeIds(layout).map((id) => {
    const nodeDir = join(dir, `node-${id}`);
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    const settings: Record<string, string> = { ...nodeSettings(layout, id), 'log.dirs': join(nodeDir, 'data') };
    writeFileSync(join(nodeDir, 'server.properties'), formatProperties(settings));
    return { id, nodeDir, roles: settings['process.roles'] };
  });

  const jvmFlags = (nodeDir: string) => [`-Dkafka.logs.dir=${nodeDir}`, `-Dlog4j2.configurationFile=${log4jFile}`];
  log(`formatting storage of ${nodes.length} nodes (Kafka ${runtime.version}, cluster id ${clusterId})`);
  const formatCodes = await Promise.all(nodes.map(({ nodeDir }) => {
    const out = openSync(join(nodeDir, 'format.log'), 'w');
    const child = spawn('java', javaArgs(runtime, 'kafka.tools.StorageTool',
      ['format', `--cluster-id=${clusterId}`, '-c', join(nodeDir, 'server.properties')],
      ['-Xmx256m', ...jvmFlags(nodeDir)]), { stdio: ['ignore', out, out] });
    return runToExit(child).finally(() => closeSync(out));
  }));
  const badFormat = formatCodes.findIndex((code) => code !== 0);
  if (badFormat >= 0) {
    const nodeDir = nodes[badFormat].nodeDir;
    throw new DataStormError('DS_FORMAT_FAILED',
      `formatting node ${nodes[badFormat].id} failed:\n${tailOfFile(join(nodeDir, 'format.log'))}`);
  }

  log(`starting ${nodes.length} nodes on ${bootstrapServers(layout).join(',')}`);
  let failure: string | undefined;
  const children = nodes.map(({ id, nodeDir }) => {
    const out = openSync(join(nodeDir, 'stdout.log'), 'w');
    const child = spawn('java', javaArgs(runtime, 'kafka.Kafka', [join(nodeDir, 'server.properties')],
      [...JVM_FLAGS, ...jvmFlags(nodeDir)]), { stdio: ['ignore', out, out], detached: true });
    closeSync(out);
    child.once('exit', (code, signal) => {
      failure ??= `node ${id} exited (${signal ?? `code ${code}`}) during start-up; tail of ${nodeDir}/server.log:\n` +
        `${tailOfFile(join(nodeDir, 'server.log'))}\n${tailOfFile(join(nodeDir, 'stdout.log'), 5)}`;
    });
    child.unref();
    return child;
  });
  const state: ClusterState = {
    kafkaVersion: runtime.version,
    source: runtime.source,
    libDir: runtime.libDir,
    clusterId,
    layout,
    bootstrap: bootstrapServers(layout),
    startedAt: new Date(started).toISOString(),
    startupMs: 0,
    nodes: nodes.map(({ id, nodeDir, roles }, i) => ({
      id, pid: children[i].pid ?? -1, clientPort: clientPort(layout, id),
      controllerPort: roles.includes('controller') ? controllerPort(layout, id) : undefined, roles, dir: nodeDir,
    })),
  };
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));

  const deadline = started + (options.startTimeoutMs ?? 120_000);
  let listed = 0;
  while (failure === undefined && Date.now() < deadline) {
    listed = await describeBrokers(state.bootstrap, 3000).then((b) => b.length, () => 0);
    if (listed === layout.brokers) break;
    await sleep(500);
  }
  if (failure !== undefined || listed !== layout.brokers) {
    const reason = failure ?? `only ${listed} of ${layout.brokers} brokers listed after ` +
      `${Math.round((Date.now() - started) / 1000)} s; tails of the logs:\n` +
      nodes.map(({ id, nodeDir }) => `--- node ${id}\n${tailOfFile(join(nodeDir, 'server.log'), 6)}`).join('\n');
    await clusterDown(dir);
    throw new DataStormError('DS_CLUSTER_START_FAILED', reason);
  }
  state.startupMs = Date.now() - started;
  writeFileSync(stateFile(dir), JSON.stringify(state, null, 2));
  return { ...state, alreadyRunning: false };
}

/** Stops every node together (SIGTERM, then SIGKILL after the grace period); returns the pids it stopped. */
export async function clusterDown(dir = defaultClusterDir(), graceMs = 20_000): Promise<number[]> {
  const state = readClusterState(dir);
  if (!state) return [];
  const alive = state.nodes.filter(nodeIsAlive);
  for (const node of alive) process.kill(node.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive.some(nodeIsAlive) && Date.now() < deadline) await sleep(200);
  for (const node of alive.filter(nodeIsAlive)) process.kill(node.pid, 'SIGKILL');
  while (alive.some(nodeIsAlive)) await sleep(100);
  rmSync(stateFile(dir), { force: true });
  return alive.map((node) => node.pid);
}

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
  const brokersListed = nodes.some((n) => n.accepting)
    ? await describeBrokers(state.bootstrap, 5000).then((b) => b.length, () => 0)
    : 0;
  return { state, nodes, brokersListed };
}
