import { onCluster } from '../cluster/bootstrap.js';
import { prepareRegisteredRun, runProduce, type RunHooks } from '../engine/run-produce.js';
import type { ProduceResult } from '../produce/result.js';
import type { ProduceRun } from '../produce/run-config.js';
import { flagsOfValues, type OptionValue } from '../run-spec/option-spec.js';
import { PRODUCE_OPTIONS, toProduceRun, type ProduceFlags, type ProduceOptionKey } from '../run-spec/produce-options.js';

/**
 * `produce`'s options by their camelCase names (`bootstrapServer`, `topic`, `numRecords`, `recordSize`, `workers`,
 * `batch`, `compression`, ...), valued as on the command line ('16MB', 'lz4', 'acks=1') or as numbers and switches.
 */
export type ProduceOptions = { [Key in ProduceOptionKey]?: OptionValue };

/**
 * Runs a produce load as `datastorm produce` does and resolves to the result its --json prints (versioned:
 * schemaVersion). Options are checked before any work, with the command's errors; without bootstrapServer the
 * local cluster is used, started for the run if none is running. `hooks.signal` stops the run early (the result is
 * then partial); a run that failed after it measured rejects with a RunFailedError carrying its result.
 */
export async function produce(options: ProduceOptions = {}, hooks: RunHooks = {}): Promise<ProduceResult> {
  const { flags, typed } = flagsOfValues('produce', PRODUCE_OPTIONS, options);
  return produceRun(toProduceRun(flags as unknown as ProduceFlags, typed as (key: keyof ProduceFlags) => boolean), hooks);
}

/** A run already checked (the CLI's way in): on the cluster it names, else the local one. */
export async function produceRun({ config, bootstrap }: ProduceRun, hooks: RunHooks = {}): Promise<ProduceResult> {
  // A bad schema, payload file or buffer size, or a schema the registry refuses, is refused before a cluster is started for the run.
  const prepared = await prepareRegisteredRun(config);
  return onCluster(bootstrap, { startIfNone: true, log: hooks.log ?? (() => undefined) }, (cluster) => runProduce(config, cluster, hooks, prepared));
}
