import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import type { ProduceResult } from '../../src/produce/result.js';
import { freePort, PERF_WINDOW_LINE, startCli, uniqueTopic, until } from '../helpers.js';

interface Panel {
  title: string;
  type: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ type: string; name: string; query?: { query: string } }> };
}

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana/datastorm.json', import.meta.url), 'utf8')) as Dashboard;
const bootstrap = inject('bootstrap');

/** Every panel, those inside rows too. */
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);

/** Every PromQL expression the dashboard queries: its panels' and its variables' (Grafana's label_values(SELECTOR, LABEL)). */
function expressions(): string[] {
  return [
    ...allPanels(dashboard.panels).flatMap((panel) => (panel.targets ?? []).map((target) => target.expr)),
    ...dashboard.templating.list.filter((variable) => variable.type === 'query')
      .map((variable) => variable.query!.query.replace(/^label_values\((.*),\s*\w+\)$/, '$1')),
  ];
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: its identifiers, less functions (a name before a parenthesis),
 * keywords, and what label names and strings are (matchers in braces, grouping lists, range windows, quoted text).
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/(?<![\w$.])([a-zA-Z_:][\w:]*)(\s*\()?/g)]
    .filter((match) => match[2] === undefined && !KEYWORDS.has(match[1].toLowerCase()))
    .map((match) => match[1]);
}

/** The metric families a scrape declares (`# TYPE name kind`) and its samples by series (`name{labels}`). */
function parseScrape(text: string): { families: Set<string>; samples: Map<string, number> } {
  const lines = text.split('\n');
  return {
    families: new Set(lines.filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2])),
    samples: new Map(lines.filter((line) => line && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))])),
  };
}

describe('docs/grafana/datastorm.json', () => {
  it('reads metric names out of PromQL as Prometheus would', () => {
    expect(metricNames('sum by (type) (rate(a_total{job=~"$job",x="rate(b)"}[$__rate_interval])) or vector(0)')).toEqual(['a_total']);
    expect(metricNames('max by (quantile) (lat_seconds{q="0.99"}) / on (instance) group_left max(other)')).toEqual(['lat_seconds', 'other']);
  });

  it('has panels for throughput, latency, errors, in-flight requests, buffer use and each worker', () => {
    const titles = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row').map((panel) => panel.title);
    for (const wanted of [/^Throughput \(records\/s\)$/, /^Latency percentiles/, /^Errors/, /^Requests in flight$/, /^Buffer use/, /per worker/i]) {
      expect(titles.some((title) => wanted.test(title)), String(wanted)).toBe(true);
    }
  });

  it('queries only metrics a live produce run serves on --metrics-port, each worker\'s too', async () => {
    const names = [...new Set(expressions().flatMap(metricNames))].sort();
    expect(names).toEqual([
      'datastorm_buffered_bytes', 'datastorm_latency_max_seconds', 'datastorm_latency_seconds', 'datastorm_payload_bytes_acknowledged_total',
      'datastorm_records_acknowledged_total', 'datastorm_records_failed_total', 'datastorm_requests_in_flight', 'datastorm_worker_buffered_bytes',
      'datastorm_worker_records_acknowledged_total', 'datastorm_worker_requests_in_flight',
    ]);
    const port = await freePort();
    const run = startCli(['produce', '--bootstrap-server', bootstrap.join(','), '--topic', uniqueTopic('grafana'), '--duration', '5s',
      '--throughput', '4000', '--workers', '2', '--reporting-interval', '500', '--metrics-port', String(port), '--metrics-hold', '30s', '--json']);
    const scrape = async () => parseScrape(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
    try {
      await until(() => run.output.stderr.split('\n').some((line) => PERF_WINDOW_LINE.test(line)), 'a window line');
      const during = await scrape();
      for (const name of names) expect(during.families, name).toContain(name);
      // Every family the dashboard charts has samples mid-run, but the failures' (labelled by error type: none failed).
      const sampled = new Set([...during.samples.keys()].map((series) => series.replace(/\{.*$/, '')));
      expect(names.filter((name) => !sampled.has(name))).toEqual(['datastorm_records_failed_total']);
      expect(during.samples.get('datastorm_worker_records_acknowledged_total{worker="0"}')).toBeGreaterThan(0);
      expect(during.samples.get('datastorm_worker_records_acknowledged_total{worker="1"}')).toBeGreaterThan(0);

      await until(() => run.output.stdout.trimEnd().endsWith('}'), 'the JSON result', 60_000);
      const result = JSON.parse(run.output.stdout) as ProduceResult;
      const after = await scrape();
      // Each worker's series is that worker's count in the result, and they add up to the run's.
      expect(result.workers.map((worker) => after.samples.get(`datastorm_worker_records_acknowledged_total{worker="${worker.workerId}"}`)))
        .toEqual(result.workers.map((worker) => worker.records));
      expect(after.samples.get('datastorm_records_acknowledged_total')).toBe(result.totals.records);
      expect([0, 1].map((worker) => after.samples.get(`datastorm_worker_requests_in_flight{worker="${worker}"}`))).toEqual([0, 0]);
      expect([0, 1].map((worker) => after.samples.get(`datastorm_worker_buffered_bytes{worker="${worker}"}`))).toEqual([0, 0]);
    } finally {
      run.interrupt();
      await run.exited;
    }
  });
});
