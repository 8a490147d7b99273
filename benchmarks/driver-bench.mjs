// What benchmarks/drivers.mjs (produce) and benchmarks/consume-drivers.mjs share: their common options and the
// cluster check, the CLI, and runs of a cell that alternate the drivers (the first one swaps every repeat, so both
// see the same machine minute), summed up by medians.
import { parseArgs } from 'node:util';

export const DRIVERS = ['kafkajs', 'platformatic'];
export const cli = new URL('../bin/datastorm.js', import.meta.url).pathname;

/** The options every driver benchmark takes, with its own; exits with a usage line when the cluster is not named. */
export function benchOptions(own) {
  const { values } = parseArgs({
    options: {
      'bootstrap-server': { type: 'string' },
      records: { type: 'string', default: '1000000' },
      'record-size': { type: 'string', default: '250' },
      workers: { type: 'string', default: '1,2' },
      partitions: { type: 'string', default: '8' },
      repeat: { type: 'string', default: '3' },
      ...own,
    },
  });
  if (!values['bootstrap-server']) {
    console.error('give the cluster: --bootstrap-server host:port,... (start one with `datastorm cluster up`)');
    process.exit(2);
  }
  return values;
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
