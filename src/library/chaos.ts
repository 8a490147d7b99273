import { runChaos, type ChaosHooks, type ChaosResult } from '../chaos/run-chaos.js';
import { CHAOS_OPTIONS, toChaosRun, type ChaosFlags } from '../run-spec/chaos-options.js';
import { flagsOfValues, type OptionValue } from '../run-spec/option-spec.js';
import { PRODUCE_OPTIONS, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import type { ProduceOptions } from './produce.js';

/** `chaos`'s options: produce's (those a cell sets itself refused) and its own (`scenarios`, `modes`, `faultAt`, ...). */
export type ChaosOptions = ProduceOptions & { [Key in keyof typeof CHAOS_OPTIONS]?: OptionValue };

/**
 * Runs the chaos matrix on the local cluster as `datastorm chaos` does and resolves to the result its --json prints.
 * `hooks.signal` stops it: the cell running ends early, the cluster is restored, the result holds the cells run.
 */
export async function chaos(options: ChaosOptions = {}, hooks: ChaosHooks = {}): Promise<ChaosResult> {
  const { flags, typed } = flagsOfValues('chaos', { ...PRODUCE_OPTIONS, ...CHAOS_OPTIONS }, options);
  const produceRun = toProduceRun(flags as unknown as ProduceFlags, typed as (key: keyof ProduceFlags) => boolean);
  const { run, spec } = toChaosRun(flags as unknown as ChaosFlags, produceRun, typed);
  return runChaos(run, spec, hooks);
}
