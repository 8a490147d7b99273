import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResult, CapacityBenchResult } from '../../src/bench/bench-result.js';
import { buildHistory, driftFailure, type HistoryFile } from '../../src/bench/history.js';
import {
  formatHistoryHeadline, formatLastRunLine, historyChart, historyHtml, historyMarkdown, historyRunsTable, lastRunTable,
} from '../../src/bench/history-report.js';
import type { MetricValues } from '../../src/bench/metrics.js';
import { parseThreshold } from '../../src/bench/thresholds.js';
import { runCli } from '../helpers.js';
import { capacityResult, produceResult } from './bench-fixtures.js';

/** A run's figures: records/s and p99 as given, the rest fixed. */
const figures = (records_per_sec: number, p99_ms: number): MetricValues => ({
  records_per_sec, mb_per_sec: records_per_sec / 10_000, avg_ms: 5, p50_ms: 4, p95_ms: 8, p99_ms, p999_ms: 20, max_ms: 30, error_count: 0,
});

const DAY_MS = 86_400_000;
const FIRST_MS = Date.parse('2026-03-01T09:00:00.000Z');

/**
 * A `bench run --out` result of the ci-gate workload, run on day `day` of the history (or at `startedMs`) in commit
 * `c<day>`, made an hour before that day's run (or with no commit); its figures in its bench section, as bench run writes them.
 */
function benchResult(day: number, run: MetricValues, options: { commit?: boolean; workload?: string; startedMs?: number } = {}): BenchResult {
  const startedMs = options.startedMs ?? FIRST_MS + day * DAY_MS;
  const result = produceResult({ records: 1000, latenciesUs: [1000, 2000], startEpochMs: startedMs + 500 });
  return {
    ...result,
    bench: {
      workload: { name: options.workload ?? 'ci-gate', file: 'benchmarks/workloads/ci-gate.yaml' },
      ...(options.commit === false ? {} : { commit: { sha: `c${day}`.padEnd(40, '0'), committedAt: new Date(FIRST_MS + day * DAY_MS - 3_600_000).toISOString() } }),
      runs: [run],
    },
  };
}

/** Ten days of a workload whose throughput wobbles by up to 2% around 50,000 records/s; `lastRecordsPerSec` sets the tenth. */
function tenRuns(lastRecordsPerSec = 50_000): BenchResult[] {
  const wobble = [0, 1, -1, 2, 0, -2, 1, 0, -1];
  return [...wobble.map((percent, day) => benchResult(day, figures(50_000 * (1 + percent / 100), 20 + percent))), benchResult(9, figures(lastRecordsPerSec, 20))];
}

const asFiles = (results: BenchResult[]): HistoryFile[] => results.map((result, i) => ({ file: `results/run-${i + 1}.json`, result }));

