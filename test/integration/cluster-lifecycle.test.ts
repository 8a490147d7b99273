import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterDown, clusterUp, readClusterState } from '../../src/cluster/launcher.js';
import { DEFAULT_KAFKA_VERSION, type ClusterLayout } from '../../src/cluster/settings.js';
import { describeBrokers } from '../../src/kafka/kafka-client.js';
import { resolveKafkaRuntime } from '../../src/cluster/kafka-runtime.js';
import { runCli } from '../helpers.js';

/** Live processes whose command line names the folder (a zombie's command line is empty). */
function processesUsing(dir: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  });
}

// A second, one-node cluster on its own ports and folder, so the suite's shared cluster is left alone.
// Ports of its own: 9192+ is the SASL_SSL listener of a local cluster started with --security sasl_ssl.
const layout: ClusterLayout = { brokers: 1, basePort: 9892, controllerBasePort: 19892 };

/** A Kafka install as a user would have one: a folder with libs/ (here, the jars Maven resolved). */
function kafkaHomeOfMavenJars(): string {
  const home = mkdtempSync(join(tmpdir(), 'datastorm-kafka-home-'));
  symlinkSync(resolveKafkaRuntime(DEFAULT_KAFKA_VERSION, () => undefined).libDir, join(home, 'libs'));
  return home;
}

describe('cluster up / down', () => {
  it('starts from KAFKA_HOME, replaces stale state, is idempotent, and stops leaving no java process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-lifecycle-'));
    process.env.KAFKA_HOME = kafkaHomeOfMavenJars();
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({ nodes: [{ id: 1, pid: 2 ** 22 + 1, dir: join(dir, 'node-1') }] }));
    const lines: string[] = [];
    const first = await clusterUp({ layout, kafkaVersion: DEFAULT_KAFKA_VERSION, dir, log: (line) => lines.push(line) });
    delete process.env.KAFKA_HOME;
    expect(lines.some((line) => line.includes('stale state'))).toBe(true);
    expect(first.alreadyRunning).toBe(false);
    expect(first).toMatchObject({ source: 'KAFKA_HOME', kafkaVersion: DEFAULT_KAFKA_VERSION });
    expect((await describeBrokers(first.bootstrap)).map((b) => b.port)).toEqual([9892]);
    expect(processesUsing(dir)).toHaveLength(1);

    const again = await clusterUp({ layout, kafkaVersion: DEFAULT_KAFKA_VERSION, dir });
    expect(again.alreadyRunning).toBe(true);
    expect(again.nodes[0].pid).toBe(first.nodes[0].pid);

    expect(await clusterDown(dir)).toEqual([first.nodes[0].pid]);
    expect(processesUsing(dir)).toEqual([]);
    expect(readClusterState(dir)).toBeUndefined();
    expect(existsSync(join(dir, 'node-1', 'server.log'))).toBe(true);
  });

  it('refuses a port that is already taken, naming it', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(9992, '127.0.0.1', resolve));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'datastorm-taken-'));
      await expect(clusterUp({ layout: { brokers: 1, basePort: 9992, controllerBasePort: 19992 }, kafkaVersion: DEFAULT_KAFKA_VERSION, dir }))
        .rejects.toThrow(/port 9992 on 127.0.0.1 \(node 1\) is already in use/);
      expect(processesUsing(dir)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('without Java names the three ways to get a cluster, in one line', () => {
    const run = runCli(['cluster', 'up', '--dir', mkdtempSync(join(tmpdir(), 'datastorm-nojava-'))], {
      env: { PATH: '/nonexistent', DATASTORM_HOME: mkdtempSync(join(tmpdir(), 'datastorm-home-')) },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^error DS_NO_JAVA: java was not found on PATH.*Maven.*KAFKA_HOME.*docker compose/);
  });

  it('refuses a KAFKA_HOME that is not a Kafka install', () => {
    const home = mkdtempSync(join(tmpdir(), 'datastorm-bad-home-'));
    mkdirSync(join(home, 'libs'));
    const run = runCli(['kafka-tool', 'topics', '--', '--list'], { env: { KAFKA_HOME: home, DATASTORM_HOME: mkdtempSync(join(tmpdir(), 'datastorm-home-')) } });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^error DS_BAD_KAFKA_HOME: no kafka_2\.x-<version>\.jar in .*libs/);
  });
});

