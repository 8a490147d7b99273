/**
 * DataStorm as a library: `import { produce, consume, capacity, chaos, printProduceReport } from 'datastorm'`. Each function takes a
 * command's options by their camelCase names and resolves to the result that command's --json prints; the CLI is a
 * thin shell over these.
 */
export { produce, type ProduceOptions } from './produce.js';
export { consume, shareConsume, type ConsumeOptions } from './consume.js';
export { capacity, type CapacityOptions } from './capacity.js';
export type { CapacityHooks, CapacityResult } from '../capacity/run-capacity.js';
export { chaos, type ChaosOptions } from './chaos.js';
export type { ChaosCell, ChaosHooks, ChaosResult } from '../chaos/run-chaos.js';
export { printConsumeReport, printProduceReport, printShareConsumeReport, type OutputStream, type ReportStreams } from './print.js';
export type { RunHooks } from '../engine/run-produce.js';
export type { ConsumeListener, ConsumeResult } from '../consume/consume.js';
export type { ShareConsumeListener, ShareConsumeResult } from '../consume/share-consume.js';
export { verdictOf, type ProduceResult } from '../produce/result.js';
export { DataStormError, RunFailedError } from '../shared/errors.js';
export type { OptionValue } from '../run-spec/option-spec.js';
