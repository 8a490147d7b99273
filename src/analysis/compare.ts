import { barChart } from '../report/charts.js';
import { parseCodec } from '../kafka/codecs.js';
import type { CodecName } from '../kafka/codecs.js';
import { DataStormError } from '../shared/errors.js';
import type { ReportTable } from '../report/html-report.js';
import { analysisDocument, latencyChart } from './analysis-document.js';
import { pointFigures, pointTable } from './point-figures.js';
import type { ReportDocument } from './report-document.js';
import { checkSingleValued, type ProduceArgs } from './produce-args.js';
import type { AnalysisRun } from './run-analysis.js';
import { SEED_CODECS, SEED_SOURCE, formatSeedRate } from './seed-figures.js';
import { sweepAxis, type SweepAxis } from './sweep.js';

/**
 * `datastorm compare --codecs ...`: one workload per codec, set side by side (the seed's "Compression Impact").
 * `datastorm compare --driver kafkajs,platformatic`: one workload per driver instead, a sweep over the driver.
 */

/** The driver axis when --driver lists several drivers (undefined: compare varies the codec). */
export function driverAxis(args: ProduceArgs, codecsTyped: boolean): SweepAxis | undefined {
  const drivers = args.driver;
  if (!Array.isArray(drivers) || drivers.length < 2) return undefined;
  if (codecsTyped) {
    throw new DataStormError('DS_BAD_OPTION', 'compare varies the codec (--codecs) or the driver (--driver kafkajs,platformatic), not both', {
      hint: 'give a driver comparison its one codec with --compression',
    });
  }
  checkSingleValued({ ...args, driver: undefined }, 'compare varies the driver only');
  return sweepAxis(args);
}

export function parseCodecList(text: string): CodecName[] {
  const codecs = text.split(',').map((name) => parseCodec(name.trim()));
  const repeated = codecs.find((codec, i) => codecs.indexOf(codec) !== i);
  if (repeated) throw new DataStormError('DS_BAD_OPTION', `--codecs names ${repeated} twice`);
  return codecs;
}

/** The seed's three figures for a codec in one cell, as it writes them; empty for a codec it did not measure. */
export function seedCodecCell(codec: string): string {
  if (!Object.hasOwn(SEED_CODECS, codec)) return '';
  const seed = SEED_CODECS[codec];
  return `${formatSeedRate(seed.recordsPerSec)}/s, ${seed.cpuPercent}% CPU, ${seed.latencyMs} ms`;
}

export function compareTable(run: AnalysisRun): ReportTable {
  return pointTable('codec', run.points, run.machine.cpuCount, { head: ['seed report (its machine)'], cells: (codec) => [seedCodecCell(codec)] });
}

export function compareDocument(run: AnalysisRun): ReportDocument {
  const table = compareTable(run);
  const throughput = barChart({
    title: 'Records/s by codec',
    unit: 'records/s',
    bars: run.points.map((point) => {
      const figures = pointFigures(point, run.machine.cpuCount);
      return { label: point.label, value: figures.recordsPerSec, note: `ratio ${figures.compressionRatio.toFixed(2)}` };
    }),
    referenceBars: run.points.filter((point) => Object.hasOwn(SEED_CODECS, point.label))
      .map((point) => ({ label: point.label, value: SEED_CODECS[point.label].recordsPerSec })),
    barsName: 'measured here',
    referenceName: 'seed report (its machine)',
  });
  return analysisDocument(run, 'DataStorm: compression codecs compared', [
    {
      heading: 'Compression impact',
      text: 'The same workload per codec, each on a fresh topic. The last column holds the figures of ' +
        `${SEED_SOURCE}: records/s, CPU use and the one latency it gives per codec.`,
      table,
    },
    { heading: 'Throughput by codec', chart: { file: 'throughput.svg', title: 'Records/s by codec', svg: throughput } },
    { heading: 'Latency by percentile', chart: latencyChart(run, 'Latency by percentile, per codec (send to ack)') },
  ]);
}
