import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterState } from '../../src/cluster/launcher.js';
import { ownClusterDir, runCli, startOwnCluster, stopOwnCluster, uniqueTopic } from '../helpers.js';

// Its own 2-node cluster with a SASL_SSL listener (its own ports and folder), as `cluster up --security sasl_ssl` makes it.
const dir = ownClusterDir('security');
const outDir = mkdtempSync(join(tmpdir(), 'datastorm-security-out-'));
const layout = { brokers: 2, basePort: 9692, controllerBasePort: 19692, saslSslBasePort: 9792 };
let cluster: ClusterState;
let props: string;
let password: string;
let secure: string;
const env = { DATASTORM_CLUSTER_DIR: dir };
/** Every output of the secured runs: stdout, stderr and the files they wrote, searched for the password at the end. */
const outputs: string[] = [];
const cli = (args: string[], timeoutMs = 180_000) => {
  const result = runCli(args, { env, timeoutMs });
  outputs.push(result.stdout, result.stderr);
  return result;
};

beforeAll(async () => {
  cluster = await startOwnCluster(dir, layout);
  props = cluster.saslSsl!.clientProperties;
  password = /password="([^"]+)"/.exec(readFileSync(props, 'utf8'))![1];
  secure = cluster.saslSsl!.bootstrap.join(',');
}, 180_000);
afterAll(() => stopOwnCluster(dir, cluster));

/** A copy of the client properties with some lines changed (or removed with undefined). */
function propsWith(changes: Record<string, string | undefined>): string {
  const lines = readFileSync(props, 'utf8').trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]);
  const merged = new Map([...lines, ...Object.entries(changes)]);
  const file = join(outDir, `props-${Math.random().toString(36).slice(2)}.properties`);
  writeFileSync(file, [...merged].filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join('\n'));
  return file;
}

