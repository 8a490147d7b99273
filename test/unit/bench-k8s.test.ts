import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { mergeWaitMs, renderK8sBenchManifests, splitWorkloadSecrets } from '../../src/bench/k8s-manifests.js';
import { readWorkload } from '../../src/bench/workload.js';
import { propertyLines } from '../../src/shared/properties-file.js';
import { errorOf, runCli } from '../helpers.js';
import { k8sSchemaProblems } from '../k8s-schema.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const documents = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as Record<string, any>);
const scratch = () => mkdtempSync(join(tmpdir(), 'datastorm-k8s-'));

const PASSWORD = 'S3cr3t-Pa55word';
const KEY_PASSWORD = 'Key-Pa55-7f3e';
const JAAS = `org.apache.kafka.common.security.scram.ScramLoginModule required username="bench" password="${PASSWORD}";`;
/** A workload as a user writes one for a SASL_SSL cluster: the login inline among the producer's properties. */
const SASL_WORKLOAD = `# 300 records/s over SASL_SSL
name: sasl-load
duration: 30s
throughput: 300
workers: 6
producer:
  acks: all
  security.protocol: SASL_SSL
  sasl.mechanism: SCRAM-SHA-512
  sasl.jaas.config: '${JAAS}'
  ssl.key.password: ${KEY_PASSWORD}
  linger.ms: 5
`;

function k8s(workloadText: string, extra: string[] = []) {
  const dir = scratch();
  writeFileSync(join(dir, 'sasl.yaml'), workloadText);
  const run = runCli(['bench', 'k8s', '--workload', 'sasl.yaml', '--shards', '3', '--image', 'registry.example.com/datastorm:0.1.0',
    '--bootstrap-server', 'kafka-0.kafka:9093', '--start-at', '2030-01-01T00:00:00Z', ...extra], { cwd: dir });
  return { ...run, dir };
}

describe('bench k8s: a workload\'s secret client properties', () => {
  it('never reach stdout, stderr or the --out file: the ConfigMap holds the rest, the shards read them from a Secret', () => {
    const printed = k8s(SASL_WORKLOAD);
    const written = k8s(SASL_WORKLOAD, ['--out', 'bench.yaml']);
    expect([printed.code, written.code], printed.stderr + written.stderr).toEqual([0, 0]);
    const file = readFileSync(join(written.dir, 'bench.yaml'), 'utf8');
    for (const output of [printed.stdout, printed.stderr, written.stdout, written.stderr, file]) {
      expect(output).not.toContain(PASSWORD);
      expect(output).not.toContain(KEY_PASSWORD);
    }
    expect(written.stderr).toBe(`${printed.stderr}manifests of 3 shards written to bench.yaml; ` +
      'start barrier 2030-01-01T00:00:00.000Z, merge deadline 2030-01-01T00:11:00.000Z\n');
    expect(file).toBe(printed.stdout);
    // What to create, said where the user sees it: a command with a file to fill in, no value.
    expect(printed.stderr.split('\n')).toEqual([
      'The shards read the workload\'s sasl.jaas.config, ssl.key.password (kept out of these manifests) from the Secret',
      'datastorm-bench-client, key producer.properties: a properties file, as bench run --producer.config reads it.',
      'Create it before applying, from a file of the lines sasl.jaas.config=..., ssl.key.password=...:',
      '  kubectl create secret generic datastorm-bench-client --from-file=producer.properties=client-secrets.properties',
      '',
    ]);
    expect(printed.stdout).toContain('#   kubectl create secret generic datastorm-bench-client --from-file=producer.properties=client-secrets.properties\n');
    expect(k8sSchemaProblems(printed.stdout)).toEqual([]);

    const [config, , job] = documents(printed.stdout);
    const pod = job.spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'client-secrets', secret: { secretName: 'datastorm-bench-client' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'client-secrets', mountPath: '/secrets', readOnly: true });
    expect(pod.containers[0].args[0]).toMatch(/^datastorm bench run \/workload\/workload\.yaml --producer\.config \/secrets\/producer\.properties --shard /);
    expect(parseYaml(config.data['workload.yaml']).producer).toEqual({
      acks: 'all', 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'linger.ms': 5,
    });

    // A pod reads the ConfigMap's workload with the Secret's file (--producer.config): the run the user wrote, secrets included.
    const pod1 = scratch();
    writeFileSync(join(pod1, 'workload.yaml'), config.data['workload.yaml']);
    const secretFile = `sasl.jaas.config=${JAAS}\nssl.key.password=${KEY_PASSWORD}\n`;
    const inPod = readWorkload(join(pod1, 'workload.yaml'), propertyLines(secretFile).map((line) => `producer.${line}`));
    expect(inPod.config).toEqual(readWorkload(join(printed.dir, 'sasl.yaml')).config);
    expect(inPod.config.security.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'bench', password: PASSWORD });
  });

  it('--secret-name names a Secret the user keeps; a workload with no secrets mounts none', () => {
    const named = k8s(SASL_WORKLOAD, ['--secret-name', 'kafka-bench-login']);
    expect(named.code, named.stderr).toBe(0);
    expect(documents(named.stdout)[2].spec.template.spec.volumes).toContainEqual({ name: 'client-secrets', secret: { secretName: 'kafka-bench-login' } });
    expect(named.stderr).toContain('  kubectl create secret generic kafka-bench-login --from-file=producer.properties=client-secrets.properties\n');
    expect(k8sSchemaProblems(named.stdout)).toEqual([]);

    const plain = SASL_WORKLOAD.replace(/^ {2}(security|sasl|ssl)\..*\n/gm, '');
    const none = k8s(plain);
    expect([none.code, none.stderr]).toEqual([0, '']);
    expect(none.stdout).not.toContain('secret');
    expect(documents(none.stdout)[0].data['workload.yaml']).toBe(plain);

    const bad = k8s(SASL_WORKLOAD, ['--secret-name', 'Kafka_Login']);
    expect([bad.code, bad.stdout]).toEqual([1, '']);
    expect(bad.stderr).toMatch(/^error: option '--secret-name <name>' argument 'Kafka_Login' is invalid\. --secret-name takes a Kubernetes name .*\n$/);
  });

  it('refuses a workload whose secret also shows elsewhere (a comment), in one line without the secret', () => {
    const run = k8s(SASL_WORKLOAD.replace('  linger.ms: 5\n', `  linger.ms: 5\n# old login: password="${PASSWORD}"\n`));
    expect([run.code, run.stdout]).toEqual([1, '']);
    expect(run.stderr).toMatch(/^error DS_BAD_WORKLOAD: sasl\.yaml: the secret of producer sasl\.jaas\.config also appears elsewhere in the file/);
    expect(run.stderr).not.toContain(PASSWORD);
    expect(errorOf(() => splitWorkloadSecrets(`producer:\n  ssl.key.password: ${KEY_PASSWORD}\ndescription: ${KEY_PASSWORD}\n`, 'w.yaml')).code)
      .toBe('DS_BAD_WORKLOAD');
  });
});

