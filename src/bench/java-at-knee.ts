import type { CapacitySpec } from '../capacity/capacity-spec.js';
import { formatSeconds } from '../capacity/capacity-report.js';
import { formatRate } from '../capacity/step-format.js';
import { stepConfig } from '../capacity/produce-steps.js';
import type { CapacityHooks, Knee } from '../capacity/run-capacity.js';
import { requireJava } from '../cluster/kafka-runtime.js';
import type { RunConfig } from '../produce/run-config.js';
import { DataStormError } from '../shared/errors.js';
import { javaProducerPerfArgs, javaToolLine, runJavaProducerPerf } from './java-perf.js';

/**
 * The knee's run as Kafka's ProducerPerformance takes it: the search's settings at the knee's rate for its length,
 * the warm-up as records its steady-state line leaves out (ProducerPerformance has no warm-up by time).
 */
export function kneeConfig(config: RunConfig, knee: Knee): RunConfig {
  const request = { phase: 'confirm' as const, load: { kind: 'rate' as const, rateRps: knee.rateRps }, durationMs: knee.durationMs, warmupMs: knee.warmupMs };
  return { ...stepConfig(config, request), warmupRecords: Math.round((knee.rateRps * knee.warmupMs) / 1000) };
}

/**
 * `capacity --vs java`: Kafka's ProducerPerformance at the knee with the search's settings, run after the search
 * (beyond its budget) on its topic. What Java cannot run is refused now, before any work (DS_UNSUPPORTED_BY_TOOL):
 * settings its tool lacks, and an e2e search, whose latency runs to a consumer's read and Java's to the ack.
 */
export function javaAtKnee(config: RunConfig, spec: CapacitySpec): NonNullable<CapacityHooks['atKnee']> {
  if (spec.target !== 'produce') {
    throw new DataStormError('DS_UNSUPPORTED_BY_TOOL', `kafka-producer-perf-test measures latency to the ack, not to a consumer's read (--target ${spec.target})`, {
      hint: 'compare a --target produce search with Java',
    });
  }
  requireJava();
  // Its flags for a knee of the confirmation's length, made for their checks only: the knee's rate is the search's to find.
  javaProducerPerfArgs(kneeConfig(config, { rateRps: 1, durationMs: spec.confirmMs + spec.warmupMs, warmupMs: spec.warmupMs }), [], javaToolLine());
  return {
    tool: 'java',
    run: async (knee, { cluster, log, signal }) => {
      log(`vs java: kafka-producer-perf-test at the knee, ${formatRate(knee.rateRps)} for ${formatSeconds(knee.durationMs)} (the first ` +
        `${formatSeconds(knee.warmupMs)} left out), after the search`);
      const java = await runJavaProducerPerf(kneeConfig(config, knee), cluster.bootstrap, { log, signal });
      const steady = java.summary.steadyState ?? java.summary;
      return {
        tool: 'java', version: `kafka-producer-perf-test ${java.kafkaVersion}`, args: java.args, ...knee,
        records: steady.records, achievedRps: steady.recordsPerSec, latencyFrom: 'its send call to the ack, in whole ms',
        p50Ms: steady.p50Ms, p99Ms: steady.p99Ms, p999Ms: steady.p999Ms, avgMs: steady.avgLatencyMs, maxMs: steady.maxLatencyMs,
      };
    },
  };
}
