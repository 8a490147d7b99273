// What benchmarks/drivers.mjs (produce) and benchmarks/consume-drivers.mjs share: their common options and the
// cluster check, the CLI, and runs of a cell that alternate the drivers (the first one swaps every repeat, so both
// see the same machine minute), summed up by medians.
import { CLUSTER_OPTION, scriptOptions } from './script-options.mjs';

export const DRIVERS = ['kafkajs', 'platformatic'];
export const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;

/** The command line of a driver benchmark (the script at `scriptUrl`): the options every one takes, with its own. */
export function benchOptions(scriptUrl, about, own) {
  return scriptOptions(scriptUrl, {
    about: [...about, 'The runs of a cell alternate the drivers (the first one swaps every repeat); medians are shown. Needs `npm run build` first.'],
    options: {
      'bootstrap-server': CLUSTER_OPTION,
      records: { type: 'string', value: 'N', default: '1000000', help: 'records per run' },
      'record-size': { type: 'string', value: 'BYTES', default: '250', help: 'bytes per record value' },
      workers: { type: 'string', value: 'LIST', default: '1,2', help: 'worker counts, a cell each' },
      partitions: { type: 'string', value: 'N', default: '8', help: 'partitions of each topic' },
      repeat: { type: 'string', value: 'N', default: '3', help: 'runs of each driver per cell' },
      ...own,
    },
  }).values;
}

/** `repeat` runs of each driver, alternated; then each field's median per driver. */
export async function alternatedMedians(repeat, fields, runOnce) {
  const runs = Object.fromEntries(DRIVERS.map((driver) => [driver, []]));
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 === 0 ? DRIVERS : [...DRIVERS].reverse();
    for (const driver of order) runs[driver].push(await runOnce(driver));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const medians = Object.fromEntries(DRIVERS.map((driver) => [driver, Object.fromEntries(fields.map((f) => [f, median(runs[driver].map((r) => r[f]))]))]));
  return { runs, medians };
}
