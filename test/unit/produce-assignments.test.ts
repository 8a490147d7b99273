import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { produceAssignments, type PreparedShares } from '../../src/engine/produce-assignments.js';
import { workerModule } from '../../src/engine/worker-modules.js';
import { shareValues } from '../../src/produce/shared-values.js';
import { produceOptions, toProduceRun, type ProduceFlags } from '../../src/run-spec/produce-options.js';
import type { RunConfig } from '../../src/produce/run-config.js';
import { projectRoot } from '../../src/shared/paths.js';

function configOf(argv: string[]): RunConfig {
  const command = new Command('produce').exitOverride().configureOutput({ writeErr: () => undefined });
  for (const option of produceOptions()) command.addOption(option);
  command.parse(argv, { from: 'user' });
  return toProduceRun(command.opts<ProduceFlags>(), (key) => command.getOptionValueSource(key) === 'cli').config;
}

const prepared = (topicPartitions: number): PreparedShares => ({
  topicPartitions, buffers: { batchLimitBytes: 65_024, bufferBytes: 65_536, buffersPerWorker: 2 }, bootstrap: ['127.0.0.1:9092'],
  values: shareValues([Buffer.from('v')]),
});

const assignmentsOf = (config: RunConfig, topicPartitions: number) => {
  const of = produceAssignments(config, prepared(topicPartitions));
  return Array.from({ length: config.workers }, (_, workerId) => of(workerId));
};

describe('produceAssignments: each worker\'s share, computed once by the engine', () => {
  it('splits records, warm-up and rate exactly, numbers the records across workers, and gives each its own partitions', () => {
    const config = configOf(['--topic', 't', '--num-records', '10', '--warmup-records', '5', '--throughput', '100', '--workers', '3']);
    const assignments = assignmentsOf(config, 6);
    expect(assignments.map((a) => a.records)).toEqual([4, 3, 3]);
    expect(assignments.map((a) => a.firstSteadyIndex)).toEqual([2, 2, 1]);
    expect(assignments.map((a) => a.rate)).toEqual([34, 33, 33]);
    expect(assignments.map((a) => a.sequence)).toEqual([{ first: 0, stride: 3 }, { first: 1, stride: 3 }, { first: 2, stride: 3 }]);
    expect(assignments.map((a) => a.ownPartitions)).toEqual([[0, 3], [1, 4], [2, 5]]);
    // Fewer partitions than workers: every worker sends to all of the topic's (its prepared count, not --partitions').
    expect(assignmentsOf(config, 2).map((a) => a.ownPartitions)).toEqual([[0, 1], [0, 1], [0, 1]]);
    expect(assignmentsOf(config, 2).map((a) => a.topicPartitions)).toEqual([2, 2, 2]);
  });

  it('divides a rate profile\'s points among the workers', () => {
    const config = configOf(['--topic', 't', '--duration', '20s', '--throughput-profile', '0s:300,10s:600', '--workers', '3']);
    for (const a of assignmentsOf(config, 3)) {
      expect(a.rate).toEqual([{ atMs: 0, recordsPerSec: 100 }, { atMs: 10_000, recordsPerSec: 200 }]);
      expect([a.records, a.durationMs]).toEqual([undefined, 20_000]);
    }
  });

  it('gives each worker\'s producer a transactional id of its own, and the run\'s one buffer plan', () => {
    const config = configOf(['--topic', 't', '--num-records', '10', '--workers', '2', '--transactional-id', 'tx', '--transaction-duration-ms', '500', '--abort-rate', '0.25']);
    const shares = prepared(2);
    const of = produceAssignments(config, shares);
    expect([of(0).producer.transaction, of(1).producer.transaction]).toEqual([{ id: 'tx-0', durationMs: 500 }, { id: 'tx-1', durationMs: 500 }]);
    expect(of(1).abortRate).toBe(0.25);
    expect(of(1).buffers).toBe(shares.buffers);
  });

  it('carries no RunConfig, and no field named like one of its fields with another meaning', () => {
    const config = configOf(['--topic', 't', '--num-records', '1000', '--warmup-records', '100', '--throughput', '500', '--workers', '4', '--partitions', '8']);
    const assignment = produceAssignments(config, prepared(8))(1);
    for (const [field, value] of Object.entries(assignment)) {
      if (field in config) expect([field, value]).toEqual([field, config[field as keyof RunConfig]]);
    }
    expect(Object.values(assignment)).not.toContainEqual(config);
  });
});

describe('workerModule', () => {
  it('names each pool\'s built worker module by its absolute path', () => {
    for (const worker of ['produce', 'http-produce', 'consume'] as const) {
      expect(workerModule(worker)).toBe(join(projectRoot(), 'dist', 'workers', `${worker}-worker.js`));
      expect(existsSync(workerModule(worker))).toBe(true);
    }
  });
});
