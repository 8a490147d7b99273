#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { scriptOptions } from './script-options.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { positionals } = scriptOptions(import.meta.url, {
  about: [
    'Rendering check for the report charts (not part of npm test): builds HTML reports with every chart kind from the',
    'fixtures in test/fixtures/charts and screenshots them with headless Chromium, to look at, into the output directory',
    '(default /tmp/datastorm-render-check). Skips, exit 0, when no Chromium is installed (Debian: apt-get install -y',
    'chromium). Needs `npm run build` first.',
  ],
  options: {},
  positionals: '[output directory]',
});
const outputDir = positionals[0] ?? join(tmpdir(), 'datastorm-render-check');
const WINDOW_SIZE = '1000,1600';

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0,
);
if (!chromium) {
  console.error('render-check: skipped: no chromium on PATH (Debian: apt-get install -y chromium)');
  process.exit(0);
}
if (!existsSync(join(root, 'dist/src/report/charts.js'))) {
  console.error('render-check: dist/src/report/charts.js is missing: run `npm run build` first');
  process.exit(1);
}

const { barChart, lineChart, percentileChart } = await import(pathToFileURL(join(root, 'dist/src/report/charts.js')).href);
const { renderHtmlReport, renderMarkdownTable } = await import(pathToFileURL(join(root, 'dist/src/report/html-report.js')).href);

const fixture = (name) => JSON.parse(readFileSync(join(root, 'test/fixtures/charts', name), 'utf8'));
const machine = fixture('machine.json');
const evolution = fixture('evolution.json');
const sweep = fixture('workers-sweep.json');
const lag = fixture('lag-over-time.json');
const latency = fixture('latency-by-codec.json');
const edge = fixture('edge-cases.json');

const evolutionTable = {
  head: ['stage', 'records/s', 'seed report records/s', 'note'],
  rows: evolution.bars.map((bar, index) => [bar.label, String(bar.value), String(evolution.referenceBars[index].value), bar.note ?? '']),
};
const latencyTable = {
  head: ['percentile', ...latency.series.map((series) => `${series.name} (ms)`)],
  rows: latency.series[0].points.map((point, index) => [
    `${point.percentile}%`,
    ...latency.series.map((series) => (series.points[index].valueUs / 1000).toFixed(3)),
  ]),
};

const reports = {
  bars: [
    { heading: 'Evolution stages', text: 'Grouped bars beside reference figures, with notes.', svg: barChart(evolution), table: evolutionTable },
    { heading: 'Escaping', text: 'Every label holds characters that XML must escape.', svg: barChart(edge.escaping) },
  ],
  lines: [
    { heading: 'Workers sweep', text: 'Log x axis (1, 2, 4, 8, 16 workers), two series.', svg: lineChart(sweep) },
    { heading: 'Consumer lag', text: '121 points per series: no markers.', svg: lineChart(lag) },
  ],
  percentiles: [
    { heading: 'Latency by percentile', text: 'Three codecs, HdrHistogram axis.', svg: percentileChart(latency), table: latencyTable },
    { heading: 'One series', svg: percentileChart({ title: 'lz4 only', series: [latency.series[1]] }) },
  ],
  'edge-cases': [
    { heading: 'Many bars', svg: barChart(edge.manyBars) },
    { heading: 'Log-log', svg: lineChart(edge.logBoth) },
  ],
  sparse: [
    { heading: 'One point', svg: lineChart(edge.onePoint) },
    { heading: 'Empty', svg: percentileChart(edge.empty) },
  ],
};

mkdirSync(outputDir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'datastorm-chromium-'));
let failed = false;
for (const [name, sections] of Object.entries(reports)) {
  const htmlPath = join(outputDir, `${name}.html`);
  const pngPath = join(outputDir, `${name}.png`);
  writeFileSync(htmlPath, renderHtmlReport({
    title: `Render check: ${name}`, machine, command: `node benchmarks/render-check.mjs ${outputDir}`, sections,
  }));
  rmSync(pngPath, { force: true });
  const result = spawnSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
    `--screenshot=${pngPath}`, `--window-size=${WINDOW_SIZE}`, pathToFileURL(htmlPath).href,
  ], { encoding: 'utf8', timeout: 120_000 });
  if (existsSync(pngPath)) {
    console.log(`render-check: ${pngPath}`);
  } else {
    failed = true;
    console.error(`render-check: no screenshot for ${htmlPath} (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').pop()}`);
  }
}
rmSync(profile, { recursive: true, force: true });
writeFileSync(join(outputDir, 'tables.md'), renderMarkdownTable(evolutionTable.head, evolutionTable.rows));
console.log(`render-check: ${join(outputDir, 'tables.md')}`);
process.exit(failed ? 1 : 0);
