import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MIN_STEADY_WINDOW_MS, steadyWindowMs } from '../../src/analysis/evolution.js';
import { createKafka } from '../../src/kafka/kafka-client.js';
import type { ProduceResult } from '../../src/produce/result.js';
import { topicEndOffsetTotal } from '../../src/kafka/topic.js';
import { eventually, runCli, startCli, uniqueTopic, until } from '../helpers.js';

const bootstrap = inject('bootstrap');
const server = bootstrap.join(',');
const admin = createKafka(bootstrap, 'datastorm-analysis-test').admin();
const dir = mkdtempSync(join(tmpdir(), 'datastorm-analysis-'));

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

interface AnalysisJson {
  kind: string;
  machine: { cpuCount: number };
  cluster: { brokers: number; local: boolean };
  table: { head: string[]; rows: string[][] };
  points: Array<{ label: string; commands: string[]; figures: { records: number; recordsPerSec: number; peakRssMb: number }; result: ProduceResult }>;
}

function analysis(args: string[], out: string): { json: AnalysisJson; stderr: string } {
  const run = runCli([...args, '--bootstrap-server', server, '--out', out, '--json'], { timeoutMs: 150_000 });
  expect(run.stderr).not.toMatch(/\n\s+at /); // never a stack trace
  expect(run.code, run.stderr).toBe(0);
  return { json: JSON.parse(run.stdout) as AnalysisJson, stderr: run.stderr };
}

function checkXml(text: string): void {
  new SaxesParser().write(text).close();
}

/** The report folder holds every file, each parseable, and the Markdown table has the figures of --json. */
function checkReportFiles(out: string, json: AnalysisJson, charts: string[]): void {
  for (const chart of charts) checkXml(readFileSync(join(out, chart), 'utf8'));
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  checkXml(html.replace('<!DOCTYPE html>\n', ''));
  expect(html.match(/<svg /g)).toHaveLength(charts.length);
  expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'))).toEqual(json);
  const markdown = readFileSync(join(out, 'report.md'), 'utf8');
  for (const row of json.table.rows) expect(markdown).toMatch(new RegExp(`\\|\\s*${row.slice(0, 3).join('\\s*\\|\\s*')}\\s*\\|`));
  for (const chart of charts) expect(markdown).toContain(`](${chart})`);
  for (const point of json.points) for (const command of point.commands) expect(markdown).toContain(command);
}

/** Every point put exactly what it was asked on the broker, and its topic was deleted after. */
async function checkPoints(json: AnalysisJson, prefix: string, records: number[]): Promise<void> {
  expect(json.points.map((p) => p.result.totals.records)).toEqual(records);
  for (const point of json.points) {
    expect(point.figures.records).toBe(point.result.totals.records);
    expect(point.result.accounting).toMatchObject({ match: true, brokerOffsetGrowth: point.result.totals.records });
    expect(point.result.latency.count).toBe(point.result.totals.records);
    expect(point.figures.peakRssMb).toBeGreaterThan(20);
  }
  expect(json.cluster).toMatchObject({ brokers: 4, local: true });
  // A deletion leaves every broker's metadata a moment after the controller accepts it (longer on a busy machine).
  const left = await eventually(async () => (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)), (t) => t.length === 0);
  expect(left).toEqual([]);
}

