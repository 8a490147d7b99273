import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readWorkload } from '../../src/bench/workload.js';
import { shardConfig } from '../../src/bench/shard.js';
import { renderK8sBenchManifests } from '../../src/bench/k8s-manifests.js';
import { buildProgram, commandNames } from '../../src/cli/main.js';
import { docExamples, ROOT, shellArgv, type Example } from '../docs.js';

/** The example files users copy: every datastorm command in them must be one this CLI accepts. */
const documents = (file: string) => parseAllDocuments(readFileSync(`${ROOT}${file}`, 'utf8')).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Record<string, any>;
});

/** The argv a shell gives `datastorm` for a command line; the line must be one sh runs. */
function datastormArgv(line: string, env: Record<string, string> = {}): string[][] {
  const { status, stderr, argvs } = shellArgv('datastorm', line, env);
  expect(status, `${line}: ${stderr}`).toBe(0);
  return argvs;
}

/** The whole CLI, every command loaded. */
let program: Command;
beforeAll(async () => { program = await buildProgram(); });

/** Walks the subcommands; every --flag must be an option of the command reached, every file under `shipped` must exist. */
function checkArgv(argv: string[], shipped = 'benchmarks/workloads/', where = argv.join(' ')): string {
  let command: Command = program;
  let i = 0;
  for (; i < argv.length; i++) {
    const sub = command.commands.find((c) => c.name() === argv[i]);
    if (!sub) break;
    command = sub;
  }
  const path = argv.slice(0, i).join(' ');
  // After a bare --, the arguments are another tool's (kafka-tool passes them to Kafka's).
  const own = argv.includes('--') ? argv.slice(i, argv.indexOf('--')) : argv.slice(i);
  // A command with subcommands takes none but options (`datastorm --version`), or is only named (`datastorm bench`).
  if (command.commands.length > 0) expect(own.filter((a) => !a.startsWith('-')), `${where}: "${path}" is a complete command`).toEqual([]);
  for (const flag of own.filter((a) => a.startsWith('--'))) {
    // Every command takes --help (commander's own option, not in its list).
    expect([...command.options.map((o) => o.long), '--help'], `${where}: ${path} ${flag}`).toContain(flag);
  }
  for (const file of argv.filter((a) => a.startsWith(shipped))) expect(existsSync(`${ROOT}${file}`), `${where}: ${file}`).toBe(true);
  return path;
}

/** Each example runs datastorm at least once, with arguments this CLI accepts. */
function checkExamples(examples: Example[]): void {
  for (const { file, line } of examples) {
    const argvs = datastormArgv(line);
    expect(argvs.length, `${file}: ${line}`).toBeGreaterThan(0);
    // Everything under benchmarks/ that a DataStorm example names ships with DataStorm.
    for (const argv of argvs) checkArgv(argv, 'benchmarks/', `${file}: ${line}`);
  }
}

