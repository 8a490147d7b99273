import { InvalidArgumentError } from 'commander';
import type { ClientSecurity } from '../security/client-security.js';
import { checkTopicName } from '../kafka/topic.js';
import { DataStormError } from '../shared/errors.js';
import { DISTRIBUTORS, type Distributor } from '../drain/lanes.js';
import type { LatencyModel } from '../drain/latency-model.js';
import { DRAIN_MODES, type DrainMode, type DrainSpec, type SinkSpec } from '../drain/drain-spec.js';
import type { OptionSpec } from './option-spec.js';
import { parseBaseUrl, parseChoice, parseDurationMs, parseHttpHeader, parseIntegerOption } from './parse.js';

/**
 * `datastorm drain` (a topic into an HTTP service, go-dmux's way) and `datastorm sink` (the HTTP service to drain
 * into): every option defined once, and how the typed runs are built from them.
 */

const parseStatus = (flag: string) => parseIntegerOption(flag, 100, 599);

function parseStatusList(value: string): number[] {
  return value.split(',').map((s) => parseStatus('--non-retriable-status')(s.trim()));
}

function parseRate(value: string): number {
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) throw new InvalidArgumentError(`--error-rate takes a share from 0 to 1, not "${value}"`);
  return rate;
}

function parseMethod(value: string): string {
  if (!/^[A-Za-z]+$/.test(value)) throw new InvalidArgumentError(`--method takes an HTTP method such as POST or PUT, not "${value}"`);
  return value.toUpperCase();
}

/** `p50=20ms,p99=200ms` of --latency-dist. */
function parseLatencyDist(value: string): { p50Ms: number; p99Ms: number } {
  const parts = Object.fromEntries(value.split(',').map((part) => part.split('=').map((s) => s.trim())));
  const keys = Object.keys(parts).sort().join(',');
  if (keys !== 'p50,p99') throw new InvalidArgumentError(`--latency-dist takes p50=<time>,p99=<time>, not "${value}"`);
  const p50Ms = parseDurationMs('--latency-dist p50', parts.p50);
  const p99Ms = parseDurationMs('--latency-dist p99', parts.p99);
  if (p99Ms < p50Ms) throw new InvalidArgumentError(`--latency-dist: p99 (${parts.p99}) is below p50 (${parts.p50})`);
  return { p50Ms, p99Ms };
}

/** A duration that may be 0 (--jitter 0). */
const parseOptionalDurationMs = (flag: string) => (value: string) => (value.trim() === '0' ? 0 : parseDurationMs(flag, value));

export const DRAIN_OPTIONS = {
  topic: { flags: '--topic <name>', description: 'the topic to drain', parse: checkTopicName },
  group: { flags: '--group <id>', description: 'consumer group: drain resumes from its committed offsets and commits as records are delivered',
    parse: (v: string) => { if (v.trim() === '') throw new InvalidArgumentError('--group takes a consumer group id, not an empty one'); return v; } },
  sink: { flags: '--sink <url>', description: 'the HTTP service: each record is sent to {url}/{topic}/{partition}/{key}/{offset}', parse: parseBaseUrl('--sink') },
  size: { flags: '--size <n>', description: 'lanes (go-dmux\'s dmux.size): calls in flight at once, one per lane', defaultValue: 200,
    parse: parseIntegerOption('--size', 1, 10_000) },
  pendingAcks: { flags: '--pending-acks <n>', description: 'records fetched and not yet committable at most (go-dmux\'s pending_acks): fetching waits beyond it',
    defaultValue: 10_000, parse: parseIntegerOption('--pending-acks', 1) },
  batchSize: { flags: '--batch-size <n>', description: 'records per call; above 1, go-dmux\'s v2 batch body to {url}/{topic}', defaultValue: 1,
    parse: parseIntegerOption('--batch-size', 1, 10_000) },
  distributor: { flags: '--distributor <kind>', description: 'hash (FNV-1a of the key, mod --size: per-key order) or round-robin (no order)', defaultValue: 'hash',
    parse: parseChoice('--distributor', DISTRIBUTORS) },
  retryInterval: { flags: '--retry-interval <time>', description: 'wait before calling again after a failed call (retried until it succeeds)', defaultValue: 1000, defaultDescription: '1s',
    parse: (v: string) => parseDurationMs('--retry-interval', v) },
  timeout: { flags: '--timeout <time>', description: 'a call without an answer this long fails (and is retried)', defaultValue: 10_000, defaultDescription: '10s',
    parse: (v: string) => parseDurationMs('--timeout', v) },
  method: { flags: '--method <method>', description: 'HTTP method of the calls', defaultValue: 'POST', parse: parseMethod },
  header: { flags: '--header <name:value>', description: 'a header sent with every call (repeat for more)', parse: parseHttpHeader('--header', 'drain sends application/octet-stream, as go-dmux') },
  nonRetriableStatus: { flags: '--non-retriable-status <codes>', description: 'statuses that count as done without a 2xx, e.g. 400,404 (not retried)',
    parse: parseStatusList },
  fromBeginning: { flags: '--from-beginning', description: 'a group without committed offsets starts at the log start (default: at the end)', defaultValue: false },
  untilCaughtUp: { flags: '--until-caught-up', description: 'stop once the end offsets seen at the start are committed (the default without --duration)' },
  duration: { flags: '--duration <time>', description: 'drain for this long instead (30s, 2m)', parse: (v: string) => parseDurationMs('--duration', v) },
  mode: { flags: '--mode <mode>', description: 'fanout (--size lanes) or serial (one call at a time per partition: the baseline of a plain eachMessage consumer)',
    defaultValue: 'fanout', parse: parseChoice('--mode', DRAIN_MODES) },
  commitInterval: { flags: '--commit-interval <time>', description: 'how often the committable prefix is committed (and once more at the end)', defaultValue: 1000,
    defaultDescription: '1s', parse: (v: string) => parseDurationMs('--commit-interval', v) },
  lagInterval: { flags: '--lag-interval <time>', description: 'time between lag samples (as `datastorm lag --interval`)', defaultValue: 1000, defaultDescription: '1s',
    parse: (v: string) => parseDurationMs('--lag-interval', v) },
  chart: { flags: '--chart <file.svg>', description: 'write the chart of the group\'s total lag over the drain (SVG) to this file' },
  json: { flags: '--json', description: 'print the whole result as JSON on stdout (everything else goes to stderr)', defaultValue: false },
} satisfies Record<string, OptionSpec>;

