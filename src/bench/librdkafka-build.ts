import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { commandWorks, datastormHome } from '../cluster/kafka-runtime.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';

/**
 * librdkafka's own perf tool, examples/rdkafka_performance, built once from the librdkafka sources that the
 * node-rdkafka npm package bundles (deps/librdkafka): DataStorm does not depend on node-rdkafka, it only takes
 * its tarball from the npm registry. The binary is cached in the DataStorm home per librdkafka version.
 */
export const NODE_RDKAFKA_VERSION = '3.6.1';
/** The librdkafka release node-rdkafka 3.6.1 bundles (its package.json "librdkafka" field, checked at build). */
export const LIBRDKAFKA_VERSION = '2.12.0';

const BINARY = 'rdkafka_performance';

function librdkafkaHome(): string {
  return join(datastormHome(), 'librdkafka');
}

export function rdkafkaPerformancePath(): string {
  return join(librdkafkaHome(), LIBRDKAFKA_VERSION, BINARY);
}

/** The cached binary, if a build has finished (it is renamed into place only when complete). */
export function cachedRdkafkaPerformance(): string | undefined {
  const path = rdkafkaPerformancePath();
  return existsSync(path) ? path : undefined;
}

function buildFailed(message: string, logFile: string): DataStormError {
  return new DataStormError('DS_LIBRDKAFKA_BUILD_FAILED', message, {
    hint: `the build's output is in ${logFile}; or compare with --vs java`,
  });
}

/** One build step, its output appended to the log; a Ctrl-C stops its whole process group. */
async function step(command: string, args: string[], cwd: string, logFile: string, signal?: AbortSignal): Promise<void> {
  const log = openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, stdio: ['ignore', log, log], detached: true });
  closeSync(log);
  const stop = () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (exit) => resolve(exit ?? 1));
    }).catch((error: NodeJS.ErrnoException) => {
      throw buildFailed(`${command} could not be started (${error.code ?? error.message})`, logFile);
    });
    if (signal?.aborted) throw new DataStormError('DS_INTERRUPTED', `building ${BINARY} was stopped`, { exitCode: INTERRUPTED_EXIT_CODE });
    if (code !== 0) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-2).join(' | ');
      throw buildFailed(`${command} ${args.join(' ')} exited with code ${code}: ${tail}`, logFile);
    }
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

/** node-rdkafka's tarball, fetched with npm once and kept beside the builds, so a rebuild needs no network. */
async function sourceTarball(buildDir: string, logFile: string, signal?: AbortSignal): Promise<string> {
  const name = `node-rdkafka-${NODE_RDKAFKA_VERSION}.tgz`;
  const cached = join(librdkafkaHome(), name);
  if (existsSync(cached)) return cached;
  await step('npm', ['pack', `node-rdkafka@${NODE_RDKAFKA_VERSION}`, '--pack-destination', buildDir], buildDir, logFile, signal);
  renameSync(join(buildDir, name), cached);
  return cached;
}

/**
 * The path of rdkafka_performance, building it on first use (49-105 s on this 2-core machine, shared): plain ./configure,
 * which leaves out the optional features whose headers are missing (SSL, zstd, SASL GSSAPI), then the static
 * library and the tool. Concurrent builds do not collide: each builds in its own folder and renames the binary
 * into place.
 */
export async function rdkafkaPerformance(options: { log?: (line: string) => void; signal?: AbortSignal } = {}): Promise<string> {
  const cached = cachedRdkafkaPerformance();
  if (cached) return cached;
  const log = options.log ?? (() => undefined);
  const compiler = process.env.CC ?? 'cc';
  const missing = [[compiler, '--version'], ['make', '--version']].filter(([tool, flag]) => !commandWorks(tool, [flag])).map(([tool]) => tool);
  if (missing.length > 0) {
    throw new DataStormError('DS_NO_C_COMPILER', `building librdkafka's ${BINARY} needs a C compiler and make: ` +
      `${missing.join(' and ')} not found on PATH`, {
      hint: 'install them (Debian/Ubuntu: apt-get install build-essential; Fedora/RHEL: dnf install gcc make; ' +
        'macOS: xcode-select --install), or compare with --vs java',
    });
  }
  mkdirSync(librdkafkaHome(), { recursive: true });
  const buildDir = mkdtempSync(join(librdkafkaHome(), `build-${LIBRDKAFKA_VERSION}-`));
  // Beside the build folder, so it outlives a failed build.
  const logFile = `${buildDir}.log`;
  const started = Date.now();
  log(`building ${BINARY} of librdkafka ${LIBRDKAFKA_VERSION} (node-rdkafka ${NODE_RDKAFKA_VERSION}'s bundled sources), ` +
    `once: a minute or two; output in ${logFile}`);
  try {
    const tarball = await sourceTarball(buildDir, logFile, options.signal);
    await step('tar', ['-xzf', tarball, '-C', buildDir, 'package/package.json', 'package/deps/librdkafka'], buildDir, logFile, options.signal);
    const bundled = (JSON.parse(readFileSync(join(buildDir, 'package/package.json'), 'utf8')) as { librdkafka?: string }).librdkafka;
    if (bundled !== LIBRDKAFKA_VERSION) {
      throw buildFailed(`node-rdkafka ${NODE_RDKAFKA_VERSION} bundles librdkafka ${bundled}, not ${LIBRDKAFKA_VERSION}`, logFile);
    }
    const sources = join(buildDir, 'package/deps/librdkafka');
    await step('./configure', [], sources, logFile, options.signal);
    await step('make', [`-j${availableParallelism()}`, '-C', 'src', 'librdkafka.a'], sources, logFile, options.signal);
    await step('make', ['-C', 'examples', BINARY], sources, logFile, options.signal);
    const target = rdkafkaPerformancePath();
    mkdirSync(dirname(target), { recursive: true });
    renameSync(logFile, join(dirname(target), 'build.log'));
    renameSync(join(sources, 'examples', BINARY), target);
    log(`built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
    return target;
  } finally {
    rmSync(buildDir, { recursive: true, force: true });
  }
}
