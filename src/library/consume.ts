import { runConsume, type ConsumeListener, type ConsumeResult } from '../consume/consume.js';
import { runShareConsume, type ShareConsumeListener, type ShareConsumeResult } from '../consume/share-consume.js';
import {
  CONSUME_KEYS, CONSUME_OPTIONS, CONSUME_OUTPUT_KEYS, defaultConsumeGroup, toConsumeConfig, toShareConsumeConfig, type ConsumeFlags,
} from '../run-spec/consume-options.js';
import { flagsOfValues, type OptionSpec, type OptionValue } from '../run-spec/option-spec.js';

type ConsumeRunKey = Exclude<(typeof CONSUME_KEYS)[number], (typeof CONSUME_OUTPUT_KEYS)[number]>;

/** `consume`'s options by their camelCase names (`topic`, `numRecords`, `group`, `workers`, `bootstrapServer`, ...), as on the command line. */
export type ConsumeOptions = { [Key in ConsumeRunKey]?: OptionValue };

/** The options' values as the command line would give them, each checked by its own parser. */
function consumeFlags(options: ConsumeOptions): ConsumeFlags {
  const output = new Set<string>(CONSUME_OUTPUT_KEYS);
  const table: Record<string, OptionSpec> = Object.fromEntries(CONSUME_KEYS.filter((key) => !output.has(key)).map((key) => [key, CONSUME_OPTIONS[key]]));
  table.group = { ...table.group, defaultValue: defaultConsumeGroup() };
  return flagsOfValues('consume', table, options).flags as unknown as ConsumeFlags;
}

/**
 * Consumes as `datastorm consume` does (W consumers of one group, exactly numRecords counted and committed) and
 * resolves to the result its --json prints. A group of its own unless `group` is given; `listener.signal` stops it
 * early (each consumer commits what it counted; the result is partial).
 */
export async function consume(options: ConsumeOptions, listener: ConsumeListener = {}): Promise<ConsumeResult> {
  return runConsume(toConsumeConfig(consumeFlags(options)), listener);
}

/**
 * Consumes as `datastorm consume --share-group` does (W share consumers, exactly numRecords settled, reconciled with the
 * broker) and resolves to the result its --json prints; `listener.signal` stops it early (what is held is released).
 */
export async function shareConsume(options: ConsumeOptions & { shareGroup: string }, listener: ShareConsumeListener = {}): Promise<ShareConsumeResult> {
  return runShareConsume(toShareConsumeConfig(consumeFlags(options), options.group !== undefined), listener);
}
