import { describe, expect, it } from 'vitest';
import { compareDocument, compareTable, driverAxis, parseCodecList, seedCodecCell } from '../../src/analysis/compare.js';
import { renderTerminalTable } from '../../src/analysis/point-figures.js';
import { renderMarkdownTable } from '../../src/report/html-report.js';
import { analysisRun, point } from './analysis-fixtures.js';

const none = point('none', {
  records: 100_000, durationMs: 2000, payloadMb: 25, wireMb: 26, cpuMs: 1500, setupMs: 500, rssMb: 150,
  latencyMs: { mean: 40, p50: 35, p99: 90 }, brokerCpuMs: 800, wallMs: 4000,
});
const zstd = point('zstd', {
  records: 100_000, durationMs: 4000, payloadMb: 25, wireMb: 5, cpuMs: 3300, setupMs: 1000, rssMb: 160,
  latencyMs: { mean: 80, p50: 70, p99: 200 }, brokerCpuMs: 1200, wallMs: 6000,
});
const gzip = point('gzip', {
  records: 100_000, durationMs: 5000, payloadMb: 25, wireMb: 6.25, cpuMs: 1000, rssMb: 140, latencyMs: { mean: 9, p50: 8, p99: 20 },
});

describe('datastorm compare, pure parts', () => {
  it('reads a codec list, refusing unknown and repeated codecs', () => {
    expect(parseCodecList('none,gzip, snappy,lz4,zstd')).toEqual(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    expect(() => parseCodecList('none,brotli')).toThrow('unknown codec "brotli"');
    expect(() => parseCodecList('lz4,none,lz4')).toThrow('--codecs names lz4 twice');
  });

  it('tabulates each codec\'s figures, CPU as a share of both cores, the seed\'s figures in a column of their own', () => {
    const table = compareTable(analysisRun('compare', [none, zstd]));
    // none: 100000 records in 2 s; 1500 ms CPU over 0.5 s setup + 2 s on 2 cores = 30%; brokers 800 ms over 4 s = 10%.
    expect(renderTerminalTable(table, false)).toBe([
      '┌───────┬─────────┬───────────┬───────┬─────────┬───────┬─────────────────┬───────────────┬─────────────┬────────┬────────┬────────┬───────────────────────────┐',
      '│ codec │ records │ records/s │  MB/s │ wire MB │ ratio │ DataStorm CPU % │ brokers CPU % │ peak RSS MB │ avg ms │ p50 ms │ p99 ms │ seed report (its machine) │',
      '├───────┼─────────┼───────────┼───────┼─────────┼───────┼─────────────────┼───────────────┼─────────────┼────────┼────────┼────────┼───────────────────────────┤',
      '│ none  │  100000 │     50000 │ 12.50 │   26.00 │  0.96 │            30.0 │          10.0 │         150 │  40.00 │  35.00 │  90.00 │    740K/s, 62% CPU, 18 ms │',
      '├───────┼─────────┼───────────┼───────┼─────────┼───────┼─────────────────┼───────────────┼─────────────┼────────┼────────┼────────┼───────────────────────────┤',
      '│ zstd  │  100000 │     25000 │  6.25 │    5.00 │  5.00 │            33.0 │          10.0 │         160 │  80.00 │  70.00 │ 200.00 │    510K/s, 89% CPU, 41 ms │',
      '└───────┴─────────┴───────────┴───────┴─────────┴───────┴─────────────────┴───────────────┴─────────────┴────────┴────────┴────────┴───────────────────────────┘',
    ].join('\n'));
  });

  it('marks a codec whose compressed bytes were reused (--batch-encoding pre-encoded-reused), the seed still beside it', () => {
    const reused = { ...zstd, result: { ...zstd.result, config: { ...zstd.result.config, batchEncoding: 'pre-encoded-reused' as const } } };
    const table = compareTable(analysisRun('compare', [none, reused]));
    expect(table.rows.map((row) => [row[0], row.at(-1)])).toEqual([['none', '740K/s, 62% CPU, 18 ms'], ['zstd (compression reused)', '510K/s, 89% CPU, 41 ms']]);
  });

  it('leaves the brokers\' CPU and the seed empty where there is nothing measured or nothing to set beside', () => {
    const table = compareTable(analysisRun('compare', [gzip], false));
    expect(renderMarkdownTable(table.head, table.rows)).toBe([
      '| codec | records | records/s | MB/s | wire MB | ratio | DataStorm CPU % | brokers CPU % | peak RSS MB | avg ms | p50 ms | p99 ms | seed report (its machine) |',
      '| ----- | ------: | --------: | ---: | ------: | ----: | --------------: | ------------- | ----------: | -----: | -----: | -----: | ------------------------- |',
      '| gzip  |  100000 |     20000 | 5.00 |    6.25 |  4.00 |            10.0 |               |         140 |   9.00 |   8.00 |  20.00 |                           |',
      '',
    ].join('\n'));
    expect(seedCodecCell('lz4')).toBe('680K/s, 78% CPU, 23 ms');
    expect(seedCodecCell('snappy')).toBe('');
  });

  it('makes a report with the table, a throughput chart beside the seed\'s and the latency distribution', () => {
    const document = compareDocument(analysisRun('compare', [none, gzip]));
    expect(document.sections.map((section) => section.heading)).toEqual([
      'How this was measured', 'Compression impact', 'Throughput by codec', 'Latency by percentile', 'The points as commands',
    ]);
    const throughput = document.sections[2].chart!;
    expect(throughput.file).toBe('throughput.svg');
    // Measured bars for both codecs; a seed bar only for none, the one of them the seed measured.
    expect(throughput.svg.match(/<rect class="bar"/g)).toHaveLength(2);
    expect(throughput.svg.match(/<rect class="reference-bar"/g)).toHaveLength(1);
    expect(throughput.svg).toContain('>50K</text>');
    expect(document.sections[3].chart!.svg).toContain('<title>Latency by percentile, per codec (send to ack)</title>');
    expect(document.sections[4].commands).toEqual([
      { label: 'none', command: 'datastorm produce --num-records 100000 --topic t-none-1' },
      { label: 'gzip', command: 'datastorm produce --num-records 100000 --topic t-gzip-1' },
    ]);
  });
});

describe('datastorm compare --driver', () => {
  it('varies the driver when --driver lists several, the codec otherwise', () => {
    expect(driverAxis({ driver: ['kafkajs', 'platformatic'], workers: ['1'], compression: ['lz4'] }, false))
      .toEqual({ key: 'driver', values: ['kafkajs', 'platformatic'] });
    expect(driverAxis({ driver: ['platformatic'], workers: ['1'] }, false)).toBeUndefined();
    expect(driverAxis({ workers: ['1'] }, true)).toBeUndefined();
  });

  it('refuses varying the driver and anything else at once', () => {
    expect(() => driverAxis({ driver: ['kafkajs', 'platformatic'] }, true))
      .toThrow('compare varies the codec (--codecs) or the driver (--driver kafkajs,platformatic), not both');
    expect(() => driverAxis({ driver: ['kafkajs', 'platformatic'], workers: ['1', '2'] }, false))
      .toThrow('--workers has several values (1,2): compare varies the driver only');
    expect(() => driverAxis({ driver: ['kafkajs', 'kafkajs'] }, false)).toThrow('--driver lists kafkajs twice');
  });
});
