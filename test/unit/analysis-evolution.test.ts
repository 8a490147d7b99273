import { describe, expect, it } from 'vitest';
import {
  evolutionDocument, evolutionTable, formatSpeedup, MIN_STEADY_WINDOW_MS, processesTimesWorkers, speedups, stagesTable, steadyWindowMs,
} from '../../src/analysis/evolution.js';
import { stageFromObject } from '../../src/analysis/stages.js';
import { renderMarkdownTable } from '../../src/report/html-report.js';
import { analysisRun, point } from './analysis-fixtures.js';

const latencyMs = { mean: 10, p50: 5, p99: 50 };
const v0 = point('v0', { records: 2000, durationMs: 20_000, payloadMb: 0.5, wireMb: 0.6, cpuMs: 2000, rssMb: 120, latencyMs, workers: 1, brokerCpuMs: 4000, wallMs: 20_000 });
const v1 = point('v1', { records: 100_000, durationMs: 2000, payloadMb: 25, wireMb: 26, cpuMs: 2000, rssMb: 500, latencyMs, workers: 8, brokerCpuMs: 1000, wallMs: 5000 });
const v4 = point('v4', {
  records: 500_000, durationMs: 2500, payloadMb: 125, wireMb: 50, cpuMs: 4000, setupMs: 1500, rssMb: 800, latencyMs, workers: 8, processes: 2,
  brokerCpuMs: 3000, wallMs: 5000,
});

describe('speedups', () => {
  it('are each rate over the first', () => {
    expect(speedups([100, 50_000, 200_000])).toEqual([1, 500, 2000]);
    expect(speedups([])).toEqual([]);
    expect(speedups([0, 10]).every(Number.isNaN)).toBe(true);
  });

  it('print with one decimal and an x, or nothing when there is no baseline', () => {
    expect(formatSpeedup(11.2)).toBe('11.2x');
    expect(formatSpeedup(2084.64)).toBe('2084.6x');
    expect(formatSpeedup(Number.NaN)).toBe('');
  });

  it('name the split of workers over processes', () => {
    expect(processesTimesWorkers(1, 8)).toBe('1 × 8');
    expect(processesTimesWorkers(2, 8)).toBe('2 × 4');
    expect(processesTimesWorkers(2, 7)).toBe('2 × 3-4');
  });
});

