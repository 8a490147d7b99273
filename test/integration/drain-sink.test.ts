import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import type { SinkStats } from '../../src/drain/sink-server.js';
import { encodeBatchV2 } from '../../src/drain/sink-request.js';
import { CLI, until } from '../helpers.js';

/** `datastorm sink` as a process: its queue beyond --max-concurrency, its failures and what it counts, over real HTTP. */
const port = 28_900 + (Number(process.env.VITEST_POOL_ID ?? 0) % 10) * 5;
const sink = spawn(process.execPath, [CLI, 'sink', '--port', String(port), '--latency', '1s', '--max-concurrency', '2', '--json'],
  { stdio: ['ignore', 'pipe', 'pipe'] });
const output = { stdout: '', stderr: '' };
sink.stdout.setEncoding('utf8').on('data', (text: string) => { output.stdout += text; });
sink.stderr.setEncoding('utf8').on('data', (text: string) => { output.stderr += text; });
const url = `http://127.0.0.1:${port}`;
const stats = async (topic: string) => (await fetch(`${url}/stats?topic=${topic}`)).json() as Promise<SinkStats>;

afterAll(() => { if (sink.exitCode === null) sink.kill('SIGKILL'); });

describe('datastorm sink', () => {
  it('serves --max-concurrency calls at once and queues the rest; counts a batch record by record; says what it counted when stopped', async () => {
    await until(() => output.stderr.includes('sink listening'), 'the sink to listen', 30_000);
    const post = (path: string, body: Buffer | string) => fetch(`${url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { 'content-type': 'application/octet-stream' } });
    const answers = await Promise.all([
      ...[0, 1, 2, 3, 4].map((offset) => post(`/q/0/k/${offset}`, 'v')),
      post('/q', encodeBatchV2(1, [{ partition: 1, offset: 0, key: Buffer.from('a'), value: Buffer.from('x') }, { partition: 1, offset: 1, key: Buffer.from('a'), value: null }])),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await post('/q/0/k/3', 'again')).status).toBe(200);
    expect((await post('/q/zero/k/3', 'bad')).status).toBe(400);
    const counted = await stats('q');
    expect(counted).toMatchObject({ records: 7, deliveries: 8, duplicates: 1, gaps: 0, calls: 8, badCalls: 1, maxQueued: 4, inService: 0, queued: 0 });
    // Five calls of one key raced, so they may have been served in any order: that is the caller's order, not the sink's.
    expect(counted.partitions.map((p) => [p.partition, p.records, p.minDuplicateOffset])).toEqual([[0, 5, 3], [1, 2, null]]);
    sink.kill('SIGTERM');
    await until(() => sink.exitCode !== null, 'the sink to stop', 30_000);
    expect(sink.exitCode).toBe(0);
    expect(output.stderr).toContain('sink: 7 records (8 deliveries, 1 duplicates)');
    expect(JSON.parse(output.stdout).records).toBe(7);
  }, 60_000);
});
