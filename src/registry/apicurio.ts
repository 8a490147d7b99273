import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { DataStormError } from '../shared/errors.js';
import { datastormHome, mavenErrorLine, resolveIntoCache } from '../cluster/kafka-runtime.js';
import { freePort, portIsFree, procPids, stopProcesses, tailOfFile, writeJsonWhole } from '../cluster/local-processes.js';
import { findJdk } from './jdk.js';
import { RegistryClient } from './registry-client.js';

/**
 * A local schema registry without Docker: Apicurio Registry's Quarkus distribution from Maven Central, which serves
 * Confluent's API under /apis/ccompat/v7 and keeps its schemas in memory (gone when it stops).
 */
export const APICURIO_VERSION = '3.3.3';
/** Confluent's registry's usual port. */
export const DEFAULT_REGISTRY_PORT = 8081;
/** Apicurio 3.3's classes are Java 21's (class version 65). */
const JAVA_RELEASE = 21;
const ARTIFACT = `io.apicurio:apicurio-registry-app:${APICURIO_VERSION}:tar.gz:all`;
/** The API path of Confluent's API in Apicurio. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';
const START_TIMEOUT_MS = 120_000;
const JAR = 'quarkus-run.jar';

export interface RegistryState {
  pid: number;
  /** What clients are given: Confluent's API's base URL. */
  url: string;
  port: number;
  /** Apicurio's management port (health), on 127.0.0.1. */
  managementPort: number;
  version: string;
  distribution: string;
  java: { home: string; release: number };
  startedAt: string;
  startupMs: number;
}

/** The local registry's folder (state, log): DATASTORM_REGISTRY_DIR, else the registry folder of the DataStorm home. */
export function defaultRegistryDir(): string {
  return process.env.DATASTORM_REGISTRY_DIR ?? join(datastormHome(), 'registry');
}

const stateFile = (dir: string) => join(dir, 'registry.json');

export function readRegistryState(dir = defaultRegistryDir()): RegistryState | undefined {
  const file = stateFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RegistryState) : undefined;
}

/** Apicurio's distribution, resolved with Maven into the DataStorm home on first use (168 MB unpacked). */
export function resolveApicurio(log: (line: string) => void): string {
  const folder = join(datastormHome(), 'apicurio', APICURIO_VERSION);
  resolveIntoCache(folder, {
    what: `Apicurio Registry ${APICURIO_VERSION}`,
    log: () => log(`resolving Apicurio Registry ${APICURIO_VERSION} (${ARTIFACT}) with Maven into ${folder} (once; 158 MB)`),
    mavenArgs: (staging) => ['org.apache.maven.plugins:maven-dependency-plugin:3.8.1:unpack', `-Dartifact=${ARTIFACT}`, `-DoutputDirectory=${staging}`],
    failure: (output) => new DataStormError('DS_MAVEN_FAILED', `Maven could not resolve Apicurio Registry ${APICURIO_VERSION}: ${mavenErrorLine(output)}`, {
      hint: `check Maven's access to Maven Central (${ARTIFACT})`,
    }),
    hint: 'install Maven (DataStorm resolves Apicurio Registry from Maven Central)',
  });
  return folder;
}

/** True while pid is a registry JVM of this folder (told from a reused pid by its command line and working folder). */
function isRegistryProcess(pid: number, dir: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((arg) => arg.endsWith(JAR)) && readlinkSync(`/proc/${pid}/cwd`) === resolve(dir);
  } catch {
    return false;
  }
}

/** Every registry JVM started in `dir` (its working folder), the state's pid or not: how `down` leaves none. */
const registryProcessesOf = (dir: string) => procPids().filter((pid) => isRegistryProcess(pid, dir));

async function isReady(managementPort: number): Promise<boolean> {
  try {
    const response = await request(`http://127.0.0.1:${managementPort}/health/ready`, { headersTimeout: 2000, bodyTimeout: 2000 });
    await response.body.dump();
    return response.statusCode === 200;
  } catch {
    return false;
  }
}

export interface RegistryUpOptions {
  port?: number;
  dir?: string;
  log?: (line: string) => void;
  timeoutMs?: number;
}

/**
 * Starts Apicurio on 127.0.0.1:port (its access log off, 512 MB of heap) and returns once it is ready, with its
 * compatibility level set to BACKWARD (Confluent's default; Apicurio's is NONE). A registry already running in the
 * folder is reused as it is. On a failure the JVM is stopped and the tail of its log shown.
 */
