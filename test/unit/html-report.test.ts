import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { barChart } from '../../src/report/charts.js';
import { renderHtmlReport, renderMarkdownTable } from '../../src/report/html-report.js';
import type { MachineInfo } from '../../src/produce/result.js';

const machine: MachineInfo = {
  hostname: 'bench<1>',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'Test CPU @ 2.40GHz',
  cpuCount: 2,
  totalMemoryBytes: 8 * 1024 ** 3,
  nodeVersion: 'v20.19.5',
};

/** The page is written so that it also parses as XML: a strict parser then checks every escape in it. */
function textOfElements(xml: string, name: string): string[] {
  const found: string[] = [];
  let depth = 0;
  const parser = new SaxesParser();
  parser.on('opentag', (tag) => {
    if (tag.name === name) found.push('');
    if (depth > 0 || tag.name === name) depth += 1;
  });
  parser.on('closetag', () => { if (depth > 0) depth -= 1; });
  parser.on('text', (text) => { if (depth > 0) found[found.length - 1] += text; });
  parser.write(xml).close();
  return found;
}

describe('renderMarkdownTable', () => {
  it('pads columns and right-aligns the columns of figures', () => {
    expect(renderMarkdownTable(['codec', 'records/s', 'p99 (ms)'], [['none', '1.2M', '12.5'], ['lz4', '980K', ''], ['zstd', '-3', '7 ms']])).toBe(
      '| codec | records/s | p99 (ms) |\n'
      + '| ----- | --------: | -------: |\n'
      + '| none  |      1.2M |     12.5 |\n'
      + '| lz4   |      980K |          |\n'
      + '| zstd  |        -3 |     7 ms |\n',
    );
  });

  it('takes a figure with a footnote mark for a figure', () => {
    expect(renderMarkdownTable(['run', 'records/s'], [['1', '50000'], ['2', '42500 *']])).toBe(
      '| run | records/s |\n| --: | --------: |\n|   1 |     50000 |\n|   2 |   42500 * |\n',
    );
  });

  it('escapes pipes, markup and line breaks', () => {
    expect(renderMarkdownTable(['a'], [['x | y'], ['<b>\nz'], ['c:\\tmp']])).toBe(
      '| a           |\n| ----------- |\n| x \\| y      |\n| &lt;b><br>z |\n| c:\\\\tmp     |\n',
    );
  });

  it('refuses a row that does not match the head', () => {
    expect(() => renderMarkdownTable(['a', 'b'], [['1', '2'], ['3']])).toThrow('table row 2 has 1 cells, the head has 2');
  });
});

describe('renderHtmlReport', () => {
  const svg = barChart({ title: 'Throughput', unit: 'records/s', bars: [{ label: 'none', value: 1200 }] });
  const html = renderHtmlReport({
    title: 'Codecs <compared> & "ranked"',
    machine,
    command: 'datastorm compare --codecs none,lz4 --topic "a&b"',
    sections: [
      { heading: 'Throughput', text: 'First paragraph.\n\nSecond <one>.', svg, table: { head: ['codec', 'records/s'], rows: [['none', '1200'], ['lz4 & co', '3,400']] } },
      { heading: 'Notes only', text: 'Nothing else.' },
    ],
  });

  it('is one self-contained page: inline CSS and SVG, no script, nothing fetched', () => {
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8"/>')).toBe(true);
    expect(html).toContain('<style>');
    expect(html).toContain(svg.trimEnd());
    expect(html).not.toMatch(/<script|<link|src=|href=|url\(|@import/i);
    expect(html.endsWith('</html>\n')).toBe(true);
  });

  it('escapes every text it is given', () => {
    expect(textOfElements(html, 'title')).toEqual(['Codecs <compared> & "ranked"', 'Throughput']);
    expect(textOfElements(html, 'h1')).toEqual(['Codecs <compared> & "ranked"']);
    expect(textOfElements(html, 'code')).toEqual(['datastorm compare --codecs none,lz4 --topic "a&b"']);
    expect(textOfElements(html, 'h2')).toEqual(['Throughput', 'Notes only']);
    expect(textOfElements(html, 'p')).toEqual(['First paragraph.', 'Second <one>.', 'Nothing else.']);
  });

  it('shows the machine and the tables, figures right-aligned', () => {
    expect(textOfElements(html, 'td')).toEqual([
      'bench<1>', 'Test CPU @ 2.40GHz × 2', '8.0 GiB', 'linux x64', 'v20.19.5',
      'none', '1200', 'lz4 & co', '3,400',
    ]);
    expect(html).toContain('<thead><tr><th>codec</th><th class="number">records/s</th></tr></thead>');
    expect(html).toContain('<tr><td>lz4 &amp; co</td><td class="number">3,400</td></tr>');
  });

  it('gives the same bytes for the same input', () => {
    expect(renderHtmlReport({ title: 't', machine, command: 'c', sections: [] }))
      .toBe(renderHtmlReport({ title: 't', machine, command: 'c', sections: [] }));
  });
});
