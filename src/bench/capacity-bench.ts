import type { CapacitySpec } from '../capacity/capacity-spec.js';
import { formatSlo } from '../capacity/slo.js';
import { capacityOnCluster, type CapacityHooks, type CapacityResult } from '../capacity/run-capacity.js';
import { DataStormError } from '../shared/errors.js';
import type { CapacityBenchResult } from './bench-result.js';
import { medianIndex, metricsOfCapacityResult } from './metrics.js';
import { benchHeader, type BenchOptions } from './run-bench.js';
import { checkShardable } from './shard.js';
import type { Workload } from './workload.js';

/**
 * A capacity workload (`capacity:`) benchmarked: its search, `repeat` times, with the workload's produce settings on
 * the job's cluster; the result of the search with the median sustainable rate, every search's figures in its
 * bench section (gates take their medians). A reference (--vs) and a start barrier are a fixed run's, not a search's.
 */
export async function runCapacityBench(
  workload: Workload, spec: CapacitySpec, options: BenchOptions & Pick<CapacityHooks, 'onStepStart'>,
): Promise<CapacityBenchResult> {
  const log = options.log ?? (() => undefined);
  if (options.shard) checkShardable(workload, '--shard');
  if (options.reference) {
    throw new DataStormError('DS_BAD_OPTION', `--vs runs a reference after a fixed run, and ${workload.name} is a capacity search`, {
      hint: '`datastorm capacity --vs java` runs Kafka\'s ProducerPerformance at the knee it finds',
    });
  }
  if (options.startAtEpochMs !== undefined) {
    throw new DataStormError('DS_BAD_OPTION', `--start-at starts one run at an instant, and ${workload.name} is a capacity search of many`, { hint: 'leave out --start-at' });
  }
  const header = benchHeader(workload);
  const searches: CapacityResult[] = [];
  for (let run = 1; run <= options.repeat && !options.signal?.aborted; run++) {
    log(`${workload.name}: capacity search${options.repeat > 1 ? ` ${run}/${options.repeat}` : ''} at ${formatSlo(spec.slo)}`);
    searches.push(await capacityOnCluster(workload.config, spec, options.cluster, { log, signal: options.signal, onStepStart: options.onStepStart }));
  }
  const runs = searches.map(metricsOfCapacityResult);
  return {
    ...searches[medianIndex(runs.map((run) => run.sustainable_rps))],
    bench: { ...header, runs },
  };
}
