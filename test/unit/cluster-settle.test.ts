import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { awaitSettled, formatUnrest, isSettled, localUnrest, SETTLED_UNFLUSHED_BYTES, type ClusterUnrest } from '../../src/cluster/settle.js';

const MB = 1024 * 1024;
const quiet: ClusterUnrest = { deleting: 0, unflushedBytes: 10 * MB };
const deleting: ClusterUnrest = { deleting: 3, unflushedBytes: 10 * MB };
const unflushed: ClusterUnrest = { deleting: 0, unflushedBytes: SETTLED_UNFLUSHED_BYTES };

/** Readings in turn, the last one repeated; how many were taken. */
function readings(...sequence: ClusterUnrest[]) {
  let taken = 0;
  return { read: () => sequence[Math.min(taken++, sequence.length - 1)]!, taken: () => taken };
}

describe('the local cluster settling before a measurement', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is settled with nothing being deleted and less than 256 MB to flush (no meminfo: deletions alone)', () => {
    expect(isSettled(quiet)).toBe(true);
    expect(isSettled(deleting)).toBe(false);
    expect(isSettled(unflushed)).toBe(false);
    expect(isSettled({ deleting: 0 })).toBe(true);
    expect(formatUnrest({ deleting: 3, unflushedBytes: 1.5e9 })).toBe('3 log files being deleted, 1500 MB to flush');
    expect(formatUnrest({ deleting: 0 })).toBe('0 log files being deleted');
  });

  it('counts the segments and partition folders the brokers are deleting, in every node\'s log folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ds-settle-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'node-1', 'data', 'orders-0'), { recursive: true });
    writeFileSync(join(dir, 'node-1', 'data', 'orders-0', '00000000000000000000.log.deleted'), '');
    writeFileSync(join(dir, 'node-1', 'data', 'orders-0', '00000000000000000000.index.deleted'), '');
    writeFileSync(join(dir, 'node-1', 'data', 'orders-0', '00000000000001000000.log'), '');
    mkdirSync(join(dir, 'node-2', 'data', 'old-1.2b8f0c1e9a7d4c35b0e1d2c3f4a5b6c7-delete'), { recursive: true });
    mkdirSync(join(dir, 'node-3'), { recursive: true });
    expect(localUnrest(dir).deleting).toBe(3);
    expect(localUnrest(join(dir, 'gone')).deleting).toBe(0);
  });

  it('waits for two quiet readings in a row, and says what it found first and left last', async () => {
    const sequence = readings(deleting, quiet, unflushed, quiet, quiet);
    const settling = await awaitSettled('dir', { maxMs: 10_000, pollMs: 1, unrest: sequence.read });
    expect(settling).toMatchObject({ settled: true, first: deleting, last: quiet });
    expect(sequence.taken()).toBe(5);
    const already = readings(quiet);
    expect(await awaitSettled('dir', { maxMs: 10_000, pollMs: 1, unrest: already.read })).toMatchObject({ settled: true, first: quiet });
    expect(already.taken()).toBe(2);
  });

  it('gives up after its bound, or at once when stopped, unsettled', async () => {
    const bounded = await awaitSettled('dir', { maxMs: 30, pollMs: 5, unrest: readings(deleting).read });
    expect(bounded).toMatchObject({ settled: false, first: deleting, last: deleting });
    expect(bounded.waitedMs).toBeGreaterThanOrEqual(30);
    const stop = new AbortController();
    stop.abort();
    const stopped = readings(deleting);
    expect(await awaitSettled('dir', { maxMs: 60_000, pollMs: 5, signal: stop.signal, unrest: stopped.read })).toMatchObject({ settled: false });
    expect(stopped.taken()).toBe(1);
  });
});
