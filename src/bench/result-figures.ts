import { RUN_METRIC_NAMES } from './metrics.js';

/**
 * Every figure of a result file, checked when it is read: a result is input like any other. JSON turns a NaN into
 * null, and a hand edit or a damaged file can leave a string, a negative count or 1e999 (Infinity); gates and
 * merges computed on those print -inf and pass (`NaN > limit` is false), so the file is refused instead.
 */

/** What is wrong with the value at `path`, or undefined when it is fine. */
type Check = (value: unknown, path: string) => string | undefined;

const shown = (value: unknown) => (typeof value === 'number' ? String(value) : JSON.stringify(value));

/** A finite number of 0 or more; `whole` for counts, `positive` where 0 means nothing was measured or divides. */
function figure(options: { whole?: boolean; positive?: boolean } = {}): Check {
  return (value, path) => {
    if (typeof value !== 'number') return `${path} is ${shown(value)}, not a number`;
    if (!Number.isFinite(value)) return `${path} is ${shown(value)}, not a finite number`;
    if (value < 0) return `${path} is ${shown(value)}, below 0`;
    if (options.positive && value === 0) return `${path} is 0, not above 0`;
    if (options.whole && !Number.isInteger(value)) return `${path} is ${shown(value)}, not a whole number`;
    return undefined;
  };
}

/** Records, bytes, requests: whole numbers of 0 or more. */
const count = figure({ whole: true });
/** Durations, rates, latencies, epoch times: finite numbers of 0 or more. */
const amount = figure();

/** A latency histogram as results keep it (merge decodes it). */
const histogram: Check = (value, path) =>
  (typeof value === 'string' && value !== '' ? undefined : `${path} is ${shown(value)}, not an encoded histogram`);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field a result may leave out (older results, runs without the option); when there, it is checked. */
interface Optional { optional: Check }
const optional = (check: Check): Optional => ({ optional: check });

