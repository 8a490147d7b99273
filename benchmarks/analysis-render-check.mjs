#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptOptions } from './script-options.mjs';

const { values, positionals: reportDirs, refuse } = scriptOptions(import.meta.url, {
  about: [
    'Rendering check for the reports of `datastorm compare`, `sweep` and `evolution` (not part of npm test): screenshots',
    'each report folder\'s report.html and each of its SVGs with headless Chromium, to look at. The PNGs are named',
    '<report dir name>-report.png and <report dir name>-<chart>.png. Exits 1 when a file is missing or Chromium writes',
    'no screenshot; skips, exit 0, when no Chromium is installed.',
  ],
  options: { 'png-dir': { type: 'string', value: 'DIR', default: join(tmpdir(), 'datastorm-analysis-render'), help: 'where the PNGs go' } },
  positionals: '<report dir>...',
});
if (reportDirs.length === 0) refuse('give the report folders (compare, sweep or evolution --out DIR)');
const pngDir = values['png-dir'];

const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find(
  (name) => spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0,
);
if (!chromium) {
  console.error('analysis-render-check: skipped: no chromium on PATH (Debian: apt-get install -y chromium)');
  process.exit(0);
}

mkdirSync(pngDir, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'datastorm-chromium-'));
let failed = false;

/** A full-page report is tall; a chart is 800×450 plus the page margin. */
function screenshot(file, png, windowSize) {
  rmSync(png, { force: true });
  const result = spawnSync(chromium, [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--hide-scrollbars', `--user-data-dir=${profile}`,
    `--screenshot=${png}`, `--window-size=${windowSize}`, pathToFileURL(file).href,
  ], { encoding: 'utf8', timeout: 120_000 });
  if (existsSync(png)) {
    console.log(`analysis-render-check: ${png}`);
  } else {
    failed = true;
    console.error(`analysis-render-check: no screenshot of ${file} (exit ${result.status}): ${(result.stderr ?? '').trim().split('\n').pop()}`);
  }
}

for (const dir of reportDirs.map((d) => resolve(d))) {
  const name = basename(dir);
  const html = join(dir, 'report.html');
  if (!existsSync(html)) {
    failed = true;
    console.error(`analysis-render-check: ${html} is missing`);
    continue;
  }
  screenshot(html, join(pngDir, `${name}-report.png`), '1000,4200');
  for (const svg of readdirSync(dir).filter((file) => file.endsWith('.svg')).sort()) {
    screenshot(join(dir, svg), join(pngDir, `${name}-${basename(svg, '.svg')}.png`), '820,470');
  }
}
rmSync(profile, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