/** A folder of the results, one file each, named in an order that is not the runs' (the history orders them itself). */
function folderOf(results: BenchResult[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-history-'));
  results.forEach((result, i) => writeFileSync(join(dir, `${String.fromCharCode(106 - i)}.json`), `${JSON.stringify(result, null, 2)}\n`));
  return dir;
}

describe('a history of runs', () => {
  it('orders the runs by their commit\'s time when each names it, by their start otherwise', () => {
    // Day 2's run was made again after day 3's, on day 2's commit: commit order puts it back in its place.
    const rerun = benchResult(2, figures(49_000, 21), { startedMs: FIRST_MS + 3.5 * DAY_MS });
    const results = [benchResult(0, figures(50_000, 20)), rerun, benchResult(3, figures(51_000, 19))];
    const byCommit = buildHistory(asFiles(results), { window: 5, limits: {}, dir: 'results' });
    expect(byCommit.order).toBe('commit');
    expect(byCommit.runs.map((run) => run.figures.records_per_sec)).toEqual([50_000, 49_000, 51_000]);
    const byTime = buildHistory(asFiles([...results, benchResult(4, figures(52_000, 19), { commit: false })]), { window: 5, limits: {}, dir: 'results' });
    expect(byTime.order).toBe('time');
    expect(byTime.runs.map((run) => run.figures.records_per_sec)).toEqual([50_000, 51_000, 49_000, 52_000]);
  });

  it('judges each run against the median of up to --window runs before it, worse as compare decides per metric', () => {
    const results = [
      benchResult(0, figures(50_000, 20)), benchResult(1, figures(40_000, 40)), benchResult(2, figures(60_000, 10)),
      benchResult(3, figures(44_000, 23)), benchResult(4, figures(52_000, 30)),
    ];
    const history = buildHistory(asFiles(results), { window: 3, limits: { records_per_sec: 10, p99_ms: 25 }, dir: 'results' });
    expect(history.runs.map((run) => [run.baselineRuns, run.baseline?.records_per_sec, run.baseline?.p99_ms])).toEqual([
      [0, undefined, undefined], [1, 50_000, 20], [2, 45_000, 30], [3, 50_000, 20], [3, 44_000, 23],
    ]);
    // Run 2: 20% fewer records/s and twice the p99 of run 1; run 4: 12% fewer than the median of 50,000 (limit 10%);
    // run 5: more records/s (better) and a p99 30% above 23 ms (limit 25%).
    expect(history.runs.map((run) => run.comparisons.filter((c) => c.regressed).map((c) => c.metric))).toEqual([
      [], ['records_per_sec', 'p99_ms'], [], ['records_per_sec'], ['p99_ms'],
    ]);
    expect(driftFailure(history)).toBe('the last run (results/run-5.json) against the median of the 3 before it: ' +
      '1 metric regressed beyond the limit: p99_ms +30.4% (limit 25%)');
    expect(driftFailure({ ...history, runs: history.runs.slice(0, 3) })).toBeUndefined();
  });

  it('judges capacity searches on their sustainable rate', () => {
    const search = (day: number, sustainableRps: number): CapacityBenchResult => ({
      ...capacityResult({ sustainableRps, confirmationP99Ms: 30 }), startedAt: new Date(FIRST_MS + day * DAY_MS).toISOString(),
      bench: { workload: { name: 'capacity-gate' }, runs: [{ sustainable_rps: sustainableRps, ceiling_rps: sustainableRps * 2, confirmation_p99_ms: 30 }] },
    });
    const files = [search(0, 10_000), search(1, 10_400), search(2, 9_800), search(3, 8_700)].map((result, i) => ({ file: `c${i}.json`, result }));
    const history = buildHistory(files, { window: 5, limits: { sustainable_rps: 10 }, dir: 'capacity' });
    expect([history.kind, history.order]).toEqual(['capacity', 'time']);
    expect(historyRunsTable(history, []).head).toEqual(['#', 'started (UTC)', 'commit', 'sustainable_rps']);
    expect(driftFailure(history)).toBe('the last run (c3.json) against the median of the 3 before it: 1 metric regressed beyond the limit: ' +
      'sustainable_rps -13.0% (limit 10%)');
  });

  it('notes a run unlike the one before it', () => {
    const moved = benchResult(1, figures(50_000, 20));
    moved.machine = { ...moved.machine, cpuCount: 8 };
    const history = buildHistory(asFiles([benchResult(0, figures(50_000, 20)), moved]), { window: 5, limits: {}, dir: 'results' });
    expect(history.runs[1].differences).toEqual(['machine: 2 x Test CPU -> 8 x Test CPU']);
  });
});

describe('the reports of a history', () => {
  const history = buildHistory(asFiles(tenRuns(42_500)), { window: 5, limits: { records_per_sec: 10, p99_ms: 30, error_count: 10 }, dir: 'results' });
  const thresholds = [parseThreshold('p99_ms<25')];
  const verdict = {
    thresholds: [{ threshold: thresholds[0], actual: 20, passed: true }],
    failures: [driftFailure(history)!],
  };

  it('prints the runs, the last against the median of the 5 before it, to the byte', () => {
    expect(formatHistoryHeadline(history)).toBe('ci-gate: 10 runs in commit order, from 2026-03-01 09:00 to 2026-03-10 09:00 UTC; ' +
      'each run against the median of up to 5 runs before it');
    expect(formatLastRunLine(history)).toBe('the last run (#10, commit c900000, 2026-03-10 09:00 UTC) against the median of the 5 runs before it');
    expect(historyRunsTable(history, thresholds)).toEqual({
      head: ['#', 'started (UTC)', 'commit', 'records_per_sec', 'p99_ms', 'error_count'],
      rows: [
        ['1', '2026-03-01 09:00', 'c000000', '50000', '20.00', '0'],
        ['2', '2026-03-02 09:00', 'c100000', '50500', '21.00', '0'],
        ['3', '2026-03-03 09:00', 'c200000', '49500', '19.00', '0'],
        ['4', '2026-03-04 09:00', 'c300000', '51000', '22.00', '0'],
        ['5', '2026-03-05 09:00', 'c400000', '50000', '20.00', '0'],
        ['6', '2026-03-06 09:00', 'c500000', '49000', '18.00', '0'],
        ['7', '2026-03-07 09:00', 'c600000', '50500', '21.00', '0'],
        ['8', '2026-03-08 09:00', 'c700000', '50000', '20.00', '0'],
        ['9', '2026-03-09 09:00', 'c800000', '49500', '19.00', '0'],
        ['10', '2026-03-10 09:00', 'c900000', '42500 *', '20.00', '0'],
      ],
    });
    expect(lastRunTable(history)).toEqual({
      head: ['metric', 'median of 5 before', 'last run', 'change', 'max drift', 'verdict'],
      rows: [
        ['records_per_sec', '50000', '42500', '-15.0%', '10%', 'REGRESSION'],
        ['mb_per_sec', '5.00', '4.25', '-15.0%', '-', ''],
        ['avg_ms', '5.00', '5.00', '0.0%', '-', ''],
        ['p50_ms', '4.00', '4.00', '0.0%', '-', ''],
        ['p95_ms', '8.00', '8.00', '0.0%', '-', ''],
        ['p99_ms', '20.00', '20.00', '0.0%', '30%', 'ok'],
        ['p999_ms', '20.00', '20.00', '0.0%', '-', ''],
        ['max_ms', '30.00', '30.00', '0.0%', '-', ''],
        ['error_count', '0', '0', '0.0%', '10%', 'ok'],
      ],
    });
  });

  it('writes the CI summary in Markdown to the byte: the verdict, the last run\'s table, the runs it was judged with', () => {
    expect(historyMarkdown(history, verdict)).toBe(`## DataStorm bench history: ci-gate

- ci-gate: 10 runs in commit order, from 2026-03-01 09:00 to 2026-03-10 09:00 UTC; each run against the median of up to 5 runs before it
- the last run (#10, commit c900000, 2026-03-10 09:00 UTC) against the median of the 5 runs before it

**FAILED: the last run (results/run-10.json) against the median of the 5 before it: 1 metric regressed beyond the limit: records_per_sec -15.0% (limit 10%)**

| metric          | median of 5 before | last run | change | max drift | verdict    |
| --------------- | -----------------: | -------: | -----: | --------- | ---------- |
| records_per_sec |              50000 |    42500 | -15.0% | 10%       | REGRESSION |
| mb_per_sec      |               5.00 |     4.25 | -15.0% | -         |            |
| avg_ms          |               5.00 |     5.00 |   0.0% | -         |            |
| p50_ms          |               4.00 |     4.00 |   0.0% | -         |            |
| p95_ms          |               8.00 |     8.00 |   0.0% | -         |            |
| p99_ms          |              20.00 |    20.00 |   0.0% | 30%       | ok         |
| p999_ms         |              20.00 |    20.00 |   0.0% | -         |            |
| max_ms          |              30.00 |    30.00 |   0.0% | -         |            |
| error_count     |                  0 |        0 |   0.0% | 10%       | ok         |

| threshold    | actual | verdict |
| ------------ | -----: | ------- |
| p99_ms&lt;25 |  20.00 | ok      |

<details><summary>The runs it was judged with</summary>

|   # | started (UTC)    | commit  | records_per_sec | p99_ms | error_count |
| --: | ---------------- | ------- | --------------: | -----: | ----------: |
|   5 | 2026-03-05 09:00 | c400000 |           50000 |  20.00 |           0 |
|   6 | 2026-03-06 09:00 | c500000 |           49000 |  18.00 |           0 |
|   7 | 2026-03-07 09:00 | c600000 |           50500 |  21.00 |           0 |
|   8 | 2026-03-08 09:00 | c700000 |           50000 |  20.00 |           0 |
|   9 | 2026-03-09 09:00 | c800000 |           49500 |  19.00 |           0 |
|  10 | 2026-03-10 09:00 | c900000 |         42500 * |  20.00 |           0 |

*: worse than the median of up to 5 runs before it by more than its --max-drift

</details>
`);
  });

  it('charts a metric across the runs: its values, the median each was judged against, the regressed run ringed, the threshold', () => {
    const svg = historyChart(history, 'p99_ms', thresholds);
    expect(svg).toContain('<title>ci-gate: p99_ms, run by run</title>');
    const polylines = [...svg.matchAll(/<polyline points="([^"]+)"[^>]*?( stroke-dasharray="6 4")?\/>/g)];
    // The values (10 points), the medians (9: the first run has none) and the threshold (across the plot), dashed.
    expect(polylines.map((m) => [m[1].split(' ').length, Boolean(m[2])])).toEqual([[10, false], [9, true], [2, true]]);
    expect(svg.match(/<circle [^>]*fill="none"/g) ?? []).toHaveLength(0);
    const throughput = historyChart(history, 'records_per_sec', []);
    // One ring, around the tenth run's point: at the last of ten slots' middles.
    const [ring] = [...throughput.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="7" fill="none"/g)];
    const [, lastPoint] = /<polyline points="(?:[\d.]+,[\d.]+ ){9}([\d.]+,[\d.]+)"/.exec(throughput)!;
    expect(`${ring[1]},${ring[2]}`).toBe(lastPoint);
    expect(throughput).toContain('>regressed (over 10% worse)</text>');
    expect(historyChart(history, 'p999_ms', [])).not.toContain('regressed');
  });

  it('makes a page with a chart per metric, the last run\'s table and the runs', () => {
    const html = historyHtml(history, verdict, 'datastorm bench history results --max-drift 10%');
    expect(html.match(/<svg /g)).toHaveLength(9);
    expect(html).toContain('<h2>records_per_sec</h2>');
    expect(html).toContain('<h2>Thresholds on the last run</h2>');
    expect(html).toContain('<td class="number">42500 *</td>');
    expect(html).toBe(historyHtml(history, verdict, 'datastorm bench history results --max-drift 10%'));
  });
});

