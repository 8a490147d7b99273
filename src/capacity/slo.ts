import { DataStormError } from '../shared/errors.js';
import type { Histogram } from '../shared/histograms.js';

/**
 * A latency objective (`--slo 'p99<=50ms,avg<=10ms'`): every term must hold. Latency is what the search measures
 * (from each record's intended send time), in milliseconds.
 */
export interface SloTerm {
  /** A percentile (50, 99, 99.9) or the mean. */
  statistic: { percentile: number } | 'avg';
  limitMs: number;
}

export type Slo = SloTerm[];

const TERM = /^(p(\d{1,2}(?:\.\d{1,3})?)|avg)\s*<=\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s)$/;
const TO_MS: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

function badSlo(text: string, why: string): DataStormError {
  return new DataStormError('DS_BAD_OPTION', `--slo "${text}": ${why}`, {
    hint: 'terms like p99<=50ms, p99.9<=200ms, p50<=5ms or avg<=10ms, joined by commas: --slo \'p99<=50ms,p50<=10ms\'',
  });
}

/** The terms of an --slo text, in its order; each statistic at most once. */
export function parseSlo(text: string): Slo {
  const terms = text.split(',').map((part) => part.trim());
  if (terms.some((term) => term === '')) throw badSlo(text, 'an empty term');
  const slo = terms.map((term): SloTerm => {
    const match = TERM.exec(term);
    if (!match) throw badSlo(text, `"${term}" is not <statistic><=<latency> (a unit: us, ms or s)`);
    const limitMs = Number(match[3]) * TO_MS[match[4]];
    if (limitMs <= 0) throw badSlo(text, `"${term}" allows no latency at all`);
    if (match[2] === undefined) return { statistic: 'avg', limitMs };
    const percentile = Number(match[2]);
    if (percentile <= 0 || percentile >= 100) throw badSlo(text, `p${match[2]} is not a percentile between 0 and 100`);
    return { statistic: { percentile }, limitMs };
  });
  const names = slo.map(statisticName);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated) throw badSlo(text, `${repeated} is given twice`);
  return slo;
}

/** p99, p99.9, avg */
export const statisticName = (term: SloTerm): string => (term.statistic === 'avg' ? 'avg' : `p${term.statistic.percentile}`);

/** `p99<=50ms,avg<=10ms`: as parseSlo reads it. */
export function formatSlo(slo: Slo): string {
  return slo.map((term) => `${statisticName(term)}<=${formatMs(term.limitMs)}`).join(',');
}

/** 50ms, 0.5ms, 2s */
function formatMs(ms: number): string {
  return ms >= 1000 && ms % 1000 === 0 ? `${ms / 1000}s` : `${Number(ms.toPrecision(6))}ms`;
}

/** Each term's value in ms from a histogram of µs, in the SLO's order (0 for an empty histogram). */
export function sloValuesMs(slo: Slo, histogram: Histogram): number[] {
  if (histogram.totalCount === 0) return slo.map(() => 0);
  return slo.map((term) => (term.statistic === 'avg' ? histogram.mean : histogram.getValueAtPercentile(term.statistic.percentile)) / 1000);
}

/** Whether values (sloValuesMs) meet every term. */
export const meetsSlo = (slo: Slo, valuesMs: number[]): boolean => slo.every((term, i) => valuesMs[i] <= term.limitMs);

/**
 * Records a step needs for its latency statistics to mean something: a hundred records beyond the highest
 * percentile asked for (10,000 for p99, 100,000 for p99.9); 1,000 for a mean or median alone.
 */
export function recordsNeeded(slo: Slo): number {
  // The thinnest tail, in thousandths of a percent (a percentile has at most 3 decimals): exact, where 1 - 99.9 / 100 is
  // not (100,001 records).
  const tail = Math.min(...slo.map((term) => Math.round((100 - (term.statistic === 'avg' ? 50 : term.statistic.percentile)) * 1000)));
  return Math.max(1000, Math.ceil((100 * 100_000) / tail));
}
