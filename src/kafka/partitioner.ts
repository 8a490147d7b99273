import { createRequire } from 'node:module';

// kafkajs's copy of Java's murmur2 (a pure function: loading it needs none of kafkajs's send-path fixes).
const murmur2 = createRequire(import.meta.url)('kafkajs/src/producer/partitioners/default/murmur2.js') as (key: Buffer) => number;

/** The partition Kafka's Java default partitioner gives a keyed record, so keyed records land where Java's would. */
export function partitionOfKey(key: Buffer, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
