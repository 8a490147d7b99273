import { describe, expect, it } from 'vitest';
import { axisPosition, sweepAxis, sweepDocument, sweepPointArgs, sweepTable } from '../../src/analysis/sweep.js';
import { renderMarkdownTable } from '../../src/report/html-report.js';
import { analysisRun, point } from './analysis-fixtures.js';

const latencyMs = { mean: 10, p50: 5, p99: 50 };

describe('the swept option', () => {
  it('is the one option given several values; each point takes one of them', () => {
    const args = { numRecords: ['1000'], workers: ['1', '2', '4'], batch: ['1MB'] };
    const axis = sweepAxis(args);
    expect(axis).toEqual({ key: 'workers', values: ['1', '2', '4'] });
    expect(sweepPointArgs(args, axis)).toEqual([
      { numRecords: ['1000'], workers: ['1'], batch: ['1MB'] },
      { numRecords: ['1000'], workers: ['2'], batch: ['1MB'] },
      { numRecords: ['1000'], workers: ['4'], batch: ['1MB'] },
    ]);
  });

  it('must be exactly one option, without repeated values', () => {
    expect(() => sweepAxis({ workers: ['2'] })).toThrow('sweep needs one produce option with several values');
    expect(() => sweepAxis({ workers: ['1', '2'], batch: ['1MB', '4MB'] }))
      .toThrow('sweep varies one option at a time; --workers and --batch have several values');
    expect(() => sweepAxis({ linger: ['0', '5', '0'] })).toThrow('--linger lists 0 twice');
    expect(() => sweepAxis({ workers: ['2'], producerProps: ['acks=1', 'linger.ms=5'] })).toThrow('sweep needs one produce option');
  });

  it('places points on a numeric axis (batch in MB), or none for words', () => {
    expect(axisPosition('workers', '16')).toBe(16);
    expect(axisPosition('batch', '512KB')).toBe(0.5);
    expect(axisPosition('duration', '2m')).toBe(120_000);
    expect(axisPosition('compression', 'lz4')).toBeUndefined();
  });
});

describe('the sweep report', () => {
  const workers = [1, 2, 4].map((n) => point(String(n), {
    records: 60_000, durationMs: 6000 / n, payloadMb: 15, wireMb: 15.5, cpuMs: 500 * n, rssMb: 100 + 50 * n, latencyMs, workers: n,
    brokerCpuMs: 1000, wallMs: 5000,
  }));

  it('tabulates throughput, latency and peak memory per point, with the seed\'s figure where it has one', () => {
    const table = sweepTable(analysisRun('sweep', workers), 'workers');
    expect(renderMarkdownTable(table.head, table.rows)).toBe([
      '| workers | records | records/s |  MB/s | wire MB | ratio | DataStorm CPU % | brokers CPU % | peak RSS MB | avg ms | p50 ms | p99 ms | seed report (its machine, 16MB batches) |',
      '| ------: | ------: | --------: | ----: | ------: | ----: | --------------: | ------------: | ----------: | -----: | -----: | -----: | --------------------------------------: |',
      '|       1 |   60000 |     10000 |  2.50 |   15.50 |  0.97 |             4.2 |          10.0 |         150 |  10.00 |   5.00 |  50.00 |                                         |',
      '|       2 |   60000 |     20000 |  5.00 |   15.50 |  0.97 |            16.7 |          10.0 |         200 |  10.00 |   5.00 |  50.00 |                                         |',
      '|       4 |   60000 |     40000 | 10.00 |   15.50 |  0.97 |            66.7 |          10.0 |         300 |  10.00 |   5.00 |  50.00 |                                  210K/s |',
      '',
    ].join('\n'));
  });

  it('sets the seed\'s memory and records/s beside a batch sweep', () => {
    const batches = ['1MB', '2MB'].map((label) => point(label, { records: 1000, durationMs: 1000, payloadMb: 1, wireMb: 1, cpuMs: 100, rssMb: 200, latencyMs }));
    const table = sweepTable(analysisRun('sweep', batches), 'batch');
    expect(table.head.at(-1)).toBe('seed report (its machine, 8 workers)');
    expect(table.rows.map((row) => row.at(-1))).toEqual(['140K/s, 1.2 GB', '']);
  });

  it('draws records/s and peak RSS against the axis (log x over powers of two), with the seed\'s series', () => {
    const document = sweepDocument(analysisRun('sweep', workers), 'workers');
    expect(document.title).toBe('DataStorm: sweep of workers');
    const drivers = ['kafkajs', 'platformatic'].map((label) => point(label, { records: 1000, durationMs: 1000, payloadMb: 1, wireMb: 1, cpuMs: 100, rssMb: 200, latencyMs }));
    expect(sweepDocument(analysisRun('compare', drivers), 'driver', 'comparison').title).toBe('DataStorm: comparison of driver');
    const [throughput, memory, latency] = document.sections.filter((s) => s.chart).map((s) => s.chart!);
    expect([throughput.file, memory.file, latency.file]).toEqual(['throughput.svg', 'memory.svg', 'latency-percentiles.svg']);
    expect(throughput.svg).toContain('<title>Records/s against workers</title>');
    expect(throughput.svg).toContain('>seed report (its machine)</text>');
    // One tick per power of two from 1 to 16: the measured points and the seed's share the axis.
    for (const tick of ['1', '2', '4', '8', '16']) expect(throughput.svg).toContain(`>${tick}</text>`);
    expect(memory.svg).toContain('<title>Peak RSS against workers</title>');
    expect(memory.svg).not.toContain('seed report');
  });

  it('draws bars for an axis of words', () => {
    const codecs = ['none', 'lz4'].map((label) => point(label, { records: 1000, durationMs: 1000, payloadMb: 1, wireMb: 1, cpuMs: 100, rssMb: 200, latencyMs }));
    const document = sweepDocument(analysisRun('sweep', codecs), 'compression');
    expect(document.sections.find((s) => s.chart?.file === 'throughput.svg')!.chart!.svg.match(/<rect class="bar"/g)).toHaveLength(2);
  });
});