/** Records on the topic, counted by Kafka's own GetOffsetShell over the SASL_SSL listener with the same file. */
function javaOffsetTotal(topic: string): number {
  const result = cli(['kafka-tool', 'get-offsets', '--', '--bootstrap-server', secure, '--command-config', props, '--topic', topic]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim().split('\n').reduce((sum, line) => sum + Number(line.split(':')[2]), 0);
}

describe('a SASL_SSL listener (SCRAM-SHA-512 over TLS) with the client properties cluster up wrote', () => {
  it('cluster status names the client properties file, and the file is Kafka\'s own client properties', () => {
    const status = cli(['cluster', 'status', '--dir', dir]);
    expect(status.stderr).toContain(`SASL_SSL listener 127.0.0.1:9792,127.0.0.1:9793 (user datastorm, SCRAM-SHA-512 or PLAIN); client properties: ${props}`);
    expect(readFileSync(props, 'utf8')).toMatch(/^security\.protocol=SASL_SSL\nsasl\.mechanism=SCRAM-SHA-512\nsasl\.jaas\.config=.+\nssl\.truststore\.type=PEM\nssl\.truststore\.location=.+ca\.pem\n$/);
  });

  it('produce, consume, e2e, lag and replay-check work, and Kafka\'s Java GetOffsetShell counts exactly the records produced', () => {
    const topic = uniqueTopic('sec');
    const produced = cli(['produce', '--bootstrap-server', secure, '--producer.config', props, '--topic', topic, '--num-records', '20000',
      '--workers', '2', '--partitions', '4', '--replication', '2', '--json']);
    expect(produced.code, produced.stderr).toBe(0);
    const result = JSON.parse(produced.stdout);
    expect(result.accounting.brokerOffsetGrowth).toBe(20000);
    expect(result.config.security).toMatchObject({ protocol: 'SASL_SSL', sasl: { mechanism: 'SCRAM-SHA-512', username: 'datastorm', password: '***' } });
    expect(produced.stderr).toContain('over SASL_SSL SCRAM-SHA-512 user datastorm');
    expect(javaOffsetTotal(topic)).toBe(20000);

    const consumed = cli(['consume', '--bootstrap-server', secure, '--consumer.config', props, '--topic', topic, '--num-records', '20000', '--json']);
    expect(consumed.code, consumed.stderr).toBe(0);
    expect(JSON.parse(consumed.stdout).totals.records).toBe(20000);

    const group = uniqueTopic('sec-group');
    const replay = cli(['replay-check', '--bootstrap-server', secure, '--command-config', props, '--topic', topic, '--group', group, '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout).passes.map((p: { records: number }) => p.records)).toEqual([20000, 20000]);

    const lag = cli(['lag', '--bootstrap-server', secure, '--command-config', props, '--group', group, '--topic', topic, '--duration', '2s',
      '--chart', join(outDir, 'lag.svg'), '--json']);
    expect(lag.code, lag.stderr).toBe(0);
    expect(JSON.parse(lag.stdout).samples.at(-1).totalLag).toBe(0);

    const e2e = cli(['e2e', '--bootstrap-server', secure, '--consumer.config', props, '--topic', uniqueTopic('sec-e2e'), '--rate', '500',
      '--duration', '3s', '--partitions', '2', '--replication', '2', '--json']);
    expect(e2e.code, e2e.stderr).toBe(0);
    const e2eResult = JSON.parse(e2e.stdout);
    expect(e2eResult.accounting.match).toBe(true);
    expect(e2eResult.consumed).toBe(e2eResult.producer.acknowledgedRecords);
  }, 600_000);

  it('--driver platformatic produces and reads over TLS with SCRAM-SHA-512 and PLAIN, counted by Kafka\'s Java GetOffsetShell', () => {
    const topic = uniqueTopic('sec-platformatic');
    const produced = cli(['produce', '--driver', 'platformatic', '--bootstrap-server', secure, '--producer.config', props, '--topic', topic,
      '--num-records', '20000', '--workers', '2', '--partitions', '4', '--replication', '2', '--json']);
    expect(produced.code, produced.stderr).toBe(0);
    expect(JSON.parse(produced.stdout).accounting).toMatchObject({ acknowledgedRecords: 20000, brokerOffsetGrowth: 20000, match: true });
    expect(produced.stderr).toContain('over SASL_SSL SCRAM-SHA-512 user datastorm: driver platformatic');
    expect(javaOffsetTotal(topic)).toBe(20000);

    const plain = propsWith({ 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="datastorm" password="${password}";` });
    for (const config of [props, plain]) {
      const group = uniqueTopic('sec-platformatic-group');
      const consumed = cli(['consume', '--driver', 'platformatic', '--bootstrap-server', secure, '--consumer.config', config, '--topic', topic,
        // --timeout: at load average 20 the first records over TLS came later than the default 10 s without one.
        '--num-records', '20000', '--workers', '2', '--group', group, '--timeout', '60000', '--json']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(JSON.parse(consumed.stdout).accounting).toMatchObject({ countedRecords: 20000, committedOffsetGrowth: 20000, match: true });
    }

    const e2e = cli(['e2e', '--driver', 'platformatic', '--bootstrap-server', secure, '--consumer.config', props, '--topic', uniqueTopic('sec-platformatic-e2e'),
      '--rate', '500', '--duration', '2s', '--partitions', '2', '--replication', '2', '--json']);
    expect(e2e.code, e2e.stderr).toBe(0);
    expect(JSON.parse(e2e.stdout).accounting).toEqual({ producedRecords: 1000, consumedRecords: 1000, brokerOffsetGrowth: 1000, match: true });

    const oauth = cli(['consume', '--driver', 'platformatic', '--bootstrap-server', secure, '--consumer.config',
      propsWith({ 'sasl.mechanism': 'OAUTHBEARER', 'sasl.jaas.config': undefined, 'datastorm.sasl.oauthbearer.token.command': 'echo token' }),
      '--topic', topic, '--num-records', '1']);
    expect(oauth.code).toBe(1);
    expect(oauth.stderr.trim()).toBe('error DS_UNSUPPORTED_BY_DRIVER: --driver platformatic authenticates with PLAIN and SCRAM here, not OAUTHBEARER (use --driver kafkajs for OAUTHBEARER)');
  }, 600_000);

  it('bench run --vs java runs both DataStorm and Kafka\'s ProducerPerformance with the same properties file', () => {
    const workload = join(outDir, 'secured.yaml');
    writeFileSync(workload, 'name: secured\nnum-records: 20000\nworkers: 1\npartitions: 4\nreplication: 2\n');
    const out = join(outDir, 'bench.json');
    const bench = cli(['bench', 'run', workload, '--bootstrap-server', secure, '--command-config', props, '--vs', 'java', '--out', out]);
    expect(bench.code, bench.stderr).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.bench.reference.runs[0].metrics.records_per_sec).toBeGreaterThan(0);
    expect(result.bench.reference.args).toContain('--command-config');
    expect(javaOffsetTotal(result.config.topic)).toBe(40000);
  }, 300_000);

  it('each misconfiguration is one line a user can act on, and exits non-zero before any work', () => {
    const topic = uniqueTopic('sec-err');
    const produce = (args: string[]) => cli(['produce', '--topic', topic, '--num-records', '10', '--workers', '1', '--replication', '2', ...args], 60_000);
    const otherCa = join(outDir, 'other-ca.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=other', '-keyout', join(outDir, 'other.key'), '-out', otherCa], { stdio: 'ignore' });
    const cases: Array<[string[], string]> = [
      [['--bootstrap-server', secure, '--producer.config', propsWith({ 'sasl.jaas.config': 'org.apache.kafka.common.security.scram.ScramLoginModule required username="datastorm" password="wrong";' })],
        'error DS_AUTH_FAILED: authentication failed for user datastorm with mechanism SCRAM-SHA-512 at 127.0.0.1:9792,127.0.0.1:9793'],
      [['--bootstrap-server', secure, '--producer.config', propsWith({ 'ssl.truststore.location': otherCa })],
        `error DS_TLS_UNTRUSTED: the certificate of the brokers at 127.0.0.1:9792,127.0.0.1:9793 is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE): ssl.truststore.location ${otherCa} does not hold the CA that signed it`],
      [['--bootstrap-server', cluster.bootstrap.join(','), '--producer.config', props],
        'error DS_TLS_TO_PLAINTEXT: 127.0.0.1:9692 does not speak TLS (a plaintext listener), but security.protocol is SASL_SSL'],
      [['--bootstrap-server', secure],
        'error DS_PLAINTEXT_TO_TLS: 127.0.0.1:9792 is a TLS listener, but security.protocol is PLAINTEXT'],
      [['--bootstrap-server', secure, '--producer.config', propsWith({ 'sasl.mechanism': 'GSSAPI' })],
        'error DS_BAD_SECURITY_CONFIG: sasl.mechanism GSSAPI is not supported (set sasl.mechanism to one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER)'],
      [['--bootstrap-server', secure, '--producer.config', propsWith({ 'sasl.mechanism': 'OAUTHBEARER', 'sasl.jaas.config': undefined,
        'datastorm.sasl.oauthbearer.token.command': 'echo token' })],
        'error DS_SASL_MECHANISM: the brokers at 127.0.0.1:9792,127.0.0.1:9793 do not enable SASL mechanism OAUTHBEARER'],
      [['--bootstrap-server', secure, '--producer.config', propsWith({ 'ssl.truststore.location': join(outDir, 'missing.pem') })],
        `error DS_BAD_SECURITY_CONFIG: ssl.truststore.location ${join(outDir, 'missing.pem')} cannot be read (ENOENT)`],
    ];
    for (const [args, line] of cases) {
      const result = produce(args);
      expect(result.code, result.stderr).not.toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0].startsWith(line), lines[0]).toBe(true);
    }
    const consume = cli(['consume', '--bootstrap-server', secure, '--command-config', propsWith({ 'sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required username="datastorm" password="wrong";', 'sasl.mechanism': 'PLAIN' }),
      '--topic', topic, '--num-records', '1']);
    expect(consume.stderr.trim()).toMatch(/^error DS_AUTH_FAILED: authentication failed for user datastorm with mechanism PLAIN at 127\.0\.0\.1:9792,127\.0\.0\.1:9793 \(/);
  }, 300_000);

  it('the password appears in no output of the secured runs: stdout, stderr, JSON and result files', () => {
    expect(outputs.length).toBeGreaterThan(20);
    const files = readdirSync(outDir).filter((f) => !f.endsWith('.properties')).map((f) => readFileSync(join(outDir, f), 'utf8'));
    expect(files.length).toBeGreaterThan(1);
    const everything = [...outputs, ...files].join('\n');
    expect(everything).toContain('datastorm'); // the user name is shown
    expect(everything).not.toContain(password);
  });
});
