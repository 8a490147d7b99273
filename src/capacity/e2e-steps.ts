import { randomInt } from 'node:crypto';
import type { Admin, Producer } from 'kafkajs';
import type { RunCluster } from '../cluster/bootstrap.js';
import { resultOrThrow } from '../consume/consumer-group.js';
import { latencyResolutionMs, type LatencyWindow } from '../consume/e2e-latency.js';
import { endToEndPass, endToEndProducer, prepareEndToEndTopic, type EndToEndPassConfig, type PassLoad } from '../consume/end-to-end.js';
import { createKafka, describeBrokers } from '../kafka/kafka-client.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { createHistogram, decodeHistogram } from '../shared/histograms.js';
import type { StepMeasure, StepRequest } from './capacity-step.js';
import type { Slo } from './slo.js';
import { STEP_WINDOW_MS } from './capacity-step.js';
import { rampPoints, StepWindows, type WindowSample } from './step-windows.js';

/**
 * Capacity's steps with `--target e2e`: each step is a pass of e2e's path (src/consume/end-to-end.ts), a paced
 * kafkajs producer and a group of consumers in this process's worker threads, so each record's latency is from its
 * creation to its read in µs (the creation-time header, one clock). Every step runs so, the probe and the ramp too:
 * the backlog is records due minus records consumed, so the ceiling is where the producer or the consumers fall behind.
 */

/** consume's --fetch-size default. */
const FETCH_BYTES = 1024 * 1024;
/**
 * How long a step waits, after its schedule, for the consumers to read the rest. Records still unread then are
 * missing from the step's accounting, which stops the search: a rate is not judged on part of its records.
 */
const DRAIN_TIMEOUT_MS = 60_000;
/** The probe (no limit) keeps at most this much of records produced and not yet read: the whole path's rate, with the consumers' lag bounded. */
const PROBE_AHEAD_BYTES = 1024 * 1024;

/** What every step of a search shares: the consumers, the topic, the connected producer and the admin. */
export interface EndToEndSteps {
  admin: Admin;
  producer: Producer;
  settings: Omit<EndToEndPassConfig, 'load' | 'durationMs' | 'group' | 'latencyWindowMs' | 'endOnMultipleOfMs'>;
  /** Steps so far: each step's group is a new one (`${groupPrefix}-${n}`), so no step waits for the last one's consumers to leave. */
  groups: string[];
  groupPrefix: string;
}

/** The value size of the search's records: e2e's producer sends values of --record-size bytes, not the produce run's payloads. */
export function endToEndRecordBytes(config: Pick<RunConfig, 'payload'>): number {
  if (config.payload.kind === 'avro' && config.payload.schemaFile === undefined && !config.payload.serializeOnSend) return config.payload.recordSizeBytes;
  throw new DataStormError('DS_BAD_OPTION', '--target e2e produces values of --record-size bytes: --schema, --payload-file, --payload-monotonic and --serialize-on-send do not apply');
}

/**
 * Prepares the search's e2e steps on the cluster: the topic (created, or checked: CreateTime stamps), and the producer,
 * connected once for every step.
 */
export async function openEndToEndSteps(config: RunConfig, cluster: RunCluster, admin: Admin, log: (line: string) => void): Promise<EndToEndSteps> {
  const recordSizeBytes = endToEndRecordBytes(config);
  const brokers = await describeBrokers(cluster.bootstrap, { security: config.security });
  const partitions = await prepareEndToEndTopic(admin, { ...config, recordSizeBytes }, brokers.length, log);
  const producer = endToEndProducer(createKafka(cluster.bootstrap, 'datastorm-capacity-e2e', {}, config.security));
  await producer.connect();
  return {
    admin, producer, groups: [], groupPrefix: `datastorm-capacity-${randomInt(1_000_000)}`,
    settings: {
      driver: config.driver, bootstrap: cluster.bootstrap, security: config.security, topic: config.topic, recordSizeBytes, compression: config.compression,
      workers: config.workers, fetchSizeBytes: FETCH_BYTES, partitions, drainTimeoutMs: DRAIN_TIMEOUT_MS, faults: [],
    },
  };
}

