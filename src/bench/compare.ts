import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import type { ProduceResult } from '../produce/result.js';
import { formatSecurity } from '../security/client-security.js';
import {
  METRICS, METRIC_NAMES, formatMetricValue, isMetricName, type MetricName, type MetricValues,
} from './metrics.js';

/** The most each metric may get worse, in percent; a metric without a limit is shown but not gated. */
export type RegressionLimits = Partial<Record<MetricName, number>>;

/** What a bare `--max-regression 10%` gates: throughput, tail latency, and errors appearing. */
export const DEFAULT_GATED_METRICS: readonly MetricName[] = ['records_per_sec', 'p99_ms', 'error_count'];

const LIMIT = /^(?:([a-z0-9_]+)=)?([0-9]+(?:\.[0-9]+)?)%?$/i;

/** `10%` limits the default metrics; `p99_ms=50%` limits one metric; later values override earlier ones. */
export function parseRegressionLimits(values: string[]): RegressionLimits {
  const limits: RegressionLimits = {};
  for (const value of values) {
    const match = LIMIT.exec(value.trim());
    if (!match) {
      throw new DataStormError('DS_BAD_OPTION', `cannot read --max-regression "${value}"`, {
        hint: "give a percentage for the default metrics (--max-regression 10%) or for one (--max-regression p99_ms=50%)",
      });
    }
    const [, metric, percent] = match;
    if (metric !== undefined && !isMetricName(metric)) {
      throw new DataStormError('DS_BAD_OPTION', `unknown metric "${metric}" in --max-regression "${value}"`, {
        hint: `metrics: ${METRIC_NAMES.join(', ')}`,
      });
    }
    for (const name of metric ? [metric as MetricName] : DEFAULT_GATED_METRICS) limits[name] = Number(percent);
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

/** Every metric both sides have, compared in the direction that is better for it. */
export function compareMetrics(
  baseline: Partial<MetricValues>, current: Partial<MetricValues>, limits: RegressionLimits,
): MetricComparison[] {
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

/**
 * What makes two results unlike: settings, machine and cluster. Compare prints these as warnings: a gate
 * that compares a 2-core runner with an 8-core laptop, or 1 worker with 4, should say so next to its table.
 */
export function differencesBetween(baseline: ProduceResult, current: ProduceResult): string[] {
  const differences: string[] = [];
  const keys = new Set([...Object.keys(baseline.config), ...Object.keys(current.config)] as Array<keyof RunConfig>);
  for (const key of [...keys].sort()) {
    if (INCIDENTAL_SETTINGS.has(key)) continue;
    const [before, after] = key === 'security'
      // Results from before security was recorded were plaintext; the protocol and mechanism are what change the figures.
      ? [baseline, current].map((r) => (r.config.security ? formatSecurity(r.config.security) : 'PLAINTEXT'))
      : [stableJson(baseline.config[key]), stableJson(current.config[key])];
    if (before !== after) differences.push(`setting ${key}: ${before} -> ${after}`);
  }
  const machine = (r: ProduceResult) => `${r.machine.cpuCount} x ${r.machine.cpuModel}`;
  if (machine(baseline) !== machine(current)) differences.push(`machine: ${machine(baseline)} -> ${machine(current)}`);
  if (baseline.cluster.brokers !== current.cluster.brokers) {
    differences.push(`cluster: ${baseline.cluster.brokers} -> ${current.cluster.brokers} brokers`);
  }
  return differences;
}
