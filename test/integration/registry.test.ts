import { mkdtempSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort, runCli } from '../helpers.js';

const registryUrl = inject('registryUrl');
const registryMissing = inject('registryMissing');

/** Live registry JVMs whose working folder is `dir` (how a registry started there is told; a zombie has no command line). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('quarkus-run.jar') && readlinkSync(`/proc/${pid}/cwd`) === dir;
    } catch {
      return false;
    }
  });
}

describe.skipIf(registryMissing !== '')(`datastorm registry${registryMissing ? ` (skipped: ${registryMissing})` : ''}`, () => {
  it('starts Apicurio on its own port and folder, answers ready, is idempotent, and stops leaving no process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-registry-'));
    const port = await freePort();
    const up = runCli(['registry', 'up', '--port', String(port), '--dir', dir, '--json'], { timeoutMs: 180_000 });
    expect(up.stderr).toMatch(new RegExp(`^registry up in \\d+\\.\\d s: Apicurio Registry 3\\.3\\.3 \\(pid \\d+, Java (2[1-9]|[3-9]\\d)\\): ` +
      `Confluent's API at http://127\\.0\\.0\\.1:${port}/apis/ccompat/v7; compatibility BACKWARD$`, 'm'));
    expect(up.code).toBe(0);
    const state = JSON.parse(up.stdout) as { pid: number; url: string };
    expect(processesIn(dir)).toEqual([state.pid]);
    // Its access log is off: a request leaves no line of its own in the log.
    const before = readFileSync(join(dir, 'registry.log'), 'utf8');
    const config = await fetch(`${state.url}/config`);
    expect(await config.json()).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect(readFileSync(join(dir, 'registry.log'), 'utf8')).toBe(before);

    const again = runCli(['registry', 'up', '--port', String(port), '--dir', dir]);
    expect(again.stderr).toContain(`registry already running: Apicurio Registry 3.3.3 (pid ${state.pid}`);
    const status = runCli(['registry', 'status', '--dir', dir, '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ alive: true, ready: true, state: { pid: state.pid, port } });

    const down = runCli(['registry', 'down', '--dir', dir]);
    expect(down.stderr.trim()).toBe(`registry down: stopped pid ${state.pid}`);
    expect(processesIn(dir)).toEqual([]);
    const gone = runCli(['registry', 'status', '--dir', dir]);
    expect(gone.code).toBe(3);
    expect(gone.stderr.trim()).toBe(`no registry in ${dir} (start one with \`datastorm registry up\`)`);
  });

  it('refuses a port in use in one line, before resolving or starting anything', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-registry-'));
    const port = new URL(registryUrl).port;
    const taken = runCli(['registry', 'up', '--port', port, '--dir', dir]);
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe(`error DS_CANNOT_LISTEN: port ${port} on 127.0.0.1 is in use: the registry cannot listen there (stop what uses it, or give --port)`);
    expect(processesIn(dir)).toEqual([]);
  });
});
