import { describe, expect, it } from 'vitest';
import { parseGnuTime, referenceRecordCount, untypedProducerProps } from '../../src/bench/reference-tool.js';
import { BASE_CONFIG } from './bench-fixtures.js';

const tool = { name: 'some-perf-tool', vs: 'Some' };

describe('referenceRecordCount', () => {
  it('takes the run\'s count, or its rate times its duration, and refuses an unthrottled timed run', () => {
    expect(referenceRecordCount({ ...BASE_CONFIG, numRecords: 500_000 }, tool)).toBe(500_000);
    const timed = { ...BASE_CONFIG, numRecords: undefined, durationMs: 30_000 };
    expect(referenceRecordCount({ ...timed, throughputRps: 2500 }, tool)).toBe(75_000);
    expect(() => referenceRecordCount(timed, tool)).toThrow('some-perf-tool needs a record count, and an unthrottled timed run has none');
  });
});

describe('untypedProducerProps', () => {
  it('leaves out what RunConfig holds as typed fields', () => {
    const producerProps = { 'batch.size': '16MB', 'linger.ms': '5', 'client.id': 'bench', 'buffer.memory': '64MB' };
    expect(untypedProducerProps({ ...BASE_CONFIG, producerProps })).toEqual([['client.id', 'bench']]);
  });
});

describe('parseGnuTime', () => {
  it('reads peak RSS and CPU time, also after the note GNU time adds on a failed command', () => {
    expect(parseGnuTime('412344 3.71 0.52\n')).toEqual({ peakRssBytes: 422_240_256, cpuUserMs: 3710, cpuSystemMs: 520 });
    expect(parseGnuTime('Command exited with non-zero status 3\n1460 0.00 0.01\n'))
      .toEqual({ peakRssBytes: 1_495_040, cpuUserMs: 0, cpuSystemMs: 10 });
  });
});
