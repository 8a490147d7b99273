import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../bin/datastorm.js', import.meta.url));

/** A topic name no other test (or earlier run) uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Runs the built CLI as a user would and returns its exit code and both streams. */
export function runCli(args: string[], options: { timeoutMs?: number; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env },
  });
  return { code: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}
