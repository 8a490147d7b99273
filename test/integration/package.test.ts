import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { uniqueTopic } from '../helpers.js';

const bootstrap = inject('bootstrap');
const ROOT = new URL('../../', import.meta.url).pathname;
const admin = createKafka(bootstrap, 'datastorm-package-test').admin();
afterAll(() => admin.disconnect());

/**
 * What docker/Dockerfile does, without a Docker engine: the tarball `npm pack` makes, installed globally with no
 * dev dependencies into an empty prefix and HOME, runs as `datastorm`.
 */
describe('the package as npm pack makes it (docker/Dockerfile installs it so)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-package-'));
  const prefix = join(dir, 'prefix');
  const env = { PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, HOME: join(dir, 'home'), npm_config_cache: join(dir, 'npm-cache') };

  it('installs into an empty prefix and produces to the cluster, counted on the broker', async () => {
    // dist/ is built by `npm test`; --ignore-scripts: prepare would build it again.
    const tarball = execFileSync('npm', ['pack', ROOT, '--pack-destination', dir, '--ignore-scripts', '--silent'], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
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
});