describe('kafka-tool --kafka-version', () => {
  /** The state of a local cluster of the default release (its jars are all kafka-tool reads of it): what the option overrides. */
  function localClusterOfDefault(): Record<string, string> {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-tool-cluster-'));
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify({
      kafkaVersion: DEFAULT_KAFKA_VERSION, libDir: resolveKafkaRuntime(DEFAULT_KAFKA_VERSION, () => undefined).libDir, source: 'maven', nodes: [],
    }));
    return { DATASTORM_CLUSTER_DIR: dir };
  }
  const versionOfTool = (args: string[], env: Record<string, string>) => runCli(['kafka-tool', 'topics', ...args, '--', '--version'], { env, timeoutMs: 300_000 });

  it('runs the jars of the release it names (resolved with Maven on first use), else the local cluster\'s', () => {
    const env = localClusterOfDefault();
    const local = versionOfTool([], env);
    expect([local.code, local.stdout]).toEqual([0, `${DEFAULT_KAFKA_VERSION}\n`]);
    const named = versionOfTool(['--kafka-version', '3.9.1'], env);
    expect([named.code, named.stdout], named.stderr).toEqual([0, '3.9.1\n']);
  }, 300_000);

  it('refuses a release Maven Central does not have in one line naming it, before running a tool, and leaves no folder for it', () => {
    const home = mkdtempSync(join(tmpdir(), 'datastorm-home-'));
    const run = versionOfTool(['--kafka-version', '4.3.99'], { ...localClusterOfDefault(), DATASTORM_HOME: home });
    expect([run.code, run.stdout]).toEqual([1, '']);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      `resolving Apache Kafka 4.3.99 jars with Maven into ${join(home, 'kafka', '4.3.99', 'libs')} (once; tens of MB)`,
      'error DS_UNKNOWN_KAFKA_VERSION: Apache Kafka 4.3.99 cannot be resolved from Maven Central: org.apache.kafka:kafka_2.13:jar:4.3.99 is not there ' +
        `(releases are listed at https://repo.maven.apache.org/maven2/org/apache/kafka/kafka_2.13/ (e.g. --kafka-version ${DEFAULT_KAFKA_VERSION}), or set KAFKA_HOME)`,
    ]);
    expect(existsSync(join(home, 'kafka', '4.3.99'))).toBe(false);
  }, 120_000);

  it('refuses a release outside 3.9.x to 4.4.x in one line, before Maven or Java is asked anything', () => {
    const home = mkdtempSync(join(tmpdir(), 'datastorm-home-'));
    const refusal = (version: string) => `error DS_BAD_OPTION: --kafka-version ${version}: DataStorm runs Apache Kafka 3.9.x to 4.4.x ` +
      '(give a release from 3.9.x to 4.4.x (docs/kafka-versions.md lists those tested), or --bootstrap-server for a cluster of another version)';
    for (const args of [['kafka-tool', 'topics', '--kafka-version', '9.9.9', '--', '--version'], ['cluster', 'up', '--kafka-version', '3.8.1'],
      ['cluster', 'compose', '--kafka-version', '4.5.0']]) {
      // No java, no mvn on PATH: the refusal comes first.
      const run = runCli(args, { env: { ...localClusterOfDefault(), DATASTORM_HOME: home, PATH: '/nonexistent' } });
      expect([run.code, run.stdout, run.stderr]).toEqual([1, '', `${refusal(args.at(args.indexOf('--kafka-version') + 1)!)}\n`]);
    }
    expect(readdirSync(home)).toEqual([]);
  });

  it('refuses a release other than the one KAFKA_HOME holds, in one line', () => {
    const run = versionOfTool(['--kafka-version', '3.9.1'], { ...localClusterOfDefault(), KAFKA_HOME: kafkaHomeOfMavenJars() });
    expect([run.code, run.stdout]).toEqual([1, '']);
    const release = DEFAULT_KAFKA_VERSION.replaceAll('.', '\\.');
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^error DS_KAFKA_VERSION_MISMATCH: --kafka-version 3\\.9\\.1: KAFKA_HOME=\\S+ ` +
      `holds Kafka ${release} \\(unset KAFKA_HOME to resolve Kafka 3\\.9\\.1 from Maven Central, or leave out --kafka-version\\)$`))]);
  });
});
