import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DataStormError } from '../shared/errors.js';
import { kafkaRelease } from '../kafka/kafka-releases.js';
import { projectRoot } from '../shared/paths.js';
import { DEFAULT_KAFKA_VERSION } from './settings.js';

/** Where Kafka's jars come from: a Maven-resolved cache, or an existing install named by KAFKA_HOME. */
export interface KafkaRuntime {
  version: string;
  libDir: string;
  source: 'maven' | 'KAFKA_HOME';
}

export function datastormHome(): string {
  return process.env.DATASTORM_HOME ?? join(homedir(), '.datastorm');
}

const NO_CLUSTER_HINT =
  'three ways to get a cluster: install Java 17+ and Maven (DataStorm resolves Kafka from Maven Central), ' +
  'or set KAFKA_HOME to an Apache Kafka install, or run docker compose -f docker/docker-compose.yml up -d ' +
  'and pass --bootstrap-server 127.0.0.1:9092';

export function commandWorks(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

export function requireJava(): void {
  if (!commandWorks('java', ['-version'])) {
    throw new DataStormError('DS_NO_JAVA', 'java was not found on PATH; the local Kafka cluster needs Java 17+', {
      hint: NO_CLUSTER_HINT,
    });
  }
}

function versionOfInstall(libDir: string): string {
  const jar = readdirSync(libDir).find((name) => /^kafka_2\.\d+-.+\.jar$/.test(name) && !name.includes('-test'));
  if (!jar) {
    throw new DataStormError('DS_BAD_KAFKA_HOME', `no kafka_2.x-<version>.jar in ${libDir}`, {
      hint: 'KAFKA_HOME must point at an unpacked Apache Kafka release (it has a libs/ folder)',
    });
  }
  return jar.replace(/^kafka_2\.\d+-/, '').replace(/\.jar$/, '');
}

/**
 * Finds Kafka's jars: KAFKA_HOME when set, else the cache for `version`, resolving it with Maven on first use; either
 * must be a release DataStorm supports (src/kafka/kafka-releases.ts).
 * The cache is complete or absent: Maven writes into a temporary folder renamed into place at the end.
 */
export function resolveKafkaRuntime(version: string, log: (line: string) => void): KafkaRuntime {
  const kafkaHome = process.env.KAFKA_HOME;
  if (kafkaHome) {
    const libDir = join(kafkaHome, 'libs');
    if (!existsSync(libDir)) {
      throw new DataStormError('DS_BAD_KAFKA_HOME', `KAFKA_HOME=${kafkaHome} has no libs/ folder`, {
        hint: 'point KAFKA_HOME at an unpacked Apache Kafka release, or unset it to resolve Kafka with Maven',
      });
    }
    const installed = versionOfInstall(libDir);
    kafkaRelease(installed, `KAFKA_HOME=${kafkaHome} holds Kafka`);
    return { version: installed, libDir, source: 'KAFKA_HOME' };
  }
  // Before anything is downloaded: a release outside the supported lines is refused in one line.
  kafkaRelease(version);
  const libDir = join(datastormHome(), 'kafka', version, 'libs');
  if (existsSync(join(libDir, '.complete'))) return { version, libDir, source: 'maven' };

  resolveIntoCache(libDir, {
    what: `Kafka ${version}`,
    log: () => log(`resolving Apache Kafka ${version} jars with Maven into ${libDir} (once; tens of MB)`),
    mavenArgs: (staging) => ['-f', join(projectRoot(), 'src/cluster/pom.xml'), 'dependency:copy-dependencies', `-Dkafka.version=${version}`,
      '-DincludeScope=runtime', `-DoutputDirectory=${staging}`],
    failure: (output) => mavenFailure(version, output),
    hint: NO_CLUSTER_HINT,
  });
  return { version, libDir, source: 'maven' };
}

/**
 * Fills `folder` of the DataStorm home with what Maven resolves (`mavenArgs` writes into the staging folder it is
 * given), once: the folder is complete or absent, Maven writing into a temporary folder at the home's top, renamed
 * into place at the end (what Maven cannot resolve leaves no folder behind). `failure` reads Maven's output into one line.
 */
export function resolveIntoCache(folder: string, how: {
  what: string; log: () => void; mavenArgs: (staging: string) => string[]; failure: (output: string) => DataStormError; hint: string;
}): void {
  if (existsSync(join(folder, '.complete'))) return;
  if (!commandWorks('mvn', ['-v'])) {
    throw new DataStormError('DS_NO_MAVEN', `${how.what} is not cached and mvn was not found on PATH`, { hint: how.hint });
  }
  const home = datastormHome();
  const staging = join(home, `.partial-${basename(folder)}-${process.pid}`);
  // Maven runs in a scratch folder: a pom.xml in the user's folder would be its project, and without a project a
  // plugin writes its markers into a folder literally named ${project.basedir}.
  const scratch = `${staging}.maven`;
  for (const made of [staging, scratch]) rmSync(made, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  how.log();
  const result = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', ...how.mavenArgs(staging)], { encoding: 'utf8', cwd: scratch });
  rmSync(scratch, { recursive: true, force: true });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw how.failure(`${result.stdout}${result.stderr}`);
  }
  writeFileSync(join(staging, '.complete'), `${how.what}\n`);
  mkdirSync(dirname(folder), { recursive: true });
  rmSync(folder, { recursive: true, force: true });
  renameSync(staging, folder);
}

/** Maven's first error line, without its [ERROR] mark. */
export function mavenErrorLine(output: string): string {
  return (output.split('\n').find((line) => line.includes('ERROR')) ?? '').replace(/^\[ERROR\]\s*/, '').trim();
}

/** Why Maven could not resolve a release, in one line: a jar Maven Central does not have is named. */
function mavenFailure(version: string, output: string): DataStormError {
  const hint = `releases are listed at https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/ (e.g. --kafka-version ${DEFAULT_KAFKA_VERSION}), or set KAFKA_HOME`;
  // Maven's two wordings: the first attempt, and a failure it cached.
  const missing = /Could not find artifact (\S+)|(\S+) was not found in/.exec(output);
  if (missing) {
    return new DataStormError('DS_UNKNOWN_KAFKA_VERSION', `Apache Kafka ${version} cannot be resolved from Maven Central: ${missing[1] ?? missing[2]} is not there`, { hint });
  }
  return new DataStormError('DS_MAVEN_FAILED', `Maven could not resolve Apache Kafka ${version}: ${mavenErrorLine(output)}`, { hint });
}

/** The java command line that runs one of Kafka's main classes from the runtime's jars. */
export function javaArgs(runtime: KafkaRuntime, mainClass: string, args: string[], jvmFlags: string[] = []): string[] {
  return [...jvmFlags, '-cp', join(runtime.libDir, '*'), mainClass, ...args];
}