/** Disconnects the producer and deletes the steps' groups (their commits are of the search's records only). */
export async function closeEndToEndSteps(steps: EndToEndSteps): Promise<void> {
  await steps.producer.disconnect().catch(() => undefined);
  if (steps.groups.length > 0) await steps.admin.deleteGroups(steps.groups).catch(() => undefined);
}

/** The producer's schedule for a step: its rate, its ramp, or (the probe) as fast as the consumers read. */
function passLoad(request: StepRequest, recordSizeBytes: number): PassLoad {
  const { load } = request;
  if (load.kind === 'rate') return { kind: 'rate', rateRps: load.rateRps };
  if (load.kind === 'ramp') return { kind: 'profile', points: rampPoints(load, request.durationMs) };
  return { kind: 'consumers', aheadRecords: Math.max(1, Math.floor(PROBE_AHEAD_BYTES / recordSizeBytes)) };
}

/**
 * A step's windows from the consumers' windows of the shared clock (LatencyWindow: window n is [n·W, (n+1)·W) ms):
 * the schedule ran from `startMs` to `startMs + durationMs`, which is a window's edge (its first window may be short).
 * A window's records are those read in it. Records read after the end (the consumers reading the rest) are in no
 * window's count, so the backlog at the end is what was due and not yet read, but their latencies are in the last
 * window's: the slowest records are not left out. Records read before the start (none: the schedule had not begun)
 * would count in the first window.
 */
export function stepSamples(windows: ReadonlyArray<LatencyWindow>, startMs: number, durationMs: number, windowMs = STEP_WINDOW_MS): WindowSample[] {
  const first = Math.floor(startMs / windowMs);
  const count = Math.round((startMs + durationMs) / windowMs) - first;
  const samples = Array.from({ length: count }, (_, i): WindowSample => {
    const endMs = (first + i + 1) * windowMs;
    return { elapsedMs: endMs - startMs, durationMs: endMs - Math.max(startMs, endMs - windowMs), records: 0, latency: createHistogram() };
  });
  for (const { window, histogram } of windows) {
    const decoded = decodeHistogram(histogram);
    const i = Math.max(0, window - first);
    samples[Math.min(i, count - 1)].latency.add(decoded);
    if (i < count) samples[i].records += decoded.totalCount;
  }
  return samples;
}

/** Runs a step as a pass of the e2e path; a stop (signal) ends its schedule early, and what was produced is still read. */
export async function runEndToEndStep(slo: Slo, steps: EndToEndSteps, request: StepRequest, signal?: AbortSignal): Promise<StepMeasure> {
  const { settings } = steps;
  const group = `${steps.groupPrefix}-${steps.groups.length + 1}`;
  steps.groups.push(group);
  const pass = await endToEndPass(steps.admin, steps.producer, {
    ...settings, group, load: passLoad(request, settings.recordSizeBytes), durationMs: request.durationMs,
    latencyWindowMs: STEP_WINDOW_MS, endOnMultipleOfMs: STEP_WINDOW_MS,
  }, { log: () => undefined, ...(signal ? { signal } : {}) });
  const windows = new StepWindows(slo, request);
  for (const sample of stepSamples(pass.outcomes.flatMap((o) => o.latencyWindows ?? []), pass.scheduleStartMs, request.durationMs)) windows.add(sample);
  const { produced, growth } = pass;
  const consumed = pass.outcomes.reduce((sum, o) => sum + o.records, 0);
  const headerTimed = pass.outcomes.reduce((sum, o) => sum + (o.headerTimedRecords ?? 0), 0);
  const measure: StepMeasure = {
    ...windows.measure({
      acknowledgedRecords: produced.records, failedRecords: produced.failedRecords, accountingMatch: produced.records === growth.value && consumed === produced.records,
    }),
    endToEnd: { producedRecords: produced.records, consumedRecords: consumed, topicGrowth: growth.value, latencyResolutionMs: latencyResolutionMs(headerTimed, consumed) },
  };
  return resultOrThrow(measure, { what: `${settings.topic}'s end offsets`, because: growth.unreadBecause }, pass.failed);
}
