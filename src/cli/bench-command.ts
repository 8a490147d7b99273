import { appendFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { onCluster, parseBootstrap } from '../cluster/bootstrap.js';
import { readPropertiesFile } from '../shared/properties-file.js';
import { Command, Option } from 'commander';
import {
  figuresOf, isCapacityResult, kindOf, readBenchResult, referenceLabel, relativeMetrics, type AnyBenchResult,
} from '../bench/bench-result.js';
import {
  benchTable, costNote, formatForcedMergeLine, formatSearchConfidenceNote, formatStartSpreadLine, mergeTable, steadyStateNote, type TableRows,
} from '../bench/bench-report.js';
import { runCapacityBench } from '../bench/capacity-bench.js';
import {
  COMPARISON_HEAD, checkGatedMetrics, compareMetrics, comparisonRows, defaultGatedMetrics, differencesBetween, parseRegressionLimits, regressionFailure,
} from '../bench/compare.js';
import { buildHistory, driftFailure, readHistoryFolder } from '../bench/history.js';
import {
  differenceLines, formatHistoryHeadline, formatLastRunLine, historyHtml, historyMarkdown, historyRunsTable, lastRunTable, runsTableNote,
} from '../bench/history-report.js';
import type { Figures } from '../bench/metrics.js';
import { mergeInputs, mergeResults } from '../bench/merge-results.js';
import { localBarrierEpochMs, runLocalShards } from '../bench/local-shards.js';
import { runBench, type BenchOptions, type BenchReference } from '../bench/run-bench.js';
import { checkShardable, parseShard, shardConfig } from '../bench/shard.js';
import { mergeWaitMs, parseK8sName, renderK8sBenchManifests, secretInstructions, splitWorkloadSecrets } from '../bench/k8s-manifests.js';
import {
  THRESHOLD_HEAD, checkThresholdMetrics, evaluateThresholds, parseThreshold, thresholdFailure, thresholdRows, type Threshold, type ThresholdOutcome,
} from '../bench/thresholds.js';
import { readWorkload, type Workload } from '../bench/workload.js';
import type { CapacitySpec } from '../capacity/capacity-spec.js';
import { DataStormError, INTERRUPTED_EXIT_CODE } from '../shared/errors.js';
import { makeFolder } from '../shared/paths.js';
import { formatAccountingLine, formatStartLine } from '../report/produce-report.js';
import { createTable } from '../report/table.js';
import { formatCommand } from '../analysis/report-document.js';
import { capacityReportLines, formatStepStart } from './capacity-command.js';
import { interruptible } from './interrupt.js';
import { writablePath } from './output-path.js';
import { parseDurationMs, parseIntegerOption, parseStartAt } from '../run-spec/parse.js';

/** Exit code of a gate that failed (a regression or a threshold), as k6 exits on failed thresholds. */
export const GATE_FAILED_EXIT_CODE = 99;

const stderr = (line: string) => process.stderr.write(`${line}\n`);
/** A repeatable option's values, in order (no default, so --help shows none). */
const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function printTable({ head, rows }: TableRows, note?: string): void {
  const table = createTable(head, { colAligns: head.map((_, i) => (i === 0 ? 'left' : 'right')) });
  table.push(...rows);
  stderr(table.toString());
  if (note) stderr(note);
}

function writeResult(result: AnyBenchResult, options: { out?: string; json?: boolean }): void {
  const text = `${JSON.stringify(result, null, 2)}\n`;
  if (options.out) {
    // Renamed into place when complete: a merge that waits for shards' files never reads half of one.
    makeFolder(dirname(options.out));
    writeFileSync(`${options.out}.partial`, text);
    renameSync(`${options.out}.partial`, options.out);
    stderr(`result written to ${options.out}`);
  }
  if (options.json) process.stdout.write(text);
  if (!options.out && !options.json) stderr('result not kept: pass --out FILE (or --json) to compare or merge it');
}

/** Thresholds are checked before anything runs: a typo fails in a second, not after the benchmark. */
function parseThresholds(texts: string[]): Threshold[] {
  return texts.map(parseThreshold);
}

/** Each threshold on the figures, their table printed when there are any; `where` names the result (its file). */
function printThresholds(thresholds: Threshold[], figures: Figures, where?: string): ThresholdOutcome[] {
  const outcomes = evaluateThresholds(thresholds, figures, where);
  if (outcomes.length > 0) printTable({ head: THRESHOLD_HEAD, rows: thresholdRows(outcomes) });
  return outcomes;
}

/** Prints the threshold table and returns the failure line, if any; `where` names the result (its file). */
function checkThresholds(thresholds: Threshold[], result: AnyBenchResult, where?: string): string | undefined {
  return thresholdFailure(printThresholds(thresholds, figuresOf(result), where));
}

function failGate(failures: Array<string | undefined>): void {
  const reasons = failures.filter((f): f is string => f !== undefined);
  if (reasons.length > 0) {
    throw new DataStormError('DS_BENCH_GATE_FAILED', reasons.join('; '), { exitCode: GATE_FAILED_EXIT_CODE });
  }
}


interface RunFlags {
  startAt?: number;
  shards?: number;
  local?: boolean;
  set?: string[];
  'producer.config'?: string;
  commandConfig?: string;
  bootstrapServer?: string;
  repeat: number;
  shard?: string;
  vs?: string;
  threshold?: string[];
  out?: string;
  json?: boolean;
}

function runCommand(): Command {
  return new Command('run')
    .description('run a workload file against a running cluster and write the versioned result JSON')
    .argument('<workload>', 'workload YAML (see benchmarks/workloads/)')
    .addOption(new Option('--set <key=value>', 'override a workload key (workers=1), a client setting (producer.batch.size=16384) or ' +
      'a capacity search\'s (capacity.budget=5m); repeatable')
      .argParser(collect))
    .addOption(new Option('--producer.config <file>', 'client settings from a properties file, as producer.<property> of the workload ' +
      '(e.g. the client-sasl-ssl.properties of `cluster up --security sasl_ssl`: security.protocol, ssl.*, sasl.*); --set wins over it'))
    .addOption(new Option('--command-config <file>', 'the same as --producer.config: Kafka 4.x\'s name for it, as produce takes it'))
    .addOption(new Option('--bootstrap-server <hosts>', 'the cluster (host:port,...); default: the local `datastorm cluster up` one'))
    .addOption(new Option('--repeat <n>', 'run the workload n times; gates use each metric\'s median').default(1)
      .argParser(parseIntegerOption('--repeat', 1, 100)))
    .addOption(new Option('--shard <i/N>', 'run shard i of N (1-based): an exact share of records, rate, warmup and workers'))
    .addOption(new Option('--shards <n>', 'with --local: run n shards (--shard 1/n ... n/n) as n processes on this machine with one start barrier, ' +
      'and merge them, as n pods of an indexed Job would (a rehearsal)').argParser(parseIntegerOption('--shards', 2, 64)))
    .addOption(new Option('--local', 'run --shards as processes on this machine'))
    .addOption(new Option('--start-at <time>', 'a start barrier: prepare, then start at this instant, an ISO time (2026-11-30T20:00:00Z) or a delay (+30s); ' +
      'give every shard the same one and `merge` reports how far apart they started').argParser((v) => parseStartAt('--start-at', v)))
    .addOption(new Option('--vs <java|librdkafka|file.yaml>', 'after each run, a reference in the same job: Kafka\'s ProducerPerformance ' +
      '(java) or librdkafka\'s rdkafka_performance (librdkafka, built once from source on first use) with the same settings, ' +
      'or a fixed reference workload; reports the ratios, for compare --relative'))
    .addOption(new Option('--threshold <expr>', 'fail (exit 99) unless METRIC OP NUMBER holds, e.g. \'p99_ms<50\'; repeatable')
      .argParser(collect))
    .addOption(new Option('--out <file>', 'write the result JSON to this file'))
    .addOption(new Option('--json', 'print the result JSON on stdout'))
    .action(async (file: string, flags: RunFlags) => {
      if (flags.out) writablePath(flags.out, '--out', 'file');
      const thresholds = parseThresholds(flags.threshold ?? []);
      const shard = flags.shard === undefined ? undefined : parseShard(flags.shard);
      const fileLines = (path: string | undefined, flag: string) => (path ? readPropertiesFile(path, flag) : []);
      const fileProps = [...fileLines(flags['producer.config'], '--producer.config'), ...fileLines(flags.commandConfig, '--command-config')]
        .map((line) => `producer.${line}`);
      const workload = readWorkload(file, [...fileProps, ...(flags.set ?? [])]);
      checkThresholdMetrics(thresholds, workload.capacity ? 'capacity' : 'run', `${file}'s result`);
      if (flags.shards !== undefined || flags.local) {
        await runLocal(file, workload, flags);
        return;
      }
      // The reference workload takes no --set: it stays what the baseline's reference was.
      const reference: BenchReference | undefined = flags.vs === undefined ? undefined
        : flags.vs === 'java' || flags.vs === 'librdkafka' ? { kind: flags.vs } : { kind: 'workload', workload: readWorkload(flags.vs) };
      const bootstrap = flags.bootstrapServer ? parseBootstrap(flags.bootstrapServer) : undefined;
      const options = { repeat: flags.repeat, shard, reference, startAtEpochMs: flags.startAt, log: stderr };
      if (workload.capacity) {
        await runCapacityWorkload(workload, workload.capacity, options, bootstrap, thresholds, flags);
        return;
      }
      const { value: result, interrupted } = await onCluster(bootstrap, { startIfNone: false, log: stderr }, (cluster) =>
        interruptible('stopping the run and printing what it measured; no result file is written',
          (signal) => runBench(workload, { ...options, cluster, signal })));
      if (interrupted) {
        printTable(benchTable(result), 'PARTIAL RUN: stopped by Ctrl-C; these figures are of what ran, and gate nothing');
        process.exitCode = INTERRUPTED_EXIT_CODE;
        return;
      }
      printTable(benchTable(result), steadyStateNote(result));
      const cost = costNote(result);
      if (cost) stderr(cost);
      const start = formatStartLine(result);
      if (start) stderr(start);
      // A shard's own offsets include the other shards' records: `datastorm merge` reconciles them.
      if (!shard) stderr(formatAccountingLine(result));
      writeResult(result, flags);
      failGate([checkThresholds(thresholds, result)]);
    });
}

/**
 * `bench run` of a capacity workload: the search's report as `capacity` prints it, then its figures, the result file
 * and the thresholds, as for a run.
 */
async function runCapacityWorkload(
  workload: Workload, spec: CapacitySpec, options: Omit<BenchOptions, 'cluster' | 'signal'>, bootstrap: string[] | undefined,
  thresholds: Threshold[], flags: RunFlags,
): Promise<void> {
  let steps = 0;
  const { value: result, interrupted } = await onCluster(bootstrap, { startIfNone: false, log: stderr }, (cluster) =>
    interruptible('ending the step running and printing what was found so far; no result file is written', (signal) =>
      runCapacityBench(workload, spec, {
        ...options, cluster, signal, onStepStart: (request, elapsedMs) => stderr(formatStepStart(request, ++steps, elapsedMs, spec.budgetMs)),
      })));
  for (const line of capacityReportLines(result)) stderr(line);
  if (interrupted) {
    printTable(benchTable(result), 'PARTIAL SEARCH: stopped by Ctrl-C; these figures are of what ran, and gate nothing');
    process.exitCode = INTERRUPTED_EXIT_CODE;
    return;
  }
  printTable(benchTable(result));
  writeResult(result, flags);
  failGate([checkThresholds(thresholds, result)]);
}

/** `bench run FILE --shards N --local`: N shard processes with one barrier, then their merge, as `merge` prints it. */
async function runLocal(file: string, workload: Workload, flags: RunFlags): Promise<void> {
  if (flags.shards === undefined || !flags.local) {
    throw new DataStormError('DS_BAD_OPTION', '--shards N runs shards as processes here with --local; on several machines run --shard i/N on each', {
      hint: 'bench run FILE --shards 4 --local',
    });
  }
  for (const [given, flag] of [[flags.shard, '--shard'], [flags.vs, '--vs'], [flags.repeat > 1 ? flags.repeat : undefined, '--repeat'],
    [flags.threshold, '--threshold']] as const) {
    if (given !== undefined) throw new DataStormError('DS_BAD_OPTION', `--shards --local takes no ${flag}: each shard is one run of its share`);
  }
  // A workload that does not split into N shares fails here, not in N processes.
  checkShardable(workload, '--shards');
  for (let index = 1; index <= flags.shards; index++) shardConfig(workload.config, { index, count: flags.shards });
  const passThrough = [
    ...(flags.set ?? []).flatMap((set) => ['--set', set]),
    ...(flags['producer.config'] ? ['--producer.config', flags['producer.config']] : []),
    ...(flags.commandConfig ? ['--command-config', flags.commandConfig] : []),
    ...(flags.bootstrapServer ? ['--bootstrap-server', flags.bootstrapServer] : []),
  ];
  const startAtEpochMs = flags.startAt ?? localBarrierEpochMs(flags.shards, process.uptime() * 1000);
  const { value, interrupted } = await interruptible('stopping the shards', (signal) =>
    runLocalShards({ workload: file, count: flags.shards!, startAtEpochMs, passThrough, log: stderr, signal }));
  if (interrupted) {
    process.exitCode = INTERRUPTED_EXIT_CODE;
    return;
  }
  printMerged(value.results, value.files, flags);
}

/** Ratios compare only when both results were divided by the same reference. */
function checkSameReference(baseline: AnyBenchResult, baselineFile: string, current: AnyBenchResult, currentFile: string): void {
  const [a, b] = [baseline, current].map((result) => (isCapacityResult(result) ? undefined : result.bench?.reference));
  if (a && b && referenceLabel(a) !== referenceLabel(b)) {
    throw new DataStormError('DS_REFERENCE_MISMATCH',
      `${baselineFile} is relative to ${referenceLabel(a)} but ${currentFile} to ${referenceLabel(b)}`,
      { hint: 'run both with the same --vs' });
  }
}

interface CompareFlags {
  maxRegression?: string[];
  threshold?: string[];
  relative?: boolean;
  json?: boolean;
}

function compareCommand(): Command {
  return new Command('compare')
    .description('compare a result with a baseline metric by metric; exit 99 on a regression beyond --max-regression')
    .argument('<baseline>', 'baseline result JSON (e.g. committed to the repository)')
    .argument('<current>', 'result JSON of this run')
    .addOption(new Option('--max-regression <limit>',
      'how much worse a metric may get: 10% (records_per_sec, p99_ms, error_count; a capacity workload\'s sustainable_rps) or METRIC=PERCENT; repeatable')
      .argParser(collect))
    .addOption(new Option('--threshold <expr>', 'also gate the current result on METRIC OP NUMBER; repeatable').argParser(collect))
    .addOption(new Option('--relative', 'compare each result as a ratio to its reference measured in the same job (bench run --vs)'))
    .addOption(new Option('--json', 'print the comparison as JSON on stdout'))
    .action((baselineFile: string, currentFile: string, flags: CompareFlags) => {
      const thresholds = parseThresholds(flags.threshold ?? []);
      const [baseline, current] = [readBenchResult(baselineFile), readBenchResult(currentFile)];
      const limits = parseRegressionLimits(flags.maxRegression ?? [], defaultGatedMetrics(kindOf(baseline), flags.relative));
      if (flags.relative) checkSameReference(baseline, baselineFile, current, currentFile);
      const sides = ([[baseline, baselineFile], [current, currentFile]] as const).map(([result, file]) => ({
        result, file, kind: kindOf(result), figures: flags.relative ? relativeMetrics(result, file) : figuresOf(result),
      }));
      checkGatedMetrics(limits, sides);
      const comparisons = compareMetrics(sides[0].figures, sides[1].figures, limits);
      const differences = differencesBetween(baseline, current);
      if (baseline.bench?.workload.name !== current.bench?.workload.name) {
        differences.unshift(`workload: ${baseline.bench?.workload.name ?? '(none)'} -> ${current.bench?.workload.name ?? '(none)'}`);
      }
      for (const difference of differences) stderr(`note: not like with like: ${difference}`);
      for (const { result, file } of sides) {
        const confidence = formatSearchConfidenceNote(result, file);
        if (confidence) stderr(confidence);
      }
      printTable({ head: COMPARISON_HEAD, rows: comparisonRows(comparisons, flags.relative ? 'ratio' : 'absolute') });
      if (Object.keys(limits).length === 0) stderr('no --max-regression given: nothing gated');
      const thresholdLine = checkThresholds(thresholds, current, currentFile);
      const regressionLine = regressionFailure(comparisons);
      if (flags.json) {
        const passed = !thresholdLine && !regressionLine;
        process.stdout.write(`${JSON.stringify({ passed, comparisons, differences, thresholds: thresholds.length
          ? evaluateThresholds(thresholds, figuresOf(current), currentFile) : [] }, null, 2)}\n`);
      }
      failGate([regressionLine, thresholdLine]);
      const gated = comparisons.filter((c) => c.limitPercent !== undefined).map((c) => c.metric);
      if (gated.length > 0) stderr(`no regression beyond the limits of ${gated.join(', ')}`);
    });
}

interface HistoryFlags {
  window: number;
  maxDrift?: string[];
  threshold?: string[];
  out?: string;
  markdown?: string;
  githubSummary?: boolean;
  json?: boolean;
}

/** GitHub Actions' job summary file (--github-summary): Markdown appended there shows on the run's page. */
function githubSummaryFile(): string {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) {
    throw new DataStormError('DS_BAD_OPTION', '--github-summary writes to $GITHUB_STEP_SUMMARY, which is not set: this is not a GitHub Actions job', {
      hint: 'elsewhere, write the Markdown to a file with --markdown FILE',
    });
  }
  return writablePath(file, '--github-summary ($GITHUB_STEP_SUMMARY)', 'file');
}

