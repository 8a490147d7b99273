import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { formatSecurity } from '../security/client-security.js';
import { formatBrokerRelease } from '../kafka/kafka-releases.js';
import { isCapacityResult, kindOf, type AnyBenchResult } from './bench-result.js';
import {
  METRICS, METRIC_NAMES, formatMetricValue, isMetricName, missingMetric, type Figures, type MetricName, type ResultKind,
} from './metrics.js';

/** The most each metric may get worse, in percent; a metric without a limit is shown but not gated. */
export type RegressionLimits = Partial<Record<MetricName, number>>;

/** What a bare `--max-regression 10%` gates in runs' results: throughput, tail latency, and errors appearing. */
export const DEFAULT_GATED_METRICS: readonly MetricName[] = ['records_per_sec', 'p99_ms', 'error_count'];

/**
 * What a bare `--max-regression 10%` gates in results of a kind: a run's DEFAULT_GATED_METRICS (compared as ratios,
 * errors have none: a reference tool counts none), a capacity search's sustainable rate.
 */
export function defaultGatedMetrics(kind: ResultKind, relative = false): readonly MetricName[] {
  if (kind === 'capacity') return ['sustainable_rps'];
  return relative ? DEFAULT_GATED_METRICS.filter((name) => name !== 'error_count') : DEFAULT_GATED_METRICS;
}

const LIMIT = /^(?:([a-z0-9_]+)=)?([0-9]+(?:\.[0-9]+)?)%?$/i;

/**
 * `10%` limits the default metrics (`defaults`); `p99_ms=50%` limits one metric; later values override earlier ones.
 * `flag` names the option in errors (compare's --max-regression, history's --max-drift).
 */
export function parseRegressionLimits(values: string[], defaults = DEFAULT_GATED_METRICS, flag = '--max-regression'): RegressionLimits {
  const limits: RegressionLimits = {};
  for (const value of values) {
    const match = LIMIT.exec(value.trim());
    if (!match) {
      throw new DataStormError('DS_BAD_OPTION', `cannot read ${flag} "${value}"`, {
        hint: `give a percentage for the default metrics (${flag} 10%) or for one (${flag} p99_ms=50%)`,
      });
    }
    const [, metric, percent] = match;
    if (metric !== undefined && !isMetricName(metric)) {
      throw new DataStormError('DS_BAD_OPTION', `unknown metric "${metric}" in ${flag} "${value}"`, {
        hint: `metrics: ${METRIC_NAMES.join(', ')}`,
      });
    }
    for (const name of metric ? [metric as MetricName] : defaults) limits[name] = Number(percent);
  }
  return limits;
}

export interface MetricComparison {
  metric: MetricName;
  baseline: number;
  current: number;
  /** Signed change of current from baseline, in percent of baseline. */
  changePercent: number;
  /** How much worse current is, in percent, whichever way is better for the metric (negative: it improved). */
  regressionPercent: number;
  limitPercent?: number;
  regressed: boolean;
}

function changePercent(baseline: number, current: number): number {
  if (baseline === 0) return current === 0 ? 0 : Math.sign(current) * Infinity;
  return ((current - baseline) / Math.abs(baseline)) * 100;
}

/**
 * A limit on a metric one side does not hold would gate nothing and pass: an error instead, naming the file
 * (a run's result against a capacity search's, or a search that ran no confirmation).
 */
export function checkGatedMetrics(limits: RegressionLimits, sides: Array<{ file: string; kind: ResultKind; figures: Figures }>): void {
  for (const metric of METRIC_NAMES.filter((name) => limits[name] !== undefined)) {
    const lacking = sides.find((side) => side.figures[metric] === undefined);
    if (lacking) throw missingMetric(metric, lacking.file, lacking.kind, lacking.figures);
  }
}

/** Every metric both sides have, compared in the direction that is better for it. */
export function compareMetrics(baseline: Figures, current: Figures, limits: RegressionLimits): MetricComparison[] {
  return METRIC_NAMES.filter((name) => baseline[name] !== undefined && current[name] !== undefined).map((metric) => {
    const [before, after] = [baseline[metric] as number, current[metric] as number];
    const change = changePercent(before, after);
    const regressionPercent = METRICS[metric].better === 'higher' ? -change : change;
    const limitPercent = limits[metric];
    return {
      metric, baseline: before, current: after, changePercent: change, regressionPercent, limitPercent,
      regressed: limitPercent !== undefined && regressionPercent > limitPercent,
    };
  });
}

export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return percent > 0 ? '+inf%' : '-inf%';
  const rounded = percent.toFixed(1);
  if (Number(rounded) === 0) return '0.0%';
  return `${Number(rounded) > 0 ? '+' : ''}${rounded}%`;
}

