import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumeResult } from '../../src/consume/consume.js';
import { CODEC_NAMES } from '../../src/kafka/codecs.js';
import type { EndToEndResult } from '../../src/consume/end-to-end.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import type { ReplayResult } from '../../src/consume/replay.js';
import { DRIVER_NAMES } from '../../src/drivers/driver-registry.js';
import { spawn } from 'node:child_process';
import { CLI, eventually, groupCommittedTotal, runCli, startCli, uniqueTopic, until } from '../helpers.js';

/**
 * Every command through the product's own path (the CLI and its worker threads): compressed topics read back
 * whatever the codec, and Ctrl-C ends consume and e2e with a partial report, what was counted committed, exit 130.
 */
const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-commands-test').admin();

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

const json = <T>(run: { stdout: string }) => JSON.parse(run.stdout) as T;

describe('compressed topics, written and read by DataStorm\'s commands', () => {
  const RECORDS = 2000;

  for (const codec of CODEC_NAMES) {
    it(`${codec}: produce writes it, consume and replay-check read every record, e2e runs with it`, async () => {
      const topic = uniqueTopic(`hold-${codec}`);
      const produced = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', String(RECORDS),
        '--workers', '1', '--partitions', '3', '--compression', codec]);
      expect(produced.code, produced.stderr).toBe(0);

      const group = `${topic}-reader`;
      const consumed = runCli(['consume', '--bootstrap-server', server, '--topic', topic, '--num-records', String(RECORDS),
        '--group', group, '--json']);
      expect(consumed.code, consumed.stderr).toBe(0);
      expect(json<ConsumeResult>(consumed).accounting).toMatchObject({ countedRecords: RECORDS, committedOffsetGrowth: RECORDS, match: true });
      expect(await groupCommittedTotal(admin, group, topic, RECORDS)).toBe(RECORDS);

      const replayed = runCli(['replay-check', '--bootstrap-server', server, '--topic', topic, '--group', `${topic}-replay`, '--json']);
      expect(replayed.code, replayed.stderr).toBe(0);
      expect(json<ReplayResult>(replayed).passes.map((pass) => pass.records)).toEqual([RECORDS, RECORDS]);

      const e2e = runCli(['e2e', '--bootstrap-server', server, '--topic', `${topic}-e2e`, '--rate', '400', '--duration', '2s',
        '--partitions', '2', '--compression', codec, '--json']);
      expect(e2e.code, e2e.stderr).toBe(0);
      expect(json<EndToEndResult>(e2e).accounting).toEqual({ producedRecords: 800, consumedRecords: 800, brokerOffsetGrowth: 800, match: true });
    }, 240_000);
  }
});

describe('Ctrl-C', () => {
  for (const driver of DRIVER_NAMES) {
    it(`stops consume (--driver ${driver}) with a partial report, commits exactly what was counted, and exits 130`, async () => {
      const topic = uniqueTopic(`hold-consume-sigint-${driver}`);
      const produced = runCli(['produce', '--bootstrap-server', server, '--topic', topic, '--num-records', '5000', '--workers', '1', '--partitions', '4']);
      expect(produced.code, produced.stderr).toBe(0);
      const group = `${topic}-reader`;
      // Asks for more than the topic holds: it reads the 5,000, then waits for records that never come.
      const consume = startCli(['consume', '--driver', driver, '--bootstrap-server', server, '--topic', topic, '--num-records', '1000000',
        '--group', group, '--timeout', '120000', '--workers', '2', '--show-detailed-stats', '--reporting-interval', '200']);
      // A detailed-stats line is printed once a consumer has counted records.
      await until(() => /^\d{4}-\d{2}-\d{2} /m.test(consume.output.stdout), 'a detailed-stats line', 120_000);
      consume.interrupt();
      expect(await consume.exited).toBe(130);
      const { stderr } = consume.output;
      expect(stderr).toContain('interrupted: committing what was counted');
      const counted = Number(/PARTIAL RUN: stopped by Ctrl-C after (\d+) of 1000000 records; group \S+ committed exactly those/.exec(stderr)?.[1]);
      expect(counted).toBeGreaterThan(0);
      expect(stderr).toContain(`accounting: ${counted} records counted, group ${group}'s committed offsets grew by ${counted}: match`);
      expect(await groupCommittedTotal(admin, group, topic, counted)).toBe(counted);
    }, 180_000);
  }

  it('stops e2e early: what was acknowledged is read, committed and accounted, a partial report, exit 130', async () => {
    const topic = uniqueTopic('hold-e2e-sigint');
    const group = `${topic}-group`;
    const e2e = startCli(['e2e', '--bootstrap-server', server, '--topic', topic, '--group', group, '--rate', '500', '--duration', '120s',
      '--partitions', '2', '--json']);
    await until(() => e2e.output.stderr.includes('producing 500 records/s'), 'the group to settle and producing to start', 120_000);
    // Interrupted once records are on the broker (a condition, not a fixed sleep: a busy machine is slower to get there).
    await eventually(() => topicEndOffsetTotal(admin, topic), (records) => records > 0, 60_000);
    e2e.interrupt();
    expect(await e2e.exited).toBe(130);
    const result = JSON.parse(e2e.output.stdout) as EndToEndResult;
    expect(result.partial).toBe(true);
    expect(result.producer.records).toBeGreaterThan(0);
    expect(result.producer.records).toBeLessThan(60_000);
    expect(result.accounting).toEqual({
      producedRecords: result.producer.records, consumedRecords: result.producer.records, brokerOffsetGrowth: result.producer.records, match: true,
    });
    expect(e2e.output.stderr).toMatch(/PARTIAL RUN: stopped by Ctrl-C after \d+\.\d s with \d+ of 60000 records produced/);
    expect(await groupCommittedTotal(admin, group, topic, result.producer.records)).toBe(result.producer.records);
  }, 240_000);
});

describe('output to a reader that stops early', () => {
  it('ends quietly when the pipe closes (datastorm produce --help | head -1), never in a stack trace', async () => {
    const child = spawn(process.execPath, [CLI, 'produce', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk; });
    // The reader takes the first chunk and closes its end, as head does.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});