function historyCommand(): Command {
  return new Command('history')
    .description('a folder of results, one a run (bench run --out DIR/RUN.json), in commit or time order: a table, an HTML page with a ' +
      'chart per metric, each run against the median of the runs before it; exit 99 when the last drifted beyond --max-drift')
    .argument('<dir>', 'the folder of result JSON files, all of one workload (e.g. a branch that CI commits each run\'s result to)')
    .addOption(new Option('--window <n>', 'judge each run against the median of up to n runs before it').default(5)
      .argParser(parseIntegerOption('--window', 1, 1000)))
    .addOption(new Option('--max-drift <limit>', 'how much worse than that median the last run may be: 10% (records_per_sec, p99_ms, ' +
      'error_count; a capacity workload\'s sustainable_rps) or METRIC=PERCENT; repeatable; earlier runs beyond it are marked').argParser(collect))
    .addOption(new Option('--threshold <expr>', 'draw METRIC OP NUMBER on its chart and gate the last run on it; repeatable').argParser(collect))
    .addOption(new Option('--out <file>', 'write the HTML page (the charts inlined) to this file'))
    .addOption(new Option('--markdown <file>', 'write the last run\'s comparison as Markdown to this file'))
    .addOption(new Option('--github-summary', 'append that Markdown to $GITHUB_STEP_SUMMARY (the GitHub Actions job\'s summary)'))
    .addOption(new Option('--json', 'print the history (every run, its figures and what it was judged against) as JSON on stdout'))
    .addHelpText('after', `
Examples:
  datastorm bench history bench-results/ci-gate --max-drift 10% --max-drift p99_ms=30% --out history.html
  datastorm bench history bench-results/ci-gate --window 10 --max-drift 5% --threshold 'p99_ms<50' --github-summary
  datastorm bench history bench-results/ci-gate --json > history.json`)
    .action((dir: string, flags: HistoryFlags) => {
      for (const [path, flag] of [[flags.out, '--out'], [flags.markdown, '--markdown']] as const) if (path) writablePath(path, flag, 'file');
      const summaryFile = flags.githubSummary ? githubSummaryFile() : undefined;
      const thresholds = parseThresholds(flags.threshold ?? []);
      const files = readHistoryFolder(dir);
      const kind = kindOf(files[0].result);
      const limits = parseRegressionLimits(flags.maxDrift ?? [], defaultGatedMetrics(kind), '--max-drift');
      checkThresholdMetrics(thresholds, kind, `${dir}'s results`);
      const history = buildHistory(files, { window: flags.window, limits, dir });
      const last = history.runs[history.runs.length - 1];
      checkGatedMetrics(limits, [{ file: last.file, kind, figures: last.figures }]);
      stderr(formatHistoryHeadline(history));
      for (const line of differenceLines(history)) stderr(`note: ${line}`);
      printTable(historyRunsTable(history, thresholds), runsTableNote(history));
      stderr(formatLastRunLine(history));
      const table = lastRunTable(history);
      if (table) printTable(table);
      const outcomes = printThresholds(thresholds, last.figures, last.file);
      const failures = [driftFailure(history), thresholdFailure(outcomes)].filter((f): f is string => f !== undefined);
      const verdict = { thresholds: outcomes, failures };
      if (flags.out) {
        writeFileSync(flags.out, historyHtml(history, verdict, formatCommand(process.argv.slice(4), 'datastorm bench history')));
        stderr(`wrote ${flags.out}`);
      }
      if (flags.markdown) {
        writeFileSync(flags.markdown, historyMarkdown(history, verdict));
        stderr(`wrote ${flags.markdown}`);
      }
      if (summaryFile) appendFileSync(summaryFile, historyMarkdown(history, verdict));
      if (flags.json) process.stdout.write(`${JSON.stringify({ passed: failures.length === 0, ...history, thresholds: outcomes }, null, 2)}\n`);
      failGate(failures);
      const gated = Object.keys(limits);
      if (gated.length > 0 && last.baselineRuns > 0) stderr(`the last run is within --max-drift of ${gated.join(', ')}`);
    });
}