describe('bench k8s: the merge\'s deadline', () => {
  /** The merge's wait as `bench k8s` gives it to the init container: its script and environment. */
  const waitStep = documents(k8s(SASL_WORKLOAD).stdout)[3].spec.template.spec.initContainers[0];
  const envOf = (results: string, deadlineEpochS: number) => ({
    PATH: process.env.PATH!,
    ...Object.fromEntries(waitStep.env.map(({ name, value }: { name: string; value: string }) => [name, value])),
    RESULTS: results, DEADLINE_EPOCH_S: String(deadlineEpochS),
  });
  const nowS = () => Math.floor(Date.now() / 1000);
  const results = (...shards: number[]) => {
    const dir = scratch();
    for (const shard of shards) writeFileSync(join(dir, `shard-${shard}.json`), '{}');
    return dir;
  };
  const waitFor = (dir: string, deadlineEpochS: number) =>
    spawnSync('sh', ['-c', waitStep.args[0]], { cwd: dir, env: envOf(dir, deadlineEpochS), encoding: 'utf8', timeout: 30_000 });

  it('is given the shards, the results folder and the deadline, twice the 30 s run and 10 minutes past the barrier', () => {
    expect(waitStep.command).toEqual(['sh', '-c']);
    expect(waitStep.env).toEqual([
      { name: 'SHARDS', value: '3' }, { name: 'RESULTS', value: '/results' }, { name: 'DEADLINE', value: '2030-01-01T00:11:00.000Z' },
      { name: 'DEADLINE_EPOCH_S', value: String(Date.parse('2030-01-01T00:11:00Z') / 1000) },
    ]);
    expect(waitStep.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('ends at once when every shard\'s result is there (a half-written .partial is not)', () => {
    const dir = results(1, 2, 3);
    expect(waitFor(dir, nowS() + 3600)).toMatchObject({ status: 0, stderr: '' });
    const partial = results(1, 3);
    writeFileSync(join(partial, 'shard-2.json.partial'), '{');
    expect(waitFor(partial, nowS() - 1).status).toBe(1);
  });

  it('past the deadline, ends non-zero naming the shards with no result, and the merge does not run', () => {
    const run = waitFor(results(1, 3), nowS() - 1);
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('error DS_SHARDS_MISSING: no result from shard 2/3 by the merge deadline 2030-01-01T00:11:00.000Z; nothing merged: ' +
      'the other shards are not the whole load (kubectl get pods -l app=datastorm-bench shows theirs)\n');
  });

  it('waits until the deadline, then names every missing shard', () => {
    const dir = results();
    const deadline = nowS() + 2;
    const run = waitFor(dir, deadline);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline * 1000);
    expect([run.status, run.stderr.split(';')[0]]).toEqual([1, 'error DS_SHARDS_MISSING: no result from shard 1/3, 2/3, 3/3 by the merge deadline 2030-01-01T00:11:00.000Z']);
  });

  it('takes a result that arrives before the deadline', async () => {
    const dir = results(1, 3);
    const child = spawn('sh', ['-c', waitStep.args[0]], { env: envOf(dir, nowS() + 600), stdio: 'ignore', timeout: 30_000 });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Most likely while it sleeps between two looks; either way it must end 0.
    setTimeout(() => writeFileSync(join(dir, 'shard-2.json'), '{}'), 1000);
    expect(await exited).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['shard-1.json', 'shard-2.json', 'shard-3.json']);
  });

  it('defaults to twice the run and 10 minutes past the barrier, an hour when the run\'s length is unknown; a given one must outlast the run', () => {
    const config = (text: string) => readWorkload(writeWorkload(text)).config;
    expect(mergeWaitMs(config('duration: 60s\nworkers: 2\n'))).toBe(720_000);
    expect(mergeWaitMs(config('num-records: 1000000\nthroughput: 10000\nworkers: 2\n'))).toBe(800_000);
    expect(mergeWaitMs(config('num-records: 1000000\nworkers: 2\n'))).toBe(3_600_000);
    expect(mergeWaitMs(config('duration: 60s\nworkers: 2\n'), 90_000)).toBe(90_000);
    expect(errorOf(() => mergeWaitMs(config('duration: 60s\nworkers: 2\n'), 30_000)).message)
      .toBe('--merge-deadline 30s does not outlast the run (60s after the barrier)');
  });

  it('is set by --merge-deadline, after the barrier, and said in the header', () => {
    const run = k8s(SASL_WORKLOAD, ['--merge-deadline', '20m']);
    expect(run.code, run.stderr).toBe(0);
    expect(documents(run.stdout)[3].spec.template.spec.initContainers[0].env[2]).toEqual({ name: 'DEADLINE', value: '2030-01-01T00:20:00.000Z' });
    expect(run.stdout).toContain('# The merge waits for every shard\'s result until 2030-01-01T00:20:00.000Z (--merge-deadline), then fails naming the shards\n');
    const early = k8s(SASL_WORKLOAD, ['--merge-deadline', '10s']);
    expect([early.code, early.stdout, early.stderr]).toEqual([1, '',
      'error DS_BAD_OPTION: --merge-deadline 10s does not outlast the run (30s after the barrier) ' +
      '(give the shards time to finish and write their results, e.g. twice the run)\n']);
  });
});

function writeWorkload(text: string): string {
  const file = join(scratch(), 'w.yaml');
  writeFileSync(file, text);
  return file;
}

describe('bench k8s: the manifests against Kubernetes\' published schemas', () => {
  it('docker/k8s-bench-job.yaml and renders of 2 to 1000 shards, with and without a Secret, are valid objects with only known fields', () => {
    expect(k8sSchemaProblems(readFileSync(`${ROOT}docker/k8s-bench-job.yaml`, 'utf8'))).toEqual([]);
    const plan = {
      workloadFile: 'w.yaml', workloadText: 'name: w\n', image: 'img', bootstrap: 'k:9092',
      startAt: '2030-01-01T00:00:00.000Z', mergeDeadline: '2030-01-01T00:12:00.000Z',
    };
    for (const shards of [2, 1000]) {
      expect(k8sSchemaProblems(renderK8sBenchManifests({ ...plan, shards }))).toEqual([]);
      expect(k8sSchemaProblems(renderK8sBenchManifests({ ...plan, shards, secret: { name: 'login', keys: ['sasl.jaas.config'] } }))).toEqual([]);
    }
  });

  it('the check itself refuses a wrong type (an unquoted time is one in YAML 1.1), a missing required field and a field Kubernetes does not know', () => {
    const text = renderK8sBenchManifests({
      workloadFile: 'w.yaml', workloadText: 'name: w\n', shards: 2, image: 'img', bootstrap: 'k:9092',
      startAt: '2030-01-01T00:00:00.000Z', mergeDeadline: '2030-01-01T00:12:00.000Z', secret: { name: 'login', keys: [] },
    });
    expect(k8sSchemaProblems(text.replace('completions: 2', 'completions: "2"'))).toEqual(['Job datastorm-bench: data/spec/completions must be integer']);
    expect(k8sSchemaProblems(text.replace('value: "2030-01-01T00:12:00.000Z"', 'value: 2030-01-01T00:12:00.000Z'))).toEqual([
      'Job datastorm-bench-merge: data/spec/template/spec/initContainers/0/env/2/value must be string',
    ]);
    expect(k8sSchemaProblems(text.replace('secretName: login', 'name: login'))).toEqual(['Job datastorm-bench: data/spec/template/spec/volumes/1/secret/name: unknown field']);
    expect(k8sSchemaProblems(text.replace('        - name: merge\n', '        - nam: merge\n'))).toEqual([
      'Job datastorm-bench-merge: data/spec/template/spec/containers/0 must have required property name',
    ]);
  });
});
