import { isAbsolute, join, relative } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { machineLine } from '../analysis/analysis-document.js';
import { compareDocument, compareTable, driverAxis, parseCodecList } from '../analysis/compare.js';
import { evolutionDocument, evolutionTable } from '../analysis/evolution.js';
import { renderTerminalTable } from '../analysis/point-figures.js';
import {
  ANALYSIS_OWNED_OPTIONS, checkSingleValued, isVariadic, runConfigOf, splitValues, takesValue,
  type ProduceArgs, type ProduceOptionKey,
} from '../analysis/produce-args.js';
import { formatCommand, type ReportDocument } from '../analysis/report-document.js';
import { reportJson, writeReportFiles } from '../analysis/report-files.js';
import { runAnalysis, type AnalysisOptions, type AnalysisRun, type PointSpec } from '../analysis/run-analysis.js';
import { checkScale, readStages, stagePointSpec, type Stage } from '../analysis/stages.js';
import { sweepAxis, sweepDocument, sweepPointArgs, sweepTable } from '../analysis/sweep.js';
import { CODEC_NAMES } from '../kafka/codecs.js';
import { DataStormError } from '../shared/errors.js';
import type { ReportTable } from '../report/html-report.js';
import { projectRoot } from '../shared/paths.js';
import { interruptible } from './interrupt.js';
import { writablePath } from './output-path.js';
import { PRODUCE_OPTIONS, defaultProduceFlags } from '../run-spec/produce-options.js';

/**
 * `datastorm compare`, `sweep` and `evolution`: several produce runs, each point in a process of its own
 * (src/analysis/run-point.ts), reported as one table, a Markdown and an HTML report with SVG charts, and JSON.
 */

/** Records per point when neither --num-records nor --duration is given: produce's own default. */
const DEFAULT_RECORDS = defaultProduceFlags().numRecords;

const stderr = (line: string) => process.stderr.write(`${line}\n`);

const produceKeys = (Object.keys(PRODUCE_OPTIONS) as ProduceOptionKey[])
  .filter((key) => !(ANALYSIS_OWNED_OPTIONS as readonly string[]).includes(key));

const attributeOf = (key: ProduceOptionKey) => new Option(PRODUCE_OPTIONS[key].flags).attributeName();

/** Produce's options, each value checked by produce's parser; a comma separates several values (a sweep's axis). */
function produceOptionsAsText(): Option[] {
  return produceKeys.map((key) => {
    const spec = PRODUCE_OPTIONS[key];
    const option = new Option(spec.flags, spec.description);
    if (key === 'numRecords') option.default(DEFAULT_RECORDS, `${DEFAULT_RECORDS} per point, or use --duration`);
    else if (spec.defaultValue !== undefined) option.default(spec.defaultValue, spec.defaultDescription);
    if (isVariadic(key)) option.argParser((value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), value]);
    else if (takesValue(key)) option.argParser((value: string) => splitValues(key, value));
    return option;
  });
}

/**
 * The produce options typed on the command line, as text. Each point's process takes produce's own default
 * for the others, except the record count, which every point's command states.
 */
function typedProduceArgs(command: Command): ProduceArgs {
  const values = command.opts<Record<string, unknown>>();
  const args: ProduceArgs = {};
  for (const key of produceKeys) {
    const attribute = attributeOf(key);
    if (command.getOptionValueSource(attribute) !== 'cli') continue;
    args[key] = takesValue(key) ? (values[attribute] as string[]) : true;
  }
  if (!args.numRecords && !args.duration) args.numRecords = [String(DEFAULT_RECORDS)];
  return args;
}

function sharedOptions(command: Command): Command {
  return command
    .addOption(new Option('--bootstrap-server <hosts>', 'the cluster (host:port,...); default: the local `datastorm cluster up` one'))
    .addOption(new Option('--topic <prefix>', 'prefix of the fresh topic each point gets').default('datastorm'))
    .addOption(new Option('--keep-topics', 'keep each point\'s topic (default: delete it after the point)'))
    .addOption(new Option('--out <dir>', 'write report.md, report.html, the charts (SVG) and results.json there'))
    .addOption(new Option('--json', 'print the results as JSON on stdout (the table goes to stderr)'));
}

interface SharedFlags {
  bootstrapServer?: string;
  topic: string;
  keepTopics?: boolean;
  out?: string;
  json?: boolean;
}

function analysisOptions(kind: AnalysisRun['kind'], flags: SharedFlags): AnalysisOptions {
  if (flags.out) writablePath(flags.out, '--out', 'folder');
  return {
    kind,
    command: formatCommand(process.argv.slice(2), 'datastorm'),
    bootstrapServer: flags.bootstrapServer,
    topicPrefix: flags.topic,
    keepTopics: Boolean(flags.keepTopics),
    log: stderr,
  };
}

/** Runs the points; the first Ctrl-C stops the running point's processes and ends the analysis without a report. */
async function measure(specs: PointSpec[], options: AnalysisOptions): Promise<AnalysisRun> {
  const { value } = await interruptible('stopping the running point\'s processes; no report is written',
    (signal) => runAnalysis(specs, { ...options, signal }));
  return value;
}