export function benchCommand(): Command {
  return new Command('bench')
    .description('CI benchmarks: run workload files, compare results with a baseline, gate on thresholds')
    .addHelpText('after', `
Exit codes: 0 passed, 99 a regression or threshold failed, 1 an error, 130 interrupted.

In CI (the baseline is a result of the same workload on the same kind of machine: keep one from your main branch):
  datastorm cluster up
  datastorm bench run benchmarks/workloads/ci-gate.yaml --repeat 3 --out baseline.json   # on the main branch
  datastorm bench run benchmarks/workloads/ci-gate.yaml --repeat 3 --out current.json
  datastorm bench compare baseline.json current.json --max-regression 10%

A workload with a capacity: block searches the highest rate that meets its SLO (as datastorm capacity does); gate on it:
  datastorm bench run benchmarks/workloads/capacity-gate.yaml --out current.json
  datastorm bench compare baseline.json current.json --max-regression sustainable_rps=10%

A memory for CI: keep every run's result in a folder (one file a run, e.g. on a branch), then judge the last run
against the median of the runs before it, so a slow drift that passes each compare still fails:
  datastorm bench run benchmarks/workloads/ci-gate.yaml --repeat 3 --out bench-results/ci-gate/run-42.json
  datastorm bench history bench-results/ci-gate --max-drift 10% --out history.html --github-summary`)
    .addCommand(runCommand())
    .addCommand(compareCommand())
    .addCommand(historyCommand())
    .addCommand(k8sCommand());
}

