import { describe, expect, it } from 'vitest';
import { flagsOfValues } from '../../src/run-spec/option-spec.js';
import { PRODUCE_OPTIONS, toProduceRun, type ProduceFlags } from '../../src/run-spec/produce-options.js';
import { workloadFromObject } from '../../src/bench/workload.js';
import { produceAssignments } from '../../src/engine/produce-assignments.js';
import { recordHeadersOf } from '../../src/produce/run-config.js';
import { IDENTITY_HEADER } from '../../src/kafka/record-identity.js';
import type { BatchBufferPlan } from '../../src/produce/batch-buffers.js';
import type { SharedValues } from '../../src/produce/shared-values.js';
import { errorOf } from '../helpers.js';

/** A run from option values, as the library's produce() takes them. */
function runOf(values: Record<string, unknown>) {
  const { flags, typed } = flagsOfValues('produce', PRODUCE_OPTIONS, values as never);
  return toProduceRun(flags as unknown as ProduceFlags, typed as (key: keyof ProduceFlags) => boolean).config;
}

describe('--verify as an option', () => {
  it('is produce\'s (the library\'s verify: true) and a workload\'s (verify: true); off unless asked', () => {
    expect(runOf({ verify: true }).verify).toBe(true);
    expect(runOf({}).verify).toBeUndefined();
    expect(workloadFromObject({ workers: 2, 'num-records': 1000, verify: true }, 'v.yaml').config.verify).toBe(true);
  });

  it('adds the identity header after the run\'s own, and gives every worker its part', () => {
    const config = runOf({ verify: true, header: ['trace=abc'], workers: 2 });
    expect(recordHeadersOf(config).map((h) => h.key)).toEqual(['trace', IDENTITY_HEADER]);
    const assignmentOf = produceAssignments(config, {
      topicPartitions: 3, buffers: {} as BatchBufferPlan, bootstrap: ['127.0.0.1:9092'], values: {} as SharedValues,
    });
    expect([assignmentOf(0).verify, assignmentOf(1).verify]).toEqual([true, true]);
    expect(assignmentOf(1).producer.headers.map((h) => h.key)).toEqual(['trace', IDENTITY_HEADER]);
    expect(produceAssignments(runOf({}), { topicPartitions: 3, buffers: {} as BatchBufferPlan, bootstrap: [], values: {} as SharedValues })(0).verify).toBe(false);
  });

  it('is refused, in one line, where identities cannot be told apart or written', () => {
    const refusal = (values: Record<string, unknown>) => {
      const error = errorOf(() => runOf({ verify: true, ...values }));
      return [error.code, error.message];
    };
    expect(refusal({ batchEncoding: 'pre-encoded-reused' })).toEqual(['DS_BAD_OPTION',
      '--verify gives every record an identity of its own; --batch-encoding pre-encoded-reused sends the same bytes again']);
    expect(refusal({ sharedTopic: true })).toEqual(['DS_BAD_OPTION',
      '--verify reads back a topic of the run\'s own: with --shared-topic other processes\' records carry the same identities']);
    expect(refusal({ driver: 'platformatic' })).toEqual(['DS_UNSUPPORTED_BY_DRIVER',
      '--verify writes each record\'s identity into the batches it encodes; --driver platformatic encodes its own']);
  });
});