describe('the examples in --help texts', () => {
  const examples = readdirSync(`${ROOT}src/cli`).flatMap((file) => readFileSync(`${ROOT}src/cli/${file}`, 'utf8').split('\n')
    .filter((line) => /^\s*datastorm [a-z]/.test(line))
    .map((line) => ({ file: `src/cli/${file}`, line: line.trim().replace(/`\)?;?$/, '') })));

  it('are commands this CLI accepts, naming files that exist', () => {
    expect(examples.length).toBeGreaterThan(20);
    checkExamples(examples);
  });
});

describe('the examples in the README and docs/', () => {
  const examples = docExamples(/^datastorm(?: |$)/);

  it('are commands this CLI accepts, naming files that exist: every fenced line and inline span that runs datastorm', () => {
    expect(new Set(examples.map((e) => e.file)).size).toBeGreaterThan(8);
    expect(examples.length).toBeGreaterThan(90);
    checkExamples(examples);
  });
});

describe('docker/github-actions-bench.yml', () => {
  const [workflow] = documents('docker/github-actions-bench.yml');
  const steps = workflow.jobs.bench.steps as Array<{ name?: string; run?: string }>;

  it('starts the cluster, runs a workload, compares with a baseline and stops the cluster, with valid commands', () => {
    const commands = steps.filter((s) => s.run?.startsWith('datastorm')).flatMap((s) => datastormArgv(s.run!)).map((argv) => checkArgv(argv));
    expect(commands).toEqual(['cluster up', 'bench run', 'bench compare', 'cluster down']);
    const compare = steps.find((s) => s.run?.startsWith('datastorm bench compare'))!.run!;
    expect(compare).toContain('--max-regression 10%');
  });
});

describe('docker/github-actions-bench-history.yml', () => {
  const [workflow] = documents('docker/github-actions-bench-history.yml');
  const steps = workflow.jobs.bench.steps as Array<{ name?: string; run?: string; if?: string }>;

  it('runs the workload into the history\'s folder and judges the run against it there, with valid commands', () => {
    const argvs = steps.filter((s) => s.run?.startsWith('datastorm')).flatMap((s) => datastormArgv(s.run!, { GITHUB_SHA: 'c0ffee' }));
    expect(argvs.map((argv) => checkArgv(argv))).toEqual(['cluster up', 'bench run', 'bench history', 'cluster down']);
    const [, run, history] = argvs;
    expect(run[run.indexOf('--out') + 1]).toMatch(/^bench-history\/ci-gate\/\d{8}T\d{6}Z-c0ffee\.json$/);
    expect(history.slice(0, 3)).toEqual(['bench', 'history', 'bench-history/ci-gate']);
    expect(history).toEqual(expect.arrayContaining(['--max-drift', '10%', '--github-summary', '--out']));
  });

  it('keeps main\'s results on the bench-history branch, not a pull request\'s', () => {
    const checkout = steps.find((s) => s.name?.startsWith('Check out the history'))!;
    expect(checkout.run).toContain('git worktree add bench-history bench-history');
    const keep = steps.find((s) => s.name?.startsWith('Keep the result'))!;
    expect(keep.if).toContain("github.event_name == 'push'");
    expect(keep.run).toContain('git push origin bench-history');
    expect(workflow.on.push.branches).toEqual(['main']);
  });
});

describe('docker/k8s-bench-job.yaml', () => {
  const [config, claim, job, merge] = documents('docker/k8s-bench-job.yaml');
  const plan = {
    workloadFile: 'benchmarks/workloads/sharded-rate.yaml', workloadText: readFileSync(`${ROOT}benchmarks/workloads/sharded-rate.yaml`, 'utf8'),
    shards: 4, image: 'registry.example.com/datastorm:0.1.0',
    bootstrap: 'kafka-0.kafka-headless:9092,kafka-1.kafka-headless:9092,kafka-2.kafka-headless:9092', startAt: '2030-01-01T00:00:00.000Z',
    // The default: twice the workload's 60 s and 10 minutes past the barrier.
    mergeDeadline: '2030-01-01T00:12:00.000Z',
  };

  it('is what `datastorm bench k8s` renders (regenerate it with the command in its header, --start-at 2030-01-01T00:00:00Z)', () => {
    expect(readFileSync(`${ROOT}docker/k8s-bench-job.yaml`, 'utf8')).toBe(renderK8sBenchManifests(plan));
  });

  it('puts N in every place it belongs: completions, parallelism, --shard i/N and the merge\'s SHARDS', () => {
    const six = parseAllDocuments(renderK8sBenchManifests({ ...plan, shards: 6 })).map((d) => d.toJS() as Record<string, any>);
    expect(six[2].spec).toMatchObject({ completionMode: 'Indexed', completions: 6, parallelism: 6, backoffLimit: 0 });
    expect(six[2].spec.template.spec.containers[0].args[0]).toContain('--shard $((JOB_COMPLETION_INDEX + 1))/6 ');
    expect(six[3].spec.template.spec.initContainers[0].env[0]).toEqual({ name: 'SHARDS', value: '6' });
  });

  it('runs an indexed Job of N shards numbered 1..N with one start barrier, and a merge of N results on a shared volume', () => {
    expect(config.data['workload.yaml']).toBe(plan.workloadText);
    expect(readWorkload(`${ROOT}benchmarks/workloads/sharded-rate.yaml`).name).toBe('sharded-rate');
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4, backoffLimit: 0 });
    const container = job.spec.template.spec.containers[0];
    const bootstrap = container.env.find((e: { name: string }) => e.name === 'KAFKA_BOOTSTRAP').value;
    const shards = [0, 1, 2, 3].map((index) => {
      const [argv] = datastormArgv(container.args[0], { JOB_COMPLETION_INDEX: String(index), KAFKA_BOOTSTRAP: bootstrap });
      expect(checkArgv(argv)).toBe('bench run');
      return argv;
    });
    expect(shards[2]).toEqual(['bench', 'run', '/workload/workload.yaml', '--shard', '3/4', '--start-at', plan.startAt,
      '--bootstrap-server', bootstrap, '--out', '/results/shard-3.json']);
    expect(shards.map((argv) => argv[4])).toEqual(['1/4', '2/4', '3/4', '4/4']);

    const mergeSpec = merge.spec.template.spec;
    expect(mergeSpec.initContainers[0].env[0]).toEqual({ name: 'SHARDS', value: '4' });
    const [mergeArgv] = datastormArgv(mergeSpec.containers[0].args[0]);
    expect(checkArgv(mergeArgv)).toBe('merge');
    expect(mergeSpec.volumes[0].persistentVolumeClaim.claimName).toBe(claim.metadata.name);
  });

  it('splits the sharded workload exactly into the Job\'s 4 shards', () => {
    const workload = readWorkload(`${ROOT}benchmarks/workloads/sharded-rate.yaml`);
    const shares = [1, 2, 3, 4].map((index) => shardConfig(workload.config, { index, count: 4 }));
    expect(shares.map((c) => [c.throughputRps, c.workers])).toEqual([[50_000, 2], [50_000, 2], [50_000, 2], [50_000, 2]]);
  });
});

describe('docker/Dockerfile', () => {
  const lines = readFileSync(`${ROOT}docker/Dockerfile`, 'utf8').split('\n').filter((line) => line && !line.startsWith('#'));

  it('installs the npm pack tarball without dev dependencies on Node 20 slim, and runs datastorm as a non-root user', () => {
    expect(lines.filter((line) => line.startsWith('FROM ')).map((line) => line.split(' ')[1])).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    expect(lines).toContain('RUN npm install --global --omit=dev --no-audit --no-fund /tmp/datastorm.tgz && npm cache clean --force');
    expect(lines).toContain('USER node');
    expect(lines.at(-1)).toBe('ENTRYPOINT ["datastorm"]');
    // What the image installs is what package.json ships: the built code, the cluster's pom and the workloads.
    const files = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { files: string[] }).files;
    expect(files).toEqual(expect.arrayContaining(['bin/', 'dist/src/', 'dist/workers/', 'src/cluster/pom.xml', 'benchmarks/workloads/']));
  });
});

describe('the CLI\'s command table', () => {
  it('names each command as it names itself, in --help\'s order, and loads one module for a named command', async () => {
    expect(program.commands.map((c) => c.name())).toEqual(commandNames());
    for (const name of commandNames()) {
      const only = await buildProgram(name);
      expect(only.commands.map((c) => c.name())).toContain(name);
      expect(only.commands.length).toBeLessThan(program.commands.length);
    }
  });
});
