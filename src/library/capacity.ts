import { runCapacity, type CapacityHooks, type CapacityResult } from '../capacity/run-capacity.js';
import { CAPACITY_OPTIONS, capacityRun, toCapacitySpec, type CapacityFlags } from '../run-spec/capacity-options.js';
import { flagsOfValues, type OptionValue } from '../run-spec/option-spec.js';
import { PRODUCE_OPTIONS, toProduceRun, type ProduceFlags } from '../run-spec/produce-options.js';
import type { ProduceOptions } from './produce.js';

/** `capacity`'s options: produce's (those that set a step's rate and length refused) and its own (`slo`, `precision`, `budget`, ...). */
export type CapacityOptions = ProduceOptions & { [Key in keyof typeof CAPACITY_OPTIONS]?: OptionValue };

/**
 * Searches the highest rate that meets an SLO as `datastorm capacity` does and resolves to the result its --json
 * prints. `hooks.signal` stops the search: the result holds what was found so far (partial).
 */
export async function capacity(options: CapacityOptions, hooks: CapacityHooks = {}): Promise<CapacityResult> {
  const { flags, typed } = flagsOfValues('capacity', { ...PRODUCE_OPTIONS, ...CAPACITY_OPTIONS }, options);
  const produceRun = toProduceRun(flags as unknown as ProduceFlags, typed as (key: keyof ProduceFlags) => boolean);
  const spec = toCapacitySpec(flags as unknown as CapacityFlags, typed as (key: string) => boolean, produceRun.config);
  const run = capacityRun(produceRun, typed as (key: string) => boolean);
  return runCapacity(run, spec, hooks);
}