export const COMPARISON_HEAD = ['metric', 'baseline', 'current', 'change', 'max regression', 'verdict'];

/** Rows of the comparison table; `ratio` when the values are runs divided by their references. */
export function comparisonRows(comparisons: MetricComparison[], kind: 'absolute' | 'ratio' = 'absolute'): string[][] {
  return comparisons.map((c) => [
    kind === 'ratio' ? `${c.metric} (ratio)` : c.metric,
    formatMetricValue(c.metric, c.baseline, kind),
    formatMetricValue(c.metric, c.current, kind),
    formatPercent(c.changePercent),
    c.limitPercent === undefined ? '-' : `${c.limitPercent}%`,
    c.limitPercent === undefined ? '' : c.regressed ? 'REGRESSION' : 'ok',
  ]);
}

/** One line naming every regression, or undefined when there is none. */
export function regressionFailure(comparisons: MetricComparison[]): string | undefined {
  const regressed = comparisons.filter((c) => c.regressed);
  if (regressed.length === 0) return undefined;
  return `${regressed.length === 1 ? '1 metric' : `${regressed.length} metrics`} regressed beyond the limit: ` +
    regressed.map((c) => `${c.metric} ${formatPercent(c.changePercent)} (limit ${c.limitPercent}%)`).join(', ');
}

/**
 * Settings that do not change a run's figures: the topic, and the cluster address and output flags that older
 * results carried in their config.
 */
const INCIDENTAL_SETTINGS: ReadonlySet<string> = new Set(['topic', 'bootstrap', 'json', 'printMetrics']);

function stableJson(value: unknown): string {
  if (value === undefined) return 'unset';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** The search's settings that do not change what it finds: keeping its topic afterwards, the wait before it. */
const INCIDENTAL_SEARCH_SETTINGS: ReadonlySet<string> = new Set(['keepTopic', 'settleMs']);

/**
 * A setting as differences show it: a security's protocol and mechanism, what changes the figures (results from
 * before security was recorded were plaintext); any other as JSON.
 */
const shownSetting = (key: string, value: unknown): string =>
  (key === 'security' ? (value ? formatSecurity(value as RunConfig['security']) : 'PLAINTEXT') : stableJson(value));

/** Settings that differ between two objects of settings, each as `setting <prefix><key>: before -> after`. */
function settingDifferences(prefix: string, before: object, after: object, incidental: ReadonlySet<string>): string[] {
  const [a, b] = [before as Record<string, unknown>, after as Record<string, unknown>];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort().filter((key) => !incidental.has(key)).flatMap((key) => {
    const [was, is] = [shownSetting(key, a[key]), shownSetting(key, b[key])];
    return was === is ? [] : [`setting ${prefix}${key}: ${was} -> ${is}`];
  });
}

const KIND_OF_RESULT: Record<ResultKind, string> = { run: 'a run', capacity: 'a capacity search' };

/**
 * What makes two results unlike: their kind, settings (a search's own too: its SLO, budget, precision), machine and
 * cluster. Compare prints these as warnings: a gate that compares a 2-core runner with an 8-core laptop, or 1
 * worker with 4, should say so next to its table.
 */
export function differencesBetween(baseline: AnyBenchResult, current: AnyBenchResult): string[] {
  if (kindOf(baseline) !== kindOf(current)) return [`result: ${KIND_OF_RESULT[kindOf(baseline)]} -> ${KIND_OF_RESULT[kindOf(current)]}`];
  const differences = settingDifferences('', baseline.config, current.config, INCIDENTAL_SETTINGS);
  if (isCapacityResult(baseline) && isCapacityResult(current)) {
    differences.push(...settingDifferences('capacity ', { slo: baseline.slo, ...baseline.spec }, { slo: current.slo, ...current.spec },
      INCIDENTAL_SEARCH_SETTINGS));
  }
  const machine = (r: AnyBenchResult) => `${r.machine.cpuCount} x ${r.machine.cpuModel}`;
  if (machine(baseline) !== machine(current)) differences.push(`machine: ${machine(baseline)} -> ${machine(current)}`);
  if (!isCapacityResult(baseline) && !isCapacityResult(current) && baseline.cluster.brokers !== current.cluster.brokers) {
    differences.push(`cluster: ${baseline.cluster.brokers} -> ${current.cluster.brokers} brokers`);
  }
  // Results written before the brokers' release was read have none: nothing to set against.
  const [kafkaBefore, kafkaAfter] = [baseline, current].map((r) => r.cluster.kafka && formatBrokerRelease(r.cluster.kafka));
  if (kafkaBefore && kafkaAfter && kafkaBefore !== kafkaAfter) differences.push(`cluster: ${kafkaBefore} -> ${kafkaAfter}`);
  return differences;
}
