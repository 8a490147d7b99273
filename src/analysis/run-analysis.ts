import { onCluster, parseBootstrap, type RunCluster } from '../cluster/bootstrap.js';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunConfig } from '../produce/run-config.js';
import { describeBrokers } from '../kafka/kafka-client.js';
import { machineInfo } from '../report/machine.js';
import type { MachineInfo } from '../produce/result.js';
import { payloadInfo, type PayloadInfo } from './payload-info.js';
import { createPointTopic, deletePointTopic } from './point-topic.js';
import { cpuPercentOfMachine, localBrokerPids, processesCpuMs } from './process-usage.js';
import { produceArgv, runConfigOf, type ProduceArgs } from './produce-args.js';
import { formatCommand } from './report-document.js';
import { checkNotInterrupted, runPoint, type MeasuredPoint, type PointPlan } from './run-point.js';

/** Everything an analysis measured and the setting it measured it in: what reports and --json are made of. */
export interface AnalysisRun {
  kind: 'compare' | 'sweep' | 'evolution';
  /** The analysis command line as typed. */
  command: string;
  startedAt: string;
  machine: MachineInfo;
  cluster: { bootstrap: string[]; brokers: number; local: boolean };
  /** 1-minute load average before the first point and after the last: how busy the machine was otherwise. */
  loadAverage: { start: number; end: number };
  /** The local brokers' CPU over a window before the first point, as a share of all cores: the load others put on them. */
  brokerBaseline?: { windowMs: number; cpuPercent: number };
  payload: PayloadInfo;
  points: MeasuredPoint[];
}

/** One point to measure: produce options for each of its processes (one, or the shards of a workload). */
export interface PointSpec {
  label: string;
  processes: ProduceArgs[];
  /** The point's run config (all processes together), checked before anything runs. */
  config: RunConfig;
}

export interface AnalysisOptions {
  kind: AnalysisRun['kind'];
  command: string;
  /** Typed --bootstrap-server; default: the local `datastorm cluster up` cluster. */
  bootstrapServer?: string;
  /** Prefix of the points' fresh topic names. */
  topicPrefix: string;
  keepTopics: boolean;
  log: (line: string) => void;
  /** Aborting (Ctrl-C) stops the running point; the analysis then ends with DS_INTERRUPTED, without a report. */
  signal?: AbortSignal;
}


/** A topic name of the point's own: `datastorm-compare-gzip-m3x9k2`. */
export function pointTopic(prefix: string, kind: string, label: string, runId: string): string {
  return `${prefix}-${kind}-${label.replace(/[^A-Za-z0-9._-]+/g, '-')}-${runId}`;
}

const oneMinuteLoad = () => Math.round(loadavg()[0] * 100) / 100;

/** The options of one process of a point: its own, then the point's topic and the cluster. */
export function pointProcessArgs(args: ProduceArgs, topic: string, bootstrap: string[]): ProduceArgs {
  return { ...args, topic: [topic], bootstrapServer: [bootstrap.join(',')] };
}

/** How long the brokers' CPU is watched before the first point. */
const BASELINE_MS = 2000;

async function brokerCpuPercentOver(pids: number[], windowMs: number, cores: number): Promise<AnalysisRun['brokerBaseline']> {
  const before = processesCpuMs(pids);
  const started = performance.now();
  await sleep(windowMs);
  const after = processesCpuMs(pids);
  const measuredMs = performance.now() - started;
  if (before === undefined || after === undefined) return undefined;
  return { windowMs: Math.round(measuredMs), cpuPercent: cpuPercentOfMachine(after - before, measuredMs, cores) };
}

/** Runs the points one after the other, each in processes of its own on a fresh topic. */
export function runAnalysis(specs: PointSpec[], options: AnalysisOptions): Promise<AnalysisRun> {
  const bootstrap = options.bootstrapServer === undefined ? undefined : parseBootstrap(options.bootstrapServer);
  return onCluster(bootstrap, { startIfNone: false, log: options.log }, (cluster) => measurePoints(specs, cluster, options));
}

async function measurePoints(specs: PointSpec[], cluster: RunCluster, options: AnalysisOptions): Promise<AnalysisRun> {
  const { bootstrap } = cluster;
  // Every point connects as the first does: security comes from --producer.config / --producer-props, which are not swept.
  const security = specs[0].config.security;
  const brokers = await describeBrokers(bootstrap, { security });
  const brokerPids = localBrokerPids(bootstrap);
  const runId = Date.now().toString(36);
  const startedAt = new Date().toISOString();
  const loadAtStart = oneMinuteLoad();
  const machine = machineInfo();
  const brokerBaseline = brokerPids && await brokerCpuPercentOver(brokerPids, BASELINE_MS, machine.cpuCount);
  const points: MeasuredPoint[] = [];
  for (const [index, spec] of specs.entries()) {
    checkNotInterrupted(options.signal);
    const topic = pointTopic(options.topicPrefix, options.kind, spec.label, runId);
    const plan: PointPlan = {
      label: spec.label,
      cluster,
      processes: spec.processes.map((args) => {
        const processArgs = pointProcessArgs(args, topic, bootstrap);
        return { config: runConfigOf(processArgs), command: produceArgv(processArgs) };
      }),
    };
    const processes = plan.processes.length > 1 ? ` (${plan.processes.length} processes)` : '';
    options.log(`point ${index + 1}/${specs.length}: ${spec.label}${processes}`);
    for (const { command } of plan.processes) options.log(`  ${formatCommand(command)}`);
    await createPointTopic(bootstrap, brokers.length, topic, spec.config);
    let point: MeasuredPoint;
    try {
      point = await runPoint(plan, { brokerPids, log: options.log, signal: options.signal });
    } finally {
      if (!options.keepTopics) await deletePointTopic(bootstrap, security, topic);
    }
    const { totals, latency } = point.result;
    options.log(`  ${spec.label}: ${totals.records} records, ${totals.recordsPerSec.toFixed(0)} records/s, ` +
      `p99 ${(latency.p99Us / 1000).toFixed(2)} ms, accounting OK`);
    points.push(point);
  }
  checkNotInterrupted(options.signal);
  return {
    kind: options.kind,
    command: options.command,
    startedAt,
    machine,
    cluster: { bootstrap, brokers: brokers.length, local: brokerPids !== undefined },
    loadAverage: { start: loadAtStart, end: oneMinuteLoad() },
    ...(brokerBaseline === undefined ? {} : { brokerBaseline }),
    payload: payloadInfo(specs.map((spec) => spec.config.payload)),
    points,
  };
}
