import type { StepLoad } from './capacity-step.js';

/** How a search's figures read wherever they are printed: its log lines, its report, its verdicts. */

/** 12.3K/s: a rate of records, one decimal of thousands (or of millions) so that a table's rates line up. */
export function formatRate(rps: number): string {
  if (rps >= 1e6) return `${(rps / 1e6).toFixed(2)}M/s`;
  if (rps >= 1e4) return `${(rps / 1e3).toFixed(1)}K/s`;
  return `${Math.round(rps)}/s`;
}

/** A latency in ms to three figures: 270, 91.1, 2.05. */
export const formatLatencyMs = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** A step's load: `45.0K/s`, `91.6K/s → 366.4K/s` (a ramp), `no limit`. */
export function formatLoad(load: StepLoad): string {
  if (load.kind === 'rate') return formatRate(load.rateRps);
  return load.kind === 'ramp' ? `${formatRate(load.fromRps)} → ${formatRate(load.toRps)}` : 'no limit';
}