describe('datastorm bench history', () => {
  it('prints the table and passes when the last of 10 runs is within --max-drift, writing the page and the Markdown', () => {
    const dir = folderOf(tenRuns());
    const out = join(dir, 'report', 'history.html');
    const markdown = join(dir, 'report', 'summary.md');
    const run = runCli(['bench', 'history', dir, '--max-drift', '10%', '--out', out, '--markdown', markdown]);
    expect(run.stderr).toContain('ci-gate: 10 runs in commit order, from 2026-03-01 09:00 to 2026-03-10 09:00 UTC');
    expect(run.stderr).toMatch(/│ 10 │ 2026-03-10 09:00 │ c900000 │ +50000 │ +20\.00 │ +0 │/);
    expect(run.stderr).toMatch(/records_per_sec │ +50000 │ +50000 │ +0\.0% │ +10% │ +ok/);
    expect(run.stderr).toContain('the last run is within --max-drift of records_per_sec, p99_ms, error_count\n');
    expect(run.code, run.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').match(/<svg /g)).toHaveLength(9);
    expect(readFileSync(markdown, 'utf8')).toMatch(/^## DataStorm bench history: ci-gate\n[^]*\*\*passed\*\*/);
  });

  it('fails (exit 99, DS_BENCH_GATE_FAILED) on a planted 15% drop in the last run, and still writes its reports', () => {
    const dir = folderOf(tenRuns(42_500));
    const summary = join(dir, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const run = runCli(['bench', 'history', dir, '--max-drift', '10%', '--github-summary', '--json'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(run.stderr).toMatch(/│ 10 │ 2026-03-10 09:00 │ c900000 │ +42500 \* │/);
    expect(run.stderr).toMatch(new RegExp('error DS_BENCH_GATE_FAILED: the last run \\(\\S+/a\\.json\\) against the median of the 5 before it: ' +
      '1 metric regressed beyond the limit: records_per_sec -15\\.0% \\(limit 10%\\)\\n$'));
    expect(run.code).toBe(99);
    expect(readFileSync(summary, 'utf8')).toMatch(/^# earlier step\n## DataStorm bench history: ci-gate\n[^]*\*\*FAILED: /);
    const json = JSON.parse(run.stdout) as { passed: boolean; order: string; runs: Array<{ file: string; figures: MetricValues }> };
    expect(json.passed).toBe(false);
    expect(json.order).toBe('commit');
    expect(json.runs.map((r) => r.figures.records_per_sec).at(-1)).toBe(42_500);
  });

  it('passes the first run of a history: nothing before it to drift from', () => {
    const run = runCli(['bench', 'history', folderOf(tenRuns().slice(0, 1)), '--max-drift', '10%']);
    expect(run.stderr).toContain('the last run (#1, commit c000000, 2026-03-01 09:00 UTC): the first, nothing before it to compare with');
    expect(run.code).toBe(0);
  });

  it('refuses bad input in one line: no folder, no results, a damaged file, two workloads, no job summary to write to', () => {
    const refusal = (args: string[], env: Record<string, string> = {}) => {
      const run = runCli(['bench', 'history', ...args], { env });
      expect(run.code).toBe(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      return run.stderr.split('\n')[0];
    };
    const empty = mkdtempSync(join(tmpdir(), 'datastorm-history-'));
    mkdirSync(join(empty, 'older.json'));
    expect(refusal([join(empty, 'none')])).toBe(`error DS_BAD_OPTION: cannot read the folder ${join(empty, 'none')}: ENOENT ` +
      '(give the folder that holds one result file a run (bench run --out DIR/RUN.json))');
    expect(refusal([empty])).toBe(`error DS_BAD_OPTION: ${empty} holds no result files (*.json) ` +
      '(write each run\'s result into it: datastorm bench run WORKLOAD.yaml --out DIR/RUN.json)');
    const damaged = folderOf(tenRuns().slice(0, 3));
    writeFileSync(join(damaged, 'i.json'), '{"tool": "datastorm", "schemaVersion": 1, ');
    expect(refusal([damaged])).toMatch(/^error DS_BAD_RESULT_FILE: cannot read result \S+\/i\.json: .*JSON/);
    const mixed = folderOf([...tenRuns().slice(0, 2), benchResult(2, figures(1, 1), { workload: 'smoke' })]);
    expect(refusal([mixed])).toBe(`error DS_BAD_OPTION: ${mixed} holds results of 2 workloads (ci-gate: 2, smoke: 1): a history is of one workload ` +
      '(keep each workload\'s results in a folder of its own)');
    const two = folderOf(tenRuns().slice(0, 2));
    expect(refusal([two, '--github-summary'], { GITHUB_STEP_SUMMARY: '' })).toBe('error DS_BAD_OPTION: --github-summary writes to ' +
      '$GITHUB_STEP_SUMMARY, which is not set: this is not a GitHub Actions job (elsewhere, write the Markdown to a file with --markdown FILE)');
    expect(refusal([two, '--max-drift', 'sustainable_rps=5%'])).toMatch(/^error DS_BAD_OPTION: \S+\/i\.json has no sustainable_rps: a run's result/);
    expect(refusal([two, '--max-drift', 'ten%'])).toMatch(/^error DS_BAD_OPTION: cannot read --max-drift "ten%" \(give a percentage .*--max-drift 10%/);
  });
});
