import { DataStormError } from '../shared/errors.js';
import {
  METRICS, METRIC_NAMES, formatMetricValue, isMetricName, kindOfFigures, missingMetric, type Figures, type MetricName, type ResultKind,
} from './metrics.js';

/** A k6-style threshold, `p99_ms<50` or `records_per_sec>=100000`, parsed once into a typed predicate. */
export interface Threshold {
  text: string;
  metric: MetricName;
  operator: Operator;
  value: number;
}

const OPERATORS = {
  '<': (a: number, b: number) => a < b,
  '<=': (a: number, b: number) => a <= b,
  '>': (a: number, b: number) => a > b,
  '>=': (a: number, b: number) => a >= b,
} as const;
type Operator = keyof typeof OPERATORS;

const THRESHOLD = /^\s*([a-z0-9_]+)\s*(<=|>=|<|>)\s*(-?[0-9][0-9_]*(?:\.[0-9]+)?(?:e[0-9]+)?)\s*$/i;

export function parseThreshold(text: string): Threshold {
  const match = THRESHOLD.exec(text);
  if (!match) {
    throw new DataStormError('DS_BAD_OPTION', `cannot read threshold "${text}"`, {
      hint: "write METRIC OP NUMBER with OP one of < <= > >=, e.g. --threshold 'p99_ms<50'",
    });
  }
  const [, metric, operator, value] = match;
  if (!isMetricName(metric)) {
    const withUnit = METRIC_NAMES.find((name) => name.startsWith(`${metric}_`));
    throw new DataStormError('DS_BAD_OPTION', `unknown metric "${metric}" in threshold "${text}"`, {
      hint: withUnit ? `did you mean ${withUnit}? (metric names carry their unit)` : `metrics: ${METRIC_NAMES.join(', ')}`,
    });
  }
  return { text: `${metric}${operator}${value}`, metric, operator: operator as Operator, value: Number(value.replaceAll('_', '')) };
}

export interface ThresholdOutcome {
  threshold: Threshold;
  actual: number;
  passed: boolean;
}

/** Thresholds on metrics that results of `kind` do not hold fail before the run, not after it: `where` names its result. */
export function checkThresholdMetrics(thresholds: Threshold[], kind: ResultKind, where: string): void {
  const foreign = thresholds.find((threshold) => METRICS[threshold.metric].of !== kind);
  if (foreign) throw missingMetric(foreign.metric, where, kind);
}

/** Each threshold on the figures; one on a metric they do not hold is an error naming `where` they are from. */
export function evaluateThresholds(thresholds: Threshold[], values: Figures, where = 'the result'): ThresholdOutcome[] {
  return thresholds.map((threshold) => {
    const actual = values[threshold.metric];
    if (actual === undefined) throw missingMetric(threshold.metric, where, kindOfFigures(values), values);
    return { threshold, actual, passed: OPERATORS[threshold.operator](actual, threshold.value) };
  });
}

export const THRESHOLD_HEAD = ['threshold', 'actual', 'verdict'];

/** Rows of the threshold table (THRESHOLD_HEAD): threshold, actual value, verdict. */
export function thresholdRows(outcomes: ThresholdOutcome[]): string[][] {
  return outcomes.map(({ threshold, actual, passed }) => [
    threshold.text, formatMetricValue(threshold.metric, actual), passed ? 'ok' : 'FAILED',
  ]);
}

/** One line naming every failed threshold, or undefined when all passed. */
export function thresholdFailure(outcomes: ThresholdOutcome[]): string | undefined {
  const failed = outcomes.filter((o) => !o.passed);
  if (failed.length === 0) return undefined;
  return `${failed.length} of ${outcomes.length} thresholds failed: ` +
    failed.map((o) => `${o.threshold.text} (was ${formatMetricValue(o.threshold.metric, o.actual)})`).join(', ');
}
