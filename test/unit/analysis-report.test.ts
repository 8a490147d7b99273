import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { machineLine, setupText } from '../../src/analysis/analysis-document.js';
import { compareDocument, compareTable } from '../../src/analysis/compare.js';
import { payloadInfo } from '../../src/analysis/payload-info.js';
import { formatCommand, renderHtmlDocument, renderMarkdownReport, type ReportDocument } from '../../src/analysis/report-document.js';
import { reportJson, writeReportFiles } from '../../src/analysis/report-files.js';
import { MACHINE, analysisRun, point } from './analysis-fixtures.js';

function parseXml(xml: string): string[] {
  const elements: string[] = [];
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => elements.push(tag.name));
  parser.write(xml).close();
  return elements;
}

const lz4 = point('lz4', {
  records: 1000, durationMs: 1000, payloadMb: 2, wireMb: 1, cpuMs: 100, rssMb: 90, latencyMs: { mean: 3, p50: 2, p99: 9 }, brokerCpuMs: 200, wallMs: 2000,
});

describe('command lines', () => {
  it('quote for a POSIX shell only what needs it', () => {
    expect(formatCommand(['--batch', '16MB', '--topic', 'a.b_c-1', '--bootstrap-server', 'h:9092,h:9093'])).toBe(
      'datastorm produce --batch 16MB --topic a.b_c-1 --bootstrap-server h:9092,h:9093',
    );
    expect(formatCommand(['--payload-delimiter', '\\t', '--producer-props', 'client.id=it\'s me'], 'datastorm')).toBe(
      `datastorm --payload-delimiter '\\t' --producer-props 'client.id=it'\\''s me'`,
    );
  });
});

describe('report documents', () => {
  const document: ReportDocument = {
    title: 'A <report>',
    command: 'datastorm compare --codecs lz4',
    machine: MACHINE,
    sections: [
      { heading: 'Figures', text: 'First paragraph.\n\nSecond | paragraph.', table: { head: ['codec', 'records/s'], rows: [['lz4', '1000']] } },
      { heading: 'Chart', chart: { file: 'throughput.svg', title: 'Records/s', svg: '<svg xmlns="http://www.w3.org/2000/svg"><title>x</title></svg>\n' } },
      { heading: 'The points as commands', commands: [{ label: 'lz4', command: 'datastorm produce --compression lz4' }] },
    ],
  };

  it('render to Markdown: the command, the machine, then each section', () => {
    expect(renderMarkdownReport(document)).toBe([
      '# A <report>',
      '',
      '```sh',
      'datastorm compare --codecs lz4',
      '```',
      '',
      '## Machine',
      '',
      '|         |              |',
      '| ------- | ------------ |',
      '| host    | bench-1      |',
      '| CPU     | Test CPU × 2 |',
      '| memory  | 8.0 GiB      |',
      '| OS      | linux x64    |',
      '| Node.js | v20.0.0      |',
      '',
      '## Figures',
      '',
      'First paragraph.',
      '',
      'Second | paragraph.',
      '',
      '| codec | records/s |',
      '| ----- | --------: |',
      '| lz4   |      1000 |',
      '',
      '## Chart',
      '',
      '![Records/s](throughput.svg)',
      '',
      '## The points as commands',
      '',
      '```sh',
      '# lz4',
      'datastorm produce --compression lz4',
      '```',
      '',
    ].join('\n'));
  });

  it('render to HTML that parses as XML, commands as a table', () => {
    const html = renderHtmlDocument(document);
    const elements = parseXml(html.replace('<!DOCTYPE html>\n', ''));
    expect(elements.filter((name) => name === 'table')).toHaveLength(3);
    expect(elements.filter((name) => name === 'svg')).toHaveLength(1);
    expect(html).toContain('<h1>A &lt;report&gt;</h1>');
    expect(html).toContain('<td>datastorm produce --compression lz4</td>');
  });
});