describe('analysis commands on the real cluster', () => {
  it('compare: one fresh topic per codec, the records asked, compression on the wire, the report files', async () => {
    const prefix = uniqueTopic('analysis-compare');
    const out = join(dir, 'compare');
    const { json, stderr } = analysis(['compare', '--codecs', 'none,gzip', '--num-records', '4000', '--workers', '2', '--topic', prefix], out);
    expect(json.kind).toBe('compare');
    expect(json.points.map((p) => [p.label, p.result.config.compression, p.result.config.workers])).toEqual([['none', 'none', 2], ['gzip', 'gzip', 2]]);
    await checkPoints(json, prefix, [4000, 4000]);
    const [none, gzip] = json.points.map((p) => p.result.totals);
    expect(none.payloadBytes).toBe(4000 * 250);
    expect(gzip.payloadBytes).toBe(4000 * 250);
    // The click events compress the way real events do: gzip shrinks the batches several times.
    expect(gzip.compressionRatio).toBeGreaterThan(2.5);
    expect(none.compressionRatio).toBeLessThan(1.05);
    expect(json.table.rows.map((row) => [row[0], row[1]])).toEqual([['none', '4000'], ['gzip', '4000']]);
    expect(json.table.rows[0].at(-1)).toBe('740K/s, 62% CPU, 18 ms');
    expect(stderr).toMatch(/│ gzip\s+│\s+4000 │/);
    expect(stderr).toMatch(/^measured on .+: .+ × \d+, [\d.]+ GiB, .+; 4 brokers on this machine, load average /m);
    expect(stderr).toContain(`  ${json.points[1].commands[0]}\n`);
    checkReportFiles(out, json, ['throughput.svg', 'latency-percentiles.svg']);
  });

  it('sweep --workers 1,2: one point per value, throughput, latency and peak memory each', async () => {
    const prefix = uniqueTopic('analysis-sweep');
    const out = join(dir, 'sweep');
    const { json } = analysis(['sweep', '--workers', '1,2', '--num-records', '3000', '--linger', '2', '--topic', prefix], out);
    expect(json.points.map((p) => [p.label, p.result.config.workers, p.result.config.lingerMs])).toEqual([['1', 1, 2], ['2', 2, 2]]);
    await checkPoints(json, prefix, [3000, 3000]);
    expect(json.points[1].result.workers.map((w) => w.records)).toEqual([1500, 1500]);
    expect(json.table.head[0]).toBe('workers');
    checkReportFiles(out, json, ['throughput.svg', 'memory.svg', 'latency-percentiles.svg']);
  });

  it('evolution --scale: the six stages at their scaled counts, v4 and v5 in two processes merged exactly', async () => {
    const prefix = uniqueTopic('analysis-evolution');
    const out = join(dir, 'evolution');
    const { json } = analysis(['evolution', '--scale', '0.02', '--topic', prefix], out);
    expect(json.points.map((p) => p.label)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    await checkPoints(json, prefix, [100, 12_000, 20_000, 40_000, 40_000, 40_000]);
    for (const stage of json.points.slice(4)) {
      expect(stage.commands).toHaveLength(2);
      expect(stage.commands[0]).toMatch(/^datastorm produce --num-records 20000 --workers 4 .*--compression lz4 /);
      expect(stage.result.config).toMatchObject({ workers: 8, numRecords: 40_000, compression: 'lz4', partitions: 32 });
      expect(stage.result.workers).toHaveLength(8);
    }
    // v5 is v4 with pre-encoded batches.
    expect(json.points.map((p) => p.result.config.batchEncoding)).toEqual([...Array(5).fill('per-record'), 'pre-encoded']);
    // Stages this small measure start-up: no speedup is given between stages whose steady window is too short (v0's is, 100 records).
    const rates = json.points.map((p) => p.result.totals.recordsPerSec);
    const windows = json.points.map((p) => steadyWindowMs(p.result));
    expect(windows[0]).toBeLessThan(MIN_STEADY_WINDOW_MS);
    const short = (...stages: number[]) => [...new Set(stages)].filter((i) => windows[i] < MIN_STEADY_WINDOW_MS).map((i) => `v${i}`);
    const cell = (speedup: number, tooShort: string[]) => (tooShort.length ? `steady window too short: ${tooShort.join(', ')}` : `${speedup.toFixed(1)}x`);
    expect(json.table.rows.map((row) => row[4])).toEqual(windows.map((ms) => `${(ms / 1000).toFixed(1)}${ms < MIN_STEADY_WINDOW_MS ? ' (too short)' : ''}`));
    expect(json.table.rows.map((row) => row[5])).toEqual(rates.map((rate, i) => cell(rate / rates[0], short(0, i))));
    expect(json.table.rows.map((row) => row[6])).toEqual(rates.map((rate, i) => (i === 0 ? '' : cell(rate / rates[i - 1], short(i - 1, i)))));
    expect(json.table.rows.map((row) => row.at(-1))).toEqual(['5K/s (1.0x)', '56K/s (11.2x)', '210K/s (42.0x)', '420K/s (84.0x)', '680K/s (136.0x)', '']);
    checkReportFiles(out, json, ['throughput.svg', 'speedup.svg', 'latency-percentiles.svg']);
  });

  it('a point\'s records are on its topic, as many as its result says', async () => {
    const prefix = uniqueTopic('analysis-kept');
    const { json } = analysis(['compare', '--codecs', 'lz4', '--num-records', '3000', '--workers', '2', '--topic', prefix, '--keep-topics'], join(dir, 'kept'));
    const { topic } = json.points[0].result.config;
    try {
      expect(topic.startsWith(`${prefix}-compare-lz4-`)).toBe(true);
      expect(await topicEndOffsetTotal(admin, topic)).toBe(3000);
      expect(json.points[0].result.totals.records).toBe(3000);
    } finally {
      await admin.deleteTopics({ topics: [topic] });
    }
  });

  it('a point whose records fail ends the analysis with DS_POINT_FAILED and the reason, in one line', async () => {
    const prefix = uniqueTopic('analysis-failing');
    // --max-block 0: a record that finds every batch buffer of the worker in flight fails at once instead of waiting.
    const run = runCli(['compare', '--codecs', 'none', '--num-records', '50000', '--workers', '1', '--batch', '16KB', '--buffer-memory', '256KB',
      '--max-block', '0', '--linger', '50', '--topic', prefix, '--bootstrap-server', server], { timeoutMs: 120_000 });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error '));
    expect(errors).toHaveLength(1);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(errors[0]);
    expect(errors[0]).toMatch(new RegExp('^error DS_POINT_FAILED: point none failed: errors: \\d+ records failed \\(BufferExhaustedTimeout: \\d+\\); ' +
      'DS_RECORDS_FAILED: \\d+ records failed to send .* \\(run it alone to see its whole report: datastorm produce --num-records 50000 .*--max-block 0 .*' +
      `--topic ${prefix}-compare-none-\\w+ --bootstrap-server ${server}\\)$`));
    const left = await eventually(async () => (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)), (t) => t.length === 0);
    expect(left).toEqual([]);
  });

  // Long enough that only a stop ends the first point within the test's time.
  it.each([
    ['while its topic and workers are set up', /^ {2}datastorm produce /m],
    ['while it sends', / records sent, /],
  ])('Ctrl-C %s stops the running point\'s process and ends without a report', async (_, moment) => {
    const prefix = uniqueTopic('analysis-interrupted');
    const cli = startCli(['sweep', '--workers', '1,2', '--duration', '10m', '--reporting-interval', '500', '--topic', prefix, '--bootstrap-server', server]);
    await until(() => moment.test(cli.output.stderr), `${moment} in the output`);
    cli.interrupt();
    expect(await cli.exited).toBe(130);
    expect(cli.output.stderr).toContain('interrupted: stopping the running point\'s processes; no report is written');
    expect(cli.output.stderr.trimEnd().split('\n').at(-1)).toBe('error DS_INTERRUPTED: interrupted: no report written');
    expect(cli.output.stderr).not.toContain('point 2/2');
    const left = await eventually(async () => (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)), (t) => t.length === 0);
    expect(left).toEqual([]);
  });

  it('refuses a sweep without a list, and a compare that sets the codec, in one line', () => {
    const sweep = runCli(['sweep', '--workers', '2', '--bootstrap-server', server]);
    expect(sweep.code).toBe(1);
    expect(sweep.stderr).toBe('error DS_BAD_OPTION: sweep needs one produce option with several values ' +
      '(e.g. datastorm sweep --workers 1,2,4,8,16, or --batch 1MB,4MB,16MB)\n');
    const compare = runCli(['compare', '--compression', 'lz4', '--bootstrap-server', server]);
    expect(compare.code).toBe(1);
    expect(compare.stderr).toBe('error DS_BAD_OPTION: compare sets --compression itself, once per codec (list the codecs with --codecs none,lz4,zstd)\n');
  });
});