describe('the evolution report', () => {
  const run = analysisRun('evolution', [v0, v1, v4]);

  it('tabulates records/s and speedup per stage beside the seed\'s, in one column labelled as the seed\'s', () => {
    const table = evolutionTable(run);
    expect(renderMarkdownTable(table.head, table.rows)).toBe([
      '| stage | processes × workers | records | records/s | steady window s | speedup vs v0 | vs the stage before |  MB/s | DataStorm CPU % | brokers CPU % | peak RSS MB | p50 ms | p99 ms | seed report: records/s (speedup vs v0) |',
      '| ----- | ------------------- | ------: | --------: | --------------: | ------------: | ------------------: | ----: | --------------: | ------------: | ----------: | -----: | -----: | -------------------------------------- |',
      '| v0    | 1 × 1               |    2000 |       100 |            20.0 |          1.0x |                     |  0.03 |             5.0 |          10.0 |         120 |   5.00 |  50.00 | 5K/s (1.0x)                            |',
      '| v1    | 1 × 8               |  100000 |     50000 |             2.0 |        500.0x |              500.0x | 12.50 |            50.0 |          10.0 |         500 |   5.00 |  50.00 | 56K/s (11.2x)                          |',
      '| v4    | 2 × 4               |  500000 |    200000 |             2.5 |       2000.0x |                4.0x | 50.00 |            50.0 |          30.0 |         800 |   5.00 |  50.00 | 680K/s (136.0x)                        |',
      '',
    ].join('\n'));
  });

  it('leaves the seed\'s cells empty for a stage it has no figure for', () => {
    const extra = point('v5-experimental', { records: 10, durationMs: 1000, payloadMb: 1, wireMb: 1, cpuMs: 10, rssMb: 100, latencyMs });
    const table = evolutionTable(analysisRun('evolution', [v0, extra]));
    // Its 1 s run is too short a steady window to set beside v0's.
    expect(table.rows[1].slice(4, 7)).toEqual(['1.0 (too short)', 'steady window too short: v5-experimental', 'steady window too short: v5-experimental']);
    expect(table.rows[1].at(-1)).toBe('');
  });

  it('marks a stage whose compressed bytes were reused (--batch-encoding pre-encoded-reused)', () => {
    const reused = { ...v4, label: 'v5', result: { ...v4.result, config: { ...v4.result.config, batchEncoding: 'pre-encoded-reused' as const } } };
    expect(evolutionTable(analysisRun('evolution', [v0, v4, reused])).rows.map((row) => row[0])).toEqual(['v0', 'v4', 'v5 (compression reused)']);
  });

  it('gives no speedup of a stage whose steady window (after its start-up, from its intervals) is too short, naming the stage', () => {
    // At a small --scale: v2 spends 400 ms of its 900 ms starting up, v3 600 ms of 1.7 s; v0's one-record sends are steady at once.
    const v2 = point('v2', { records: 200_000, durationMs: 900, payloadMb: 50, wireMb: 50, cpuMs: 900, rssMb: 150, latencyMs, workers: 8,
      intervals: [[400, 22_000], [800, 211_000]] });
    const v3 = point('v3', { records: 400_000, durationMs: 1700, payloadMb: 100, wireMb: 100, cpuMs: 900, rssMb: 150, latencyMs, workers: 8,
      intervals: [[600, 26_000], [1000, 221_000], [1400, 295_000]] });
    const v5 = point('v5', { records: 2_000_000, durationMs: 2500, payloadMb: 500, wireMb: 500, cpuMs: 900, rssMb: 150, latencyMs, workers: 8,
      intervals: [[500, 100_000], [1000, 800_000], [1500, 850_000], [2000, 820_000]] });
    expect([v2, v3, v5].map((p) => steadyWindowMs(p.result))).toEqual([500, 1100, 2000]);
    expect(steadyWindowMs({ ...v2.result, intervals: [] })).toBe(0);
    const table = evolutionTable(analysisRun('evolution', [v0, v2, v3, v5]));
    expect(renderMarkdownTable(table.head.slice(0, 7), table.rows.map((row) => row.slice(0, 7)))).toBe([
      '| stage | processes × workers | records | records/s | steady window s | speedup vs v0               | vs the stage before             |',
      '| ----- | ------------------- | ------: | --------: | --------------- | --------------------------- | ------------------------------- |',
      '| v0    | 1 × 1               |    2000 |       100 | 20.0            | 1.0x                        |                                 |',
      '| v2    | 1 × 8               |  200000 |    222222 | 0.5 (too short) | steady window too short: v2 | steady window too short: v2     |',
      '| v3    | 1 × 8               |  400000 |    235294 | 1.1 (too short) | steady window too short: v3 | steady window too short: v2, v3 |',
      '| v5    | 1 × 8               | 2000000 |    800000 | 2.0             | 8000.0x                     | steady window too short: v3     |',
      '',
    ].join('\n'));
    expect(MIN_STEADY_WINDOW_MS).toBe(1500);
  });

  it('lists each stage\'s file, description and options', () => {
    const stage = { ...stageFromObject({ description: 'two processes', 'num-records': 10, workers: 2, processes: 2, compression: 'lz4' }, 'v4.yaml', 'v4') };
    expect(stagesTable([stage]).rows).toEqual([
      ['v4', 'v4.yaml', 'two processes', '2 processes: --num-records 10 --workers 2 --compression lz4'],
    ]);
  });

  it('charts records/s and speedup per stage beside the seed\'s, and latency by percentile', () => {
    const document = evolutionDocument(run, [], 0.1);
    expect(document.title).toBe('DataStorm: evolution v0 to v4');
    expect(document.sections.map((section) => section.chart?.file ?? section.heading)).toEqual([
      'How this was measured', 'Records/s per stage', 'The stages', 'throughput.svg', 'speedup.svg', 'latency-percentiles.svg', 'The points as commands',
    ]);
    const throughput = document.sections[3].chart!.svg;
    expect(throughput.match(/<rect class="bar"/g)).toHaveLength(3);
    expect(throughput.match(/<rect class="reference-bar"/g)).toHaveLength(3);
    expect(throughput).toContain('>2000.0x vs v0</text>');
    expect(throughput).toContain('>680K</text>');
    expect(document.sections[4].chart!.svg).toContain('>136</text>');
    expect(document.sections[1].text).toMatch(/^Each stage at --scale 0\.1 \(its num-records × 0\.1, never fewer records than workers\)/);
    expect(document.sections[6].commands?.map((c) => c.label)).toEqual(['v0', 'v1', 'v4 process 1/2', 'v4 process 2/2']);
  });
});
