import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { libraryExample, ROOT } from '../docs.js';
import { uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const admin = createKafka(bootstrap, 'datastorm-package-test').admin();
afterAll(() => admin.disconnect());

async function topicRecords(topic: string): Promise<number> {
  const admin = createKafka(bootstrap, 'datastorm-package-test').admin();
  await admin.connect();
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return 0;
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

/**
 * What docker/Dockerfile does, without a Docker engine: the tarball `npm pack` makes, installed globally with no
 * dev dependencies into an empty prefix and HOME, runs as `datastorm`.
 */
describe('the package as npm pack makes it (docker/Dockerfile installs it so)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-package-'));
  const prefix = join(dir, 'prefix');
  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: join(dir, 'home'), npm_config_cache: join(dir, 'npm-cache') };
  let tarball = '';
  beforeAll(() => {
    // dist/ is built by `npm test`; --ignore-scripts: prepare would build it again.
    tarball = execFileSync('npm', ['pack', ROOT, '--pack-destination', dir, '--ignore-scripts', '--silent'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  });

  it('installs into an empty prefix and produces to the cluster, counted on the broker', async () => {
    const install = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', join(dir, tarball)],
      { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(install.status, install.stderr).toBe(0);
    const version = spawnSync('datastorm', ['--version'], { encoding: 'utf8', env });
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);

    const topic = uniqueTopic('package-produce');
    const run = spawnSync('datastorm', ['produce', '--bootstrap-server', bootstrap.join(','), '--topic', topic, '--num-records', '5000',
      '--workers', '2', '--compression', 'zstd'], { encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain(`accounting: 5000 records acknowledged = 5000 records added to ${topic} (broker offsets): OK`);
    await admin.connect();
    expect(await topicEndOffsetTotal(admin, topic)).toBe(5000);
  });

  it('runs the library example of the README (or docs/), as a user copies it: its result\'s accounting matches the records the broker holds', async () => {
    const example = libraryExample().code;
    expect(example).toContain("from 'datastorm'");
    const topic = /topic: '([^']+)'/.exec(example)![1];
    const project = join(dir, 'library-user');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'library-user', version: '1.0.0', type: 'module', private: true }));
    const install = spawnSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: project, encoding: 'utf8', env: { ...process.env, ...env } });
    expect(install.status, install.stderr).toBe(0);
    // The example names the local cluster's first broker; the suite's cluster may be elsewhere.
    writeFileSync(join(project, 'example.mjs'), example.replace("'127.0.0.1:9092'", `'${bootstrap.join(',')}'`));
    const before = await topicRecords(topic);
    const stdout = execFileSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const [, acknowledged, growth] = /acknowledged (\d+), the topic grew by (\d+)/.exec(stdout)!.map(Number);
    const records = /numRecords: ([\d_]+)/.exec(example)![1].replaceAll('_', '');
    expect(acknowledged).toBe(Number(records));
    expect(growth).toBe(acknowledged);
    expect(await topicRecords(topic) - before).toBe(acknowledged);
    expect(stdout).toContain(`${records} records acknowledged = ${records} records added to ${topic} (broker offsets): OK`);

    // consume, the same way in: exactly the records produced, counted and committed by a group of its own.
    writeFileSync(join(project, 'consume.mjs'), `import { consume } from 'datastorm';
const result = await consume({ bootstrapServer: '${bootstrap.join(',')}', topic: '${topic}', numRecords: ${records}, workers: 2, fromLatest: false });
console.log(JSON.stringify({ records: result.totals.records, match: result.accounting.match, group: result.config.group }));`);
    const consumed = JSON.parse(execFileSync(process.execPath, ['consume.mjs'], { cwd: project, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] }));
    expect(consumed.records).toBe(Number(records));
    expect(consumed.match).toBe(true);
    expect(consumed.group).toMatch(/^perf-consumer-\d+$/);
  }, 600_000);
});
