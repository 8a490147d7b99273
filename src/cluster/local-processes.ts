import { existsSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What the local cluster and the local registry both do with the processes they start: the ports they check, the
 * state files they write, the processes they find in /proc and stop.
 */

/** Whether nothing listens on `port` of 127.0.0.1 now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free now on 127.0.0.1 (the system's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Written whole or not at all: a reader never sees half a file. */
export function writeJsonWhole(file: string, value: unknown): void {
  const written = `${file}.${process.pid}.tmp`;
  writeFileSync(written, JSON.stringify(value, null, 2));
  renameSync(written, file);
}

/** The last `lines` lines of a process's log file, for an error that says why it did not start. */
export function tailOfFile(file: string, lines = 15): string {
  if (!existsSync(file)) return `(no ${file})`;
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** Every pid /proc lists; none where there is no /proc. */
export function procPids(): number[] {
  try {
    return readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return [];
  }
}

/** Sends a signal to a process that may have ended meanwhile. */
export function signal(pid: number, sent: NodeJS.Signals): void {
  try {
    process.kill(pid, sent);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/**
 * Sends `sent` to each process that `runs`, SIGKILL to those still running after graceMs, and returns once none
 * runs. A paused process (SIGSTOP) acts on SIGTERM only once it runs again: each is sent SIGCONT too.
 */
export async function stopProcesses<P extends { pid: number }>(processes: P[], runs: (p: P) => boolean, sent: NodeJS.Signals, graceMs: number): Promise<void> {
  const running = () => processes.filter(runs);
  for (const { pid } of running()) {
    signal(pid, sent);
    signal(pid, 'SIGCONT');
  }
  const deadline = Date.now() + graceMs;
  while (running().length > 0 && Date.now() < deadline) await sleep(50);
  for (const { pid } of running()) signal(pid, 'SIGKILL');
  while (running().length > 0) await sleep(50);
}