export async function registryUp(options: RegistryUpOptions = {}): Promise<RegistryState & { alreadyRunning: boolean }> {
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? defaultRegistryDir();
  const existing = readRegistryState(dir);
  if (existing && isRegistryProcess(existing.pid, dir) && await isReady(existing.managementPort)) return { ...existing, alreadyRunning: true };
  await registryDown(dir);
  const port = options.port ?? DEFAULT_REGISTRY_PORT;
  // Before anything is resolved or started: what is missing or in the way is one line.
  const java = findJdk(JAVA_RELEASE, `Apicurio Registry ${APICURIO_VERSION}`);
  if (!await portIsFree(port)) {
    throw new DataStormError('DS_CANNOT_LISTEN', `port ${port} on 127.0.0.1 is in use: the registry cannot listen there`, { hint: 'stop what uses it, or give --port' });
  }
  const distribution = resolveApicurio(log);
  mkdirSync(dir, { recursive: true });
  const managementPort = await freePort();
  const logFile = join(dir, 'registry.log');
  const out = openSync(logFile, 'w');
  const startMs = Date.now();
  const child = spawn(join(java.home, 'bin', 'java'), ['-Xmx512m', '-jar', join(distribution, JAR)], {
    cwd: dir, stdio: ['ignore', out, out], detached: true,
    env: {
      ...process.env, QUARKUS_HTTP_HOST: '127.0.0.1', QUARKUS_HTTP_PORT: String(port), QUARKUS_MANAGEMENT_HOST: '127.0.0.1',
      QUARKUS_MANAGEMENT_PORT: String(managementPort), QUARKUS_HTTP_ACCESS_LOG_ENABLED: 'false',
    },
  });
  closeSync(out);
  let exited: string | undefined;
  child.once('exit', (code, signal) => { exited = signal ?? `code ${code}`; });
  child.unref();
  const state: RegistryState = {
    pid: child.pid!, url: `http://127.0.0.1:${port}${CCOMPAT_PATH}`, port, managementPort, version: APICURIO_VERSION, distribution,
    java: { home: java.home, release: java.release }, startedAt: new Date().toISOString(), startupMs: 0,
  };
  writeJsonWhole(stateFile(dir), state);
  const deadline = startMs + (options.timeoutMs ?? START_TIMEOUT_MS);
  while (!await isReady(managementPort)) {
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited !== undefined ? `exited (${exited}) while starting` : `was not ready after ${(Date.now() - startMs) / 1000} s`;
      const tail = tailOfFile(logFile, 1).slice(0, 300);
      await registryDown(dir);
      throw new DataStormError('DS_REGISTRY_START_FAILED', `Apicurio Registry ${why}; last line of ${logFile}: ${tail}`);
    }
    await sleep(200);
  }
  const client = new RegistryClient({ url: state.url, properties: {} });
  try {
    await client.setCompatibility('BACKWARD');
  } finally {
    await client.close();
  }
  const ready = { ...state, startupMs: Date.now() - startMs };
  writeJsonWhole(stateFile(dir), ready);
  return { ...ready, alreadyRunning: false };
}

/** Stops the registry (SIGTERM, SIGKILL after the grace period) and returns the pids stopped; none is left running. */
export async function registryDown(dir = defaultRegistryDir(), graceMs = 15_000): Promise<number[]> {
  const state = readRegistryState(dir);
  const pids = [...new Set([...(state && isRegistryProcess(state.pid, dir) ? [state.pid] : []), ...registryProcessesOf(dir)])];
  await stopProcesses(pids.map((pid) => ({ pid })), ({ pid }) => isRegistryProcess(pid, dir), 'SIGTERM', graceMs);
  rmSync(stateFile(dir), { force: true });
  return pids;
}

/** The registry's state with whether its process runs and it answers ready; undefined when none was started here. */
export async function registryStatus(dir = defaultRegistryDir()): Promise<{ state: RegistryState; alive: boolean; ready: boolean } | undefined> {
  const state = readRegistryState(dir);
  if (!state) return undefined;
  const alive = isRegistryProcess(state.pid, dir);
  return { state, alive, ready: alive && await isReady(state.managementPort) };
}