/** Time for pods to be scheduled, pull the image and prepare before the barrier, unless --start-in says otherwise. */
const DEFAULT_K8S_START_IN_MS = 180_000;

interface K8sFlags {
  workload: string;
  shards: number;
  image: string;
  bootstrapServer: string;
  startAt?: number;
  startIn?: number;
  mergeDeadline?: number;
  secretName?: string;
  out?: string;
}

function k8sCommand(): Command {
  return new Command('k8s')
    .description('print the Kubernetes manifests of a sharded benchmark: the workload\'s ConfigMap (its secrets left to a Secret you create), ' +
      'a results volume, an indexed Job of N shards with one start barrier, and the Job that merges their results (pipe to kubectl apply -f -)')
    .requiredOption('--workload <file>', 'the workload YAML, the whole load (each shard runs 1/N of it)')
    .addOption(new Option('--shards <n>', 'pods, one shard each').argParser(parseIntegerOption('--shards', 2, 1000)).makeOptionMandatory())
    .requiredOption('--image <image>', 'an image with DataStorm installed (docker/Dockerfile)')
    .requiredOption('--bootstrap-server <hosts>', 'the cluster as the pods reach it (host:port,...)')
    .addOption(new Option('--start-in <time>', 'the start barrier this long after now: time for the pods to be scheduled, pull the image and prepare (default: 3m)')
      .argParser((v) => parseDurationMs('--start-in', v)))
    .addOption(new Option('--start-at <time>', 'the start barrier as an ISO time instead').argParser((v) => parseStartAt('--start-at', v)))
    .addOption(new Option('--merge-deadline <time>', 'how long after the barrier the merge waits for every shard\'s result, then fails naming ' +
      'the shards with none (default: twice the workload\'s duration and 10m; 1h for records at no fixed rate)')
      .argParser((v) => parseDurationMs('--merge-deadline', v)))
    .addOption(new Option('--secret-name <name>', 'the Secret (key producer.properties, a properties file) the shards read secret client ' +
      'properties from; the workload\'s own (sasl.jaas.config, ssl.*password, ssl.keystore.key) go there, never into the manifests ' +
      '(default: datastorm-bench-client when the workload holds any)').argParser(parseK8sName('--secret-name')))
    .addOption(new Option('--out <file>', 'write the manifests to this file instead of stdout'))
    .action((flags: K8sFlags) => {
      if (flags.out) writablePath(flags.out, '--out', 'file');
      if (flags.startAt !== undefined && flags.startIn !== undefined) {
        throw new DataStormError('DS_BAD_OPTION', '--start-in and --start-at both set the start barrier: give one');
      }
      parseBootstrap(flags.bootstrapServer);
      const workload = readWorkload(flags.workload);
      checkShardable(workload, 'bench k8s');
      for (let index = 1; index <= flags.shards; index++) shardConfig(workload.config, { index, count: flags.shards });
      const startAtMs = flags.startAt ?? Date.now() + (flags.startIn ?? DEFAULT_K8S_START_IN_MS);
      const startAt = new Date(startAtMs).toISOString();
      const mergeDeadline = new Date(startAtMs + mergeWaitMs(workload.config, flags.mergeDeadline)).toISOString();
      const { workloadText, secret } = splitWorkloadSecrets(readFileSync(flags.workload, 'utf8'), flags.workload, flags.secretName);
      const text = renderK8sBenchManifests({
        workloadFile: flags.workload, workloadText, shards: flags.shards, image: flags.image, bootstrap: flags.bootstrapServer, startAt,
        mergeDeadline, secret,
      });
      if (secret) for (const line of secretInstructions(secret)) stderr(line);
      if (flags.out) {
        writeFileSync(flags.out, text);
        stderr(`manifests of ${flags.shards} shards written to ${flags.out}; start barrier ${startAt}, merge deadline ${mergeDeadline}`);
      } else {
        process.stdout.write(text);
      }
    });
}

