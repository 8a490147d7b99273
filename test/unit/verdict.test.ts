import { describe, expect, it } from 'vitest';
import { failedRecords, verdictOf } from '../../src/produce/result.js';
import { produceResult } from './bench-fixtures.js';

/** One verdict on a run, used by produce, bench and the analysis commands alike. */
describe('verdictOf', () => {
  it('passes a run whose acknowledged records the broker holds, with none failed', () => {
    expect(verdictOf(produceResult({ records: 100, latenciesUs: [1000] }))).toBeUndefined();
  });

  it('fails a run whose offsets do not match, unless its topic is shared (then the merge reconciles)', () => {
    const result = produceResult({ records: 100, latenciesUs: [1000], othersRecords: 3 });
    const verdict = verdictOf(result, 'v4');
    expect([verdict?.code, verdict?.message]).toEqual(['DS_ACCOUNTING_MISMATCH', 'v4: 100 records acknowledged but bench-t\'s offsets grew by 103']);
    expect(verdictOf({ ...result, config: { ...result.config, sharedTopic: true } })).toBeUndefined();
  });

  it('fails a run with failed records, counted over every error type', () => {
    const result = produceResult({ records: 100, latenciesUs: [1000], errors: { REQUEST_TIMED_OUT: 2, BufferExhaustedTimeout: 3 } });
    expect(failedRecords(result.totals.errors)).toBe(5);
    expect(verdictOf(result)?.message).toBe('5 records failed to send (see the errors line)');
  });
});