/** An object with these fields, each present (unless optional) and right. */
function shape(fields: Record<string, Check | Optional>): Check {
  return (value, path) => {
    if (!isObject(value)) return `${path} is ${shown(value)}, not an object`;
    for (const [key, field] of Object.entries(fields)) {
      const at = path ? `${path}.${key}` : key;
      if (value[key] === undefined) {
        if ('optional' in field) continue;
        return `${at} is missing`;
      }
      const problem = ('optional' in field ? field.optional : field)(value[key], at);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** A list of items each checked; `atLeastOne` where an empty list leaves nothing to compute with. */
function each(check: Check, atLeastOne?: string): Check {
  return (value, path) => {
    if (!Array.isArray(value)) return `${path} is ${shown(value)}, not a list`;
    if (atLeastOne && value.length === 0) return `${path} is empty: ${atLeastOne}`;
    for (const [i, item] of value.entries()) {
      const problem = check(item, `${path}[${i}]`);
      if (problem) return problem;
    }
    return undefined;
  };
}

/** An object of counts under any names (errors by type). */
const countsByName: Check = (value, path) => {
  if (!isObject(value)) return `${path} is ${shown(value)}, not an object`;
  for (const [name, n] of Object.entries(value)) {
    const problem = count(n, `${path}.${name}`);
    if (problem) return problem;
  }
  return undefined;
};

const LATENCY = shape({
  count, minUs: amount, meanUs: amount, maxUs: amount, p50Us: amount, p95Us: amount, p99Us: amount, p999Us: amount, p9999Us: amount,
  histogram,
});
const THROUGHPUT = { records: count, payloadBytes: count, durationMs: amount, recordsPerSec: amount, mbPerSec: amount };

/** A run's figures as gates read them (bench.runs); a reference tool reports no error count. */
const METRICS = shape(Object.fromEntries(RUN_METRIC_NAMES.map((name) => [name, name === 'error_count' ? count : amount])));
const REFERENCE_METRICS = shape(Object.fromEntries(RUN_METRIC_NAMES.filter((name) => name !== 'error_count').map((name) => [name, amount])));
const PROCESS = shape({ peakRssBytes: count, cpuUserMs: amount, cpuSystemMs: amount });

/** The broker's offsets the run could not read after it (the cluster was gone) are NaN, null in JSON; uncheckedBecause says so. */
const accounting: Check = (value, path) => {
  const unread = isObject(value) && typeof value.uncheckedBecause === 'string';
  const offsets: Check = unread ? (v, at) => (v === null ? undefined : count(v, at)) : count;
  return shape({
    acknowledgedRecords: count, brokerOffsetGrowth: offsets, transactionMarkers: optional(count),
    topicEndOffsetTotalBefore: count, topicEndOffsetTotalAfter: offsets,
    topics: optional(each(shape({ acknowledgedRecords: count, brokerOffsetGrowth: offsets }))),
  })(value, path);
};

/** Every figure of a result (src/produce/result.ts ProduceResult and src/bench/bench-result.ts BenchInfo), in their order. */
const RESULT = shape({
  measuredWindow: shape({ startEpochMs: amount, endEpochMs: amount, steadyStartEpochMs: optional(amount) }),
  // The settings a merge computes with: it adds up the split ones and cuts its interval series by the reporting interval.
  config: shape({
    numRecords: optional(count), workers: figure({ whole: true, positive: true }), warmupRecords: count,
    reportingIntervalMs: figure({ positive: true }),
  }),
  threads: optional(count),
  buffers: shape({ batchLimitBytes: count, bufferBytes: count, buffersPerWorker: count }),
  values: shape({ count, minBytes: count, meanBytes: amount, maxBytes: count }),
  machine: shape({ cpuCount: count, totalMemoryBytes: count }),
  cluster: shape({ brokers: count }),
  totals: shape({ ...THROUGHPUT, wireBytes: count, compressionRatio: amount, errors: countsByName }),
  latency: LATENCY,
  intendedLatency: optional(LATENCY),
  steadyState: optional(shape({ totals: shape(THROUGHPUT), latency: LATENCY })),
  intervals: each(shape({
    ...THROUGHPUT, elapsedMs: amount, avgLatencyMs: amount, maxLatencyMs: amount, profileRecordsPerSec: optional(amount),
  })),
  workers: each(shape({
    workerId: count, records: count, payloadBytes: count, wireBytes: count, requests: count, failedRequests: optional(count),
    errors: count, bufferWaitMs: amount, batchLimitEndBytes: optional(amount), latency: LATENCY,
  })),
  accounting,
  process: PROCESS,
  barrier: optional(shape({ plannedEpochMs: amount, firstSendEpochMs: amount, lateMs: amount })),
  transactions: optional(shape({
    committed: count, aborted: count, committedRecords: count, abortedRecords: count, markers: count,
    commitMsTotal: amount, commitMsMax: amount, abortMsTotal: amount, abortMsMax: amount,
  })),
  faults: optional(shape({
    events: each(shape({ node: count, atMs: amount, startedAtMs: optional(amount), doneAtMs: optional(amount) })),
    longestStall: optional(shape({ fromMs: amount, toMs: amount })),
    preFaultRecordsPerSec: amount, recoveryMs: optional(amount), acksPerSlot: each(count),
  })),
  bench: optional(shape({
    runs: each(METRICS, 'a result holds the figures of at least one run'),
    reference: optional(shape({
      runs: each(shape({ metrics: REFERENCE_METRICS, wallMs: amount, process: optional(PROCESS) })),
    })),
    mergedFrom: optional(each(shape({ records: count }))),
    startSpreadMs: optional(amount),
  })),
});

/** A confirming step's summary. */
const STEP_SUMMARY = shape({ rateRps: amount, achievedRps: amount, p99Ms: amount });

/** Every figure a capacity search's result (src/capacity/run-capacity.ts CapacityResult) is gated or reported on. */
const CAPACITY_RESULT = shape({
  steps: each(shape({ durationMs: amount, warmupMs: amount, records: count, achievedRps: amount })),
  sustainableRps: amount,
  ceilingRps: amount,
  probeRps: amount,
  bracket: shape({ meetRps: amount, missRps: optional(amount) }),
  confirmation: optional(STEP_SUMMARY),
  above: optional(STEP_SUMMARY),
  floor: optional(STEP_SUMMARY),
  vs: optional(shape({
    rateRps: amount, durationMs: amount, warmupMs: amount, records: count, achievedRps: amount,
    p50Ms: amount, p99Ms: amount, p999Ms: amount, avgMs: amount, maxMs: amount,
  })),
  bench: optional(shape({
    runs: each(shape({ sustainable_rps: amount, ceiling_rps: amount, confirmation_p99_ms: optional(amount) }),
      'a result holds the figures of at least one search'),
  })),
});

/**
 * The first figure of a parsed result (a run's, or a capacity search's) that is not a finite number of 0 or more
 * (a whole one where it counts), as `bench.runs[0].p99_ms is null, not a number`; undefined when every figure is one.
 */
export function resultFigureProblem(result: unknown): string | undefined {
  return (isObject(result) && result.command === 'capacity' ? CAPACITY_RESULT : RESULT)(result, '');
}
