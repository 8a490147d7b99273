import { renderHtmlReport, renderMarkdownTable, type ReportSection, type ReportTable } from '../report/html-report.js';
import type { MachineInfo } from '../produce/result.js';
import { maskPropertyLine } from '../security/client-security.js';

/**
 * An analysis report as data (sections of text, tables, charts and commands), rendered to Markdown and to
 * self-contained HTML from the same content. Pure: the same document gives the same bytes.
 */
export interface ReportChart {
  /** The SVG's file name in the report folder. */
  file: string;
  title: string;
  svg: string;
}

export interface CommandLine {
  label: string;
  command: string;
}

export interface DocumentSection {
  heading: string;
  /** Paragraphs separated by blank lines. */
  text?: string;
  table?: ReportTable;
  chart?: ReportChart;
  commands?: CommandLine[];
}

export interface ReportDocument {
  title: string;
  /** The command line that made the report. */
  command: string;
  machine: MachineInfo;
  sections: DocumentSection[];
}

const SHELL_SAFE = /^[A-Za-z0-9_./:=,@%+-]+$/;

/** Arguments quoted for a POSIX shell where they need it: `--topic t --producer-props 'a=b c'`. */
export function formatArgs(argv: string[]): string {
  return argv.map((arg) => (SHELL_SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** An argv as a shell command line: `datastorm produce --topic t`. */
export function formatCommand(argv: string[], program = 'datastorm produce'): string {
  return argv.length === 0 ? program : `${program} ${formatArgs(argv.map(maskPropertyLine))}`;
}

export function machineRows(machine: MachineInfo): string[][] {
  return [
    ['host', machine.hostname],
    ['CPU', `${machine.cpuModel} × ${machine.cpuCount}`],
    ['memory', `${(machine.totalMemoryBytes / 1024 ** 3).toFixed(1)} GiB`],
    ['OS', `${machine.platform} ${machine.arch}`],
    ['Node.js', machine.nodeVersion],
  ];
}

const commandsTable = (commands: CommandLine[]): ReportTable => ({ head: ['point', 'command'], rows: commands.map((c) => [c.label, c.command]) });

export function renderMarkdownReport(document: ReportDocument): string {
  const parts = [
    `# ${document.title}`,
    '',
    '```sh',
    document.command,
    '```',
    '',
    '## Machine',
    '',
    renderMarkdownTable(['', ''], machineRows(document.machine)),
  ];
  for (const section of document.sections) {
    parts.push(`## ${section.heading}`, '');
    if (section.text !== undefined) {
      for (const paragraph of section.text.split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean)) parts.push(paragraph, '');
    }
    if (section.table) parts.push(renderMarkdownTable(section.table.head, section.table.rows));
    if (section.chart) parts.push(`![${section.chart.title}](${section.chart.file})`, '');
    if (section.commands) {
      parts.push('```sh', ...section.commands.map((c) => `# ${c.label}\n${c.command}`), '```', '');
    }
  }
  return `${parts.join('\n').trimEnd()}\n`;
}

function htmlSection(section: DocumentSection): ReportSection[] {
  const main: ReportSection = {
    heading: section.heading,
    ...(section.text === undefined ? {} : { text: section.text }),
    ...(section.chart ? { svg: section.chart.svg } : {}),
    ...(section.table ? { table: section.table } : {}),
  };
  // An HTML section holds one table: the commands follow in their own when there is already one.
  if (!section.commands) return [main];
  if (!section.table) return [{ ...main, table: commandsTable(section.commands) }];
  return [main, { heading: `${section.heading}: commands`, table: commandsTable(section.commands) }];
}

export function renderHtmlDocument(document: ReportDocument): string {
  return renderHtmlReport({
    title: document.title,
    machine: document.machine,
    command: document.command,
    sections: document.sections.flatMap(htmlSection),
  });
}
