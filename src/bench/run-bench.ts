import { runProduce } from '../engine/run-produce.js';
import { DataStormError } from '../errors.js';
import { runJavaProducerPerf } from '../java-perf.js';
import { formatSummaryLine } from '../report.js';
import type { ProduceResult } from '../result.js';
import type { BenchResult, ReferenceInfo } from './bench-result.js';
import { formatMetricsLine } from './bench-report.js';
import { metricsOfJavaSummary, metricsOfProduceResult } from './metrics.js';
import { shardConfig, type Shard } from './shard.js';
import type { Workload } from './workload.js';

export interface BenchOptions {
  bootstrap: string[];
  /** Runs of the workload, one after the other; gates take each metric's median. */
  repeat: number;
  shard?: Shard;
  /** After each DataStorm run, Kafka's ProducerPerformance with the same settings (src/java-perf.ts). */
  vsJava: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** The run whose records/s is the median (the lower middle one of an even count). */
function medianRunIndex(results: ProduceResult[]): number {
  const order = results.map((r, i) => ({ rate: metricsOfProduceResult(r).records_per_sec, i })).sort((a, b) => a.rate - b.rate);
  return order[Math.floor((order.length - 1) / 2)].i;
}

/**
 * Runs a workload `repeat` times (each followed by its Java reference with --vs java, so both see the same
 * machine state) and returns the median run's result with every run's figures in its bench section.
 */
export async function runBench(workload: Workload, options: BenchOptions): Promise<BenchResult> {
  const log = options.log ?? (() => undefined);
  if (options.vsJava && options.shard) {
    throw new DataStormError('DS_BAD_OPTIONS', '--vs java and --shard exclude each other', {
      hint: 'compare with Java on one machine; shard to load a cluster from several',
    });
  }
  const config = { ...(options.shard ? shardConfig(workload.config, options.shard) : workload.config), bootstrap: options.bootstrap };
  const results: ProduceResult[] = [];
  let reference: ReferenceInfo | undefined;
  for (let run = 1; run <= options.repeat && !options.signal?.aborted; run++) {
    const label = options.repeat > 1 ? `run ${run}/${options.repeat}` : 'run';
    log(`${workload.name}: ${label}${options.shard ? `, shard ${options.shard.index}/${options.shard.count}` : ''}`);
    const result = await runProduce(config, { log, signal: options.signal });
    results.push(result);
    log(`datastorm: ${formatSummaryLine(result.steadyState?.totals ?? result.totals, result.steadyState?.latency ?? result.latency, Boolean(result.steadyState))}`);
    if (options.vsJava && !options.signal?.aborted) {
      const java = await runJavaProducerPerf(config, options.bootstrap, { log, signal: options.signal });
      log(`java: ${formatMetricsLine(metricsOfJavaSummary(java.summary))}${java.summary.steadyState ? ' (steady state)' : ''}`);
      reference ??= { tool: 'kafka-producer-perf-test', kafkaVersion: java.kafkaVersion, args: java.args, runs: [] };
      reference.runs.push({ metrics: metricsOfJavaSummary(java.summary), wallMs: java.wallMs, process: java.process });
    }
  }
  const median = results[medianRunIndex(results)];
  return {
    ...median,
    bench: {
      workload: { name: workload.name, ...(workload.file ? { file: workload.file } : {}) },
      ...(options.shard ? { shard: options.shard } : {}),
      runs: results.map(metricsOfProduceResult),
      ...(reference ? { reference } : {}),
    },
  };
}