interface MergeFlags {
  out?: string;
  json?: boolean;
  force?: boolean;
}

export function mergeCommand(): Command {
  return new Command('merge')
    .description('merge the results of processes or hosts that ran one workload together (bench run --shard i/N): ' +
      'histograms added, counters summed, rates recomputed over the whole window')
    .argument('<results...>', 'result JSON files, two or more')
    .addOption(new Option('--out <file>', 'write the merged result JSON to this file'))
    .addOption(new Option('--json', 'print the merged result JSON on stdout'))
    .addOption(new Option('--force', 'merge results that are not the shards of one run (runs one after the other): ' +
      'the output and the merged JSON (bench.forcedMerge) say the figures are not one run\'s load'))
    .action((files: string[], flags: MergeFlags) => {
      if (flags.out) writablePath(flags.out, '--out', 'file');
      printMerged(files.map(readBenchResult), files, flags);
    });
}

/** The merged result of shards' results, as a table beside them, with the start spread and the accounting. */
function printMerged(results: AnyBenchResult[], files: string[], flags: MergeFlags): void {
  const inputs = mergeInputs(results, files);
  const merged = mergeResults(inputs, files, { force: flags.force });
  const labels = inputs.map((r, i) => (r.bench?.shard ? `shard ${r.bench.shard.index}/${r.bench.shard.count}` : `input ${i + 1}`));
  printTable(mergeTable(inputs, labels, merged), steadyStateNote(merged));
  const forced = formatForcedMergeLine(merged);
  if (forced) stderr(forced);
  stderr(formatStartSpreadLine(inputs, merged));
  stderr(formatAccountingLine(merged));
  writeResult(merged, flags);
  if (!merged.accounting.match) {
    throw new DataStormError('DS_ACCOUNTING_MISMATCH', 'the shards\' acknowledged records and the broker\'s offsets disagree', {
      hint: 'another producer wrote to the topic during the run, or a shard\'s result is missing',
    });
  }
}