function report(run: AnalysisRun, table: ReportTable, document: ReportDocument, json: Record<string, unknown>, flags: SharedFlags): void {
  const text = `${machineLine(run)}\n${renderTerminalTable(table)}\n`;
  (flags.json ? process.stderr : process.stdout).write(text);
  if (flags.out) {
    const written = writeReportFiles(flags.out, document, json);
    stderr(`report written: ${written.join(', ')}`);
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}

const pointSpec = (label: string, args: ProduceArgs): PointSpec => ({ label, processes: [args], config: runConfigOf(args) });

export function codecCompareCommand(): Command {
  const command = sharedOptions(new Command('compare'))
    .description('run the same produce workload once per codec, each on a fresh topic, and compare CPU, throughput, bytes on the wire and latency')
    .addOption(new Option('--codecs <list>', 'codecs to compare, in order').default(CODEC_NAMES.join(',')))
    .addHelpText('after', `
Any produce option applies to every codec's run; with --driver listing several drivers, one run per driver
(at --compression, none by default) instead of one per codec. Each run is a process of its own (the report
gives the \`datastorm produce\` command that repeats it), so its peak memory and CPU time are its alone; the
local brokers' CPU is read from /proc while it runs.

Examples:
  datastorm compare --codecs none,gzip,snappy,lz4,zstd --workers 2 --out reports/codecs
  datastorm compare --codecs none,lz4 --record-size 1KB --batch 1MB --json > codecs.json
  datastorm compare --driver kafkajs,platformatic --workers 1 --out reports/drivers`);
  for (const option of produceOptionsAsText()) command.addOption(option);
  command.action(async (flags: SharedFlags & { codecs: string }) => {
    const args = typedProduceArgs(command);
    const drivers = driverAxis(args, command.getOptionValueSource('codecs') === 'cli');
    if (drivers) {
      const specs = sweepPointArgs(args, drivers).map((pointArgs, i) => pointSpec(drivers.values[i], pointArgs));
      const run = await measure(specs, analysisOptions('compare', flags));
      const table = sweepTable(run, drivers.key);
      report(run, table, sweepDocument(run, drivers.key, 'comparison'), reportJson(run, table, { axis: drivers.key }), flags);
      return;
    }
    if (args.compression) {
      throw new DataStormError('DS_BAD_OPTION', 'compare sets --compression itself, once per codec', { hint: 'list the codecs with --codecs none,lz4,zstd' });
    }
    checkSingleValued(args, 'compare varies the codec only');
    const specs = parseCodecList(flags.codecs).map((codec) => pointSpec(codec, { ...args, compression: [codec] }));
    const run = await measure(specs, analysisOptions('compare', flags));
    const table = compareTable(run);
    report(run, table, compareDocument(run), reportJson(run, table), flags);
  });
  return command;
}

export function sweepCommand(): Command {
  const command = sharedOptions(new Command('sweep'))
    .description('run a produce workload once per value of one option (--workers 1,2,4,8,16 or --batch 1MB,4MB,16MB): throughput, latency and peak memory per point')
    .addHelpText('after', `
Give one produce option several values, separated by commas; every other option takes one value. Each point
is a produce run in a process of its own on a fresh topic.

Examples:
  datastorm sweep --workers 1,2,4,8,16 --out reports/workers
  datastorm sweep --batch 1MB,4MB,16MB --workers 8 --linger 25 --out reports/batch`);
  for (const option of produceOptionsAsText()) command.addOption(option);
  command.action(async (flags: SharedFlags) => {
    const args = typedProduceArgs(command);
    const axis = sweepAxis(args);
    const specs = sweepPointArgs(args, axis).map((pointArgs, i) => pointSpec(axis.values[i], pointArgs));
    const run = await measure(specs, analysisOptions('sweep', flags));
    const table = sweepTable(run, axis.key);
    report(run, table, sweepDocument(run, axis.key), reportJson(run, table, { axis: axis.key }), flags);
  });
  return command;
}

/** A path as the report shows it: from the working folder when it is below it. */
function shownPath(path: string): string {
  const shown = relative(process.cwd(), path);
  return shown.startsWith('..') || isAbsolute(shown) ? path : shown;
}

const parseScale = (value: string): number => {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new InvalidArgumentError(`--scale takes a factor above 0 (0.1, 2), not "${value}"`);
  return scale;
};

export function evolutionCommand(): Command {
  return sharedOptions(new Command('evolution'))
    .description('run the evolution stages (benchmarks/evolution/v0 ... v5) in order: records/s per stage, its speedup over v0 and over the stage before, beside the seed report\'s figures (v0-v4; v5, pre-encoded batches, is past the seed)')
    .addOption(new Option('--stages <dir>', 'folder of stage files, run in the order of their names').default(join(projectRoot(), 'benchmarks/evolution'), 'benchmarks/evolution'))
    .addOption(new Option('--scale <factor>', 'multiply every stage\'s num-records by this (0.1 for a quick look)').default(1).argParser(parseScale))
    .addHelpText('after', `
Each stage is a file of produce options (flag names: num-records, workers, batch, ...) with a description, and
\`processes\` for a stage split over several processes that run at the same time (their results merged exactly).
At --scale 1 the six stages take a few minutes on a 2-core machine.

Examples:
  datastorm evolution --out reports/evolution
  datastorm evolution --scale 0.1 --json > evolution.json`)
    .action(async (flags: SharedFlags & { stages: string; scale: number }) => {
      const stages: Stage[] = readStages(flags.stages).map((stage) => ({ ...stage, file: shownPath(stage.file) }));
      checkScale(stages, flags.scale);
      const specs = stages.map((stage) => stagePointSpec(stage, flags.scale));
      const run = await measure(specs, analysisOptions('evolution', flags));
      const table = evolutionTable(run);
      const stageFiles = stages.map((stage) => ({ name: stage.name, file: stage.file, description: stage.description, processes: stage.processes }));
      report(run, table, evolutionDocument(run, stages, flags.scale), reportJson(run, table, { scale: flags.scale, stages: stageFiles }), flags);
    });
}
