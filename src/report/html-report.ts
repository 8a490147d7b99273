import { escapeXml } from './charts.js';
import type { MachineInfo } from '../produce/result.js';

/**
 * Report files: one self-contained HTML page (inline CSS and SVG, nothing fetched, no script) and Markdown
 * tables. Pure: the same input gives the same bytes.
 */

export interface ReportTable {
  head: string[];
  rows: string[][];
}

export interface ReportSection {
  heading: string;
  /** Paragraphs, split on blank lines; shown as plain text. */
  text?: string;
  /** An SVG string from src/report/charts.ts, inlined as it is. */
  svg?: string;
  table?: ReportTable;
}

export interface HtmlReportInput {
  title: string;
  machine: MachineInfo;
  /** The command line that produced the report. */
  command: string;
  sections: ReportSection[];
}

const STYLE = `
body { font-family: Helvetica, Arial, sans-serif; color: #222222; max-width: 860px; margin: 24px auto; padding: 0 16px; line-height: 1.45; }
h1 { font-size: 24px; margin-bottom: 8px; }
h2 { font-size: 18px; margin-top: 36px; padding-bottom: 4px; border-bottom: 1px solid #dddddd; }
pre { background: #f4f4f4; padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; }
svg { display: block; max-width: 100%; height: auto; margin: 12px 0; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { border: 1px solid #dddddd; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.number { text-align: right; font-variant-numeric: tabular-nums; }
table.machine th { width: 120px; }
`;

/** A figure with an optional unit or footnote mark (1.5M, 12 ms, 42%, -3.2, 4250 *): such columns are right-aligned. */
const NUMERIC_CELL = /^[-+]?\d[\d,.]*\s*[%A-Za-zµ/*]*$/;

function checkTableShape(head: string[], rows: string[][]): void {
  rows.forEach((row, index) => {
    if (row.length !== head.length) throw new Error(`table row ${index + 1} has ${row.length} cells, the head has ${head.length}`);
  });
}

/** Columns whose cells are all figures (empty cells aside), the way they are aligned. */
function numericColumns(head: string[], rows: string[][]): boolean[] {
  return head.map((_, column) => {
    const cells = rows.map((row) => row[column].trim()).filter((cell) => cell !== '');
    return cells.length > 0 && cells.every((cell) => NUMERIC_CELL.test(cell));
  });
}

function htmlTable(table: ReportTable, className?: string): string {
  checkTableShape(table.head, table.rows);
  const numeric = numericColumns(table.head, table.rows);
  const cell = (tag: 'th' | 'td', content: string, column: number) =>
    `<${tag}${numeric[column] ? ' class="number"' : ''}>${escapeXml(content)}</${tag}>`;
  return [
    `<table${className ? ` class="${className}"` : ''}>`,
    `<thead><tr>${table.head.map((content, column) => cell('th', content, column)).join('')}</tr></thead>`,
    '<tbody>',
    ...table.rows.map((row) => `<tr>${row.map((content, column) => cell('td', content, column)).join('')}</tr>`),
    '</tbody>',
    '</table>',
  ].join('\n');
}

function machineTable(machine: MachineInfo): string {
  const gib = machine.totalMemoryBytes / 1024 ** 3;
  const rows = [
    ['host', machine.hostname],
    ['CPU', `${machine.cpuModel} × ${machine.cpuCount}`],
    ['memory', `${gib.toFixed(1)} GiB`],
    ['OS', `${machine.platform} ${machine.arch}`],
    ['Node.js', machine.nodeVersion],
  ];
  return [
    '<table class="machine">',
    ...rows.map(([name, value]) => `<tr><th>${name}</th><td>${escapeXml(value)}</td></tr>`),
    '</table>',
  ].join('\n');
}

function paragraphs(text: string): string[] {
  return text.split(/\n\s*\n/).map((paragraph) => paragraph.trim()).filter(Boolean).map((paragraph) => `<p>${escapeXml(paragraph)}</p>`);
}

function section(content: ReportSection): string {
  return [
    '<section>',
    `<h2>${escapeXml(content.heading)}</h2>`,
    ...(content.text === undefined ? [] : paragraphs(content.text)),
    ...(content.svg === undefined ? [] : [content.svg.trimEnd()]),
    ...(content.table === undefined ? [] : [htmlTable(content.table)]),
    '</section>',
  ].join('\n');
}

export function renderHtmlReport(input: HtmlReportInput): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeXml(input.title)}</h1>`,
    `<pre><code>${escapeXml(input.command)}</code></pre>`,
    machineTable(input.machine),
    ...input.sections.map(section),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function markdownCell(content: string): string {
  return content.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/\r?\n/g, '<br>');
}

/** A GitHub-flavoured Markdown table, columns padded to line up; figure columns right-aligned. */
export function renderMarkdownTable(head: string[], rows: string[][]): string {
  checkTableShape(head, rows);
  const numeric = numericColumns(head, rows);
  const cells = [head, ...rows].map((row) => row.map(markdownCell));
  const widths = head.map((_, column) => Math.max(3, ...cells.map((row) => [...row[column]].length)));
  const pad = (content: string, column: number) => {
    const fill = ' '.repeat(widths[column] - [...content].length);
    return numeric[column] ? fill + content : content + fill;
  };
  const line = (row: string[]) => `| ${row.map(pad).join(' | ')} |`;
  const rule = `| ${widths.map((width, column) => (numeric[column] ? `${'-'.repeat(width - 1)}:` : '-'.repeat(width))).join(' | ')} |`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line), ''].join('\n');
}
