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

  it('fails a run that started before its start barrier (not a partial one stopped while it waited)', () => {
    const plannedEpochMs = Date.parse('2027-01-15T00:00:00Z');
    const early = { ...produceResult({ records: 100, latenciesUs: [1000] }), barrier: { plannedEpochMs, firstSendEpochMs: plannedEpochMs - 3_600_000, lateMs: 0 } };
    const verdict = verdictOf(early);
    expect([verdict?.code, verdict?.message]).toEqual(['DS_BARRIER_MISSED',
      'the run started 3600000.0 ms before its start barrier 2027-01-15T00:00:00.000Z: its figures are not of a start at the barrier']);
    expect(verdictOf({ ...early, partial: true })).toBeUndefined();
    expect(verdictOf({ ...early, barrier: { plannedEpochMs, firstSendEpochMs: plannedEpochMs - 1, lateMs: 0 } })).toBeUndefined();
  });
});