export const SINK_OPTIONS = {
  port: { flags: '--port <port>', description: 'TCP port to listen on (0: any free port, printed)', defaultValue: 8080, parse: parseIntegerOption('--port', 0, 65_535) },
  host: { flags: '--host <address>', description: 'address to listen on', defaultValue: '127.0.0.1' },
  latency: { flags: '--latency <time>', description: 'how long each call takes to answer', defaultValue: 0, defaultDescription: '0ms',
    parse: parseOptionalDurationMs('--latency') },
  jitter: { flags: '--jitter <time>', description: 'spread of the latency: uniform within ± this', parse: parseOptionalDurationMs('--jitter') },
  latencyDist: { flags: '--latency-dist <p50=..,p99=..>', description: 'a log-normal latency with this median and 99th percentile, e.g. p50=20ms,p99=200ms (instead of --latency/--jitter)',
    parse: parseLatencyDist },
  maxConcurrency: { flags: '--max-concurrency <n>', description: 'calls served at once; more wait in a queue (0: no limit)', defaultValue: 0,
    parse: parseIntegerOption('--max-concurrency', 0, 1_000_000) },
  errorRate: { flags: '--error-rate <share>', description: 'share of calls that fail (after their latency) with --fail-status', defaultValue: 0, parse: parseRate },
  failStatus: { flags: '--fail-status <status>', description: 'status of the failed calls', defaultValue: 503, parse: parseStatus('--fail-status') },
} satisfies Record<string, OptionSpec>;

export interface DrainFlags {
  topic: string; group: string; sink: string; size: number; pendingAcks: number; batchSize: number; distributor: Distributor; retryInterval: number;
  timeout: number; method: string; header?: Record<string, string>; nonRetriableStatus?: number[]; fromBeginning: boolean; untilCaughtUp?: boolean;
  duration?: number; mode: DrainMode; commitInterval: number; lagInterval: number; chart?: string; json: boolean;
}

export interface SinkFlags {
  port: number; host: string; latency: number; jitter?: number; latencyDist?: { p50Ms: number; p99Ms: number }; maxConcurrency: number;
  errorRate: number; failStatus: number;
}

/** The typed drain from parsed flags; rules across options are checked here, before any work. */
export function toDrainSpec(flags: DrainFlags, connection: { bootstrap: string[]; security: ClientSecurity }, typed: (key: keyof DrainFlags) => boolean): DrainSpec {
  if (flags.untilCaughtUp && flags.duration !== undefined) {
    throw new DataStormError('DS_BAD_OPTION', '--until-caught-up and --duration both say when to stop', { hint: 'give one of them' });
  }
  if (flags.mode === 'serial' && (typed('size') || typed('distributor') || typed('batchSize'))) {
    throw new DataStormError('DS_BAD_OPTION', '--mode serial makes one call of one record at a time per partition: --size, --distributor and --batch-size do not apply',
      { hint: 'drop them, or use --mode fanout' });
  }
  const serial = flags.mode === 'serial';
  return {
    ...connection, topic: flags.topic, group: flags.group, sinkUrl: flags.sink, mode: flags.mode,
    // Serial: the lanes are the partitions, known once the topic is read.
    lanes: serial ? 0 : flags.size, distributor: serial ? 'partition' : flags.distributor,
    pendingAcks: flags.pendingAcks, batchSize: serial ? 1 : flags.batchSize, retryIntervalMs: flags.retryInterval, timeoutMs: flags.timeout,
    method: flags.method, headers: flags.header ?? {}, nonRetriableStatuses: flags.nonRetriableStatus ?? [], fromBeginning: flags.fromBeginning,
    untilCaughtUp: flags.duration === undefined, durationMs: flags.duration, commitIntervalMs: flags.commitInterval, lagIntervalMs: flags.lagInterval,
  };
}

export function toSinkSpec(flags: SinkFlags, typed: (key: keyof SinkFlags) => boolean): SinkSpec {
  if (flags.latencyDist && (typed('latency') || typed('jitter'))) {
    throw new DataStormError('DS_BAD_OPTION', '--latency-dist and --latency/--jitter both set the latency', { hint: 'give --latency-dist alone, or --latency with --jitter' });
  }
  const latency: LatencyModel = flags.latencyDist
    ? { kind: 'log-normal', ...flags.latencyDist }
    : { kind: 'fixed', latencyMs: flags.latency, jitterMs: flags.jitter ?? 0 };
  if (latency.kind === 'fixed' && latency.jitterMs > latency.latencyMs) {
    throw new DataStormError('DS_BAD_OPTION', `--jitter ${latency.jitterMs}ms is larger than --latency ${latency.latencyMs}ms`, { hint: 'the latency would go below 0' });
  }
  return { host: flags.host, port: flags.port, latency, maxConcurrency: flags.maxConcurrency, errorRate: flags.errorRate, failStatus: flags.failStatus };
}
