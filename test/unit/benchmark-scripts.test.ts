import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { docExamples, ROOT, shellArgv } from '../docs.js';

/** The scripts of benchmarks/ a user runs: those with a shebang (driver-bench.mjs and script-options.mjs are modules they import). */
const SCRIPTS = readdirSync(join(ROOT, 'benchmarks'))
  .filter((file) => file.endsWith('.mjs') && readFileSync(join(ROOT, 'benchmarks', file), 'utf8').startsWith('#!/usr/bin/env node'))
  .sort();

// An empty home: a script that started a cluster, built a tool or resolved Kafka's jars would leave something in it.
const home = mkdtempSync(join(tmpdir(), 'datastorm-scripts-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function runScript(argv: string[]) {
  const out = spawnSync(process.execPath, argv, {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000,
    env: { PATH: process.env.PATH, HOME: home, DATASTORM_HOME: join(home, '.datastorm'), DATASTORM_CLUSTER_DIR: join(home, 'cluster') },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('the scripts of benchmarks/', () => {
  it('are the ones a user runs', () => {
    expect(SCRIPTS).toEqual(['analysis-render-check.mjs', 'codec-cost.mjs', 'consume-drivers.mjs', 'consume-vs-java.mjs', 'drain-vs-serial.mjs',
      'driver-encode.mjs', 'drivers.mjs', 'produce-vs-clients.mjs', 'profile-check.mjs', 'render-check.mjs', 'share-consume-vs-java.mjs', 'tls-cost.mjs',
      'verify-cost.mjs']);
  });

  it.each(SCRIPTS)('%s --help prints what it measures and its options, and starts nothing', (script) => {
    const out = runScript([`benchmarks/${script}`, '--help']);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    const lines = out.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^usage: node benchmarks/${script} \\[options\\]`));
    expect(lines[1]).toBe('');
    expect(lines[2].length).toBeGreaterThan(40);
    expect(lines.slice(lines.indexOf('options:') + 1).filter(Boolean).at(-1)).toMatch(/^ {2}-h, --help +print this and exit$/);
    expect(readdirSync(home)).toEqual([]);
  });

  it.each(SCRIPTS)('%s refuses an unknown option in one line, exit 2, with no stack trace and nothing started', (script) => {
    expect(runScript([`benchmarks/${script}`, '--bogus'])).toEqual({
      status: 2, stdout: '', stderr: `benchmarks/${script}: Unknown option '--bogus' (node benchmarks/${script} --help lists its options)\n`,
    });
    expect(readdirSync(home)).toEqual([]);
  });

  it('lays out --help from the option table: each option, its value and default, one line each', () => {
    expect(runScript(['benchmarks/driver-encode.mjs', '--help']).stdout.split('\n').slice(-6)).toEqual([
      'options:',
      '  --records N          records per repetition (default 1000000)',
      '  --record-size BYTES  bytes per record value (default 250)',
      '  --repeat N           repetitions; medians printed (default 5)',
      '  -h, --help           print this and exit',
      '',
    ]);
  });

  it('refuses in one line a value outside its choices, a missing value and a missing required option', () => {
    expect(runScript(['benchmarks/produce-vs-clients.mjs', '--values', 'json'])).toEqual({ status: 2, stdout: '',
      stderr: 'benchmarks/produce-vs-clients.mjs: --values: avro or librdkafka, not json (node benchmarks/produce-vs-clients.mjs --help lists its options)\n' });
    expect(runScript(['benchmarks/verify-cost.mjs', '--records']).stderr)
      .toBe("benchmarks/verify-cost.mjs: Option '--records <value>' argument missing (node benchmarks/verify-cost.mjs --help lists its options)\n");
    expect(runScript(['benchmarks/drivers.mjs'])).toEqual({ status: 2, stdout: '',
      stderr: 'benchmarks/drivers.mjs: --bootstrap-server HOST:PORT,... is required: the cluster (start one with `datastorm cluster up`) ' +
        '(node benchmarks/drivers.mjs --help lists its options)\n' });
  });
});

describe('the benchmark examples in the README and docs/', () => {
  it('each run a script of benchmarks/ with options it takes (checked by adding --help: it reads them all, then runs nothing)', () => {
    const examples = docExamples(/^node benchmarks\//);
    expect(examples.length).toBeGreaterThan(15);
    for (const { file, line } of examples) {
      const { status, stderr, argvs } = shellArgv('node', line);
      expect({ status, stderr, runs: argvs.length }, `${file}: ${line}`).toEqual({ status: 0, stderr: '', runs: 1 });
      const out = runScript([...argvs[0], '--help']);
      expect({ status: out.status, stderr: out.stderr }, `${file}: ${line}`).toEqual({ status: 0, stderr: '' });
    }
  });
});