describe('report files', () => {
  const run = analysisRun('compare', [lz4]);

  it('name the machine above the terminal table', () => {
    expect(machineLine(run)).toBe('measured on bench-1: Test CPU × 2, 8.0 GiB, linux x64, Node.js v20.0.0; 4 brokers on this machine, load average 1.50 -> 2.25');
  });

  it('say how the figures were measured, on which machine and cluster', () => {
    expect(setupText({ ...run, brokerBaseline: { windowMs: 2004, cpuPercent: 12.345 } })).toBe([
      'Cluster: 4 brokers at 127.0.0.1:9092,127.0.0.1:9093 (the local `datastorm cluster up` cluster, on this machine).',
      'Load average (1 min): 1.50 before the first point, 2.25 after the last, on 2 cores: the brokers and any other work on the machine share them with DataStorm.',
      'Each point ran the produce engine in a process of its own (several at once for a point of several processes, their results merged exactly) on a fresh topic, given its run config and sending its result back over an IPC channel; the commands below repeat it. Every records figure is the broker-acknowledged count, checked against the growth of the topic\'s end offsets (accounting OK for every point).',
      'Values: the default click-event Avro values. gzip compresses worker 0\'s pool of values (concatenated) 4.50× (measured when this report was made).',
      'CPU: DataStorm\'s is the produce process\'s user+system time from the start of its work (topic set-up, workers) to the last acknowledgement, as a share of all 2 cores (100% = every core busy); the brokers\' CPU is their JVMs\' user+system time (from /proc/<pid>/stat) from the start of the point\'s processes to their last result, as a share of all 2 cores; it includes whatever else the brokers served meanwhile (in the 2.0 s before the first point, with no point running, they used 12.3%).',
      'Latency: per record, from its append to a batch to the broker\'s acknowledgement, from HDR histograms merged exactly across workers and processes. MB = 1024 × 1024 bytes; MB/s counts record values; wire MB counts record batches as sent, after compression; ratio = value bytes / wire bytes. Peak RSS is the process\'s (added up over a point\'s processes).',
    ].join('\n\n'));
    expect(setupText(analysisRun('compare', [lz4], false))).toContain('the brokers are not local to this machine, so their CPU is not measured.');
  });

  it('hold report.md, report.html, one SVG per chart and results.json, each parseable', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'datastorm-report-')), 'nested');
    const table = compareTable(run);
    const json = reportJson(run, table);
    const written = writeReportFiles(dir, compareDocument(run), json);
    expect(readdirSync(dir).sort()).toEqual(['latency-percentiles.svg', 'report.html', 'report.md', 'results.json', 'throughput.svg']);
    expect(written).toHaveLength(5);
    for (const svg of ['latency-percentiles.svg', 'throughput.svg']) expect(parseXml(readFileSync(join(dir, svg), 'utf8'))[0]).toBe('svg');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(parseXml(html.replace('<!DOCTYPE html>\n', '')).filter((name) => name === 'svg')).toHaveLength(2);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('| lz4   |    1000 |      1000 |');
    const parsed = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
    expect(parsed).toMatchObject({ kind: 'compare', machine: MACHINE, table, cluster: { brokers: 4, local: true } });
    expect(parsed.points[0]).toMatchObject({
      label: 'lz4', commands: ['datastorm produce --num-records 1000 --topic t-lz4-1'], wallMs: 2000, brokerCpuMs: 200,
      figures: { records: 1000, recordsPerSec: 1000, compressionRatio: 2, brokerCpuPercent: 5, peakRssMb: 90 },
      result: { totals: { records: 1000 }, accounting: { match: true } },
    });
  });
});

describe('the values a report describes', () => {
  it('are the default click events, compressible the way real events are, and named as the first point\'s when points differ', () => {
    const info = payloadInfo([{ kind: 'avro', recordSizeBytes: 250 }, { kind: 'avro', recordSizeBytes: 250, serializeOnSend: true }]);
    expect(info.description).toBe('the default click-event Avro values (dev.datastorm.ClickEvent: ids, timestamps, URLs, user agents, '
      + 'a country, attributes and a note of words), each sized to exactly 250 B, 1024 distinct values per worker');
    expect(info.poolGzipRatio).toBeGreaterThan(4.3);
    expect(info.poolGzipRatio).toBeLessThan(4.8);
    expect(info.variesByPoint).toBeUndefined();
    expect(payloadInfo([{ kind: 'avro', recordSizeBytes: 250 }, { kind: 'avro', recordSizeBytes: 1000 }]).variesByPoint).toBe(true);
  });
});
