import { describe, expect, it } from 'vitest';
import {
  decodePointMessage, decodePointRequest, failureOf, pointFailedError, type PointFailure,
} from '../../src/analysis/point-protocol.js';
import { RunFailedError } from '../../src/shared/errors.js';
import { verdictOf } from '../../src/produce/result.js';
import { DataStormError } from '../../src/shared/errors.js';
import { produceResult } from './bench-fixtures.js';

/** The messages between an analysis and its points' processes, and the one-line error of a failed point. */
const result = produceResult({ records: 100, latenciesUs: [1000] });
const interval = { records: 10, payloadBytes: 1000, durationMs: 500, recordsPerSec: 20, mbPerSec: 0.01, elapsedMs: 500, avgLatencyMs: 1, maxLatencyMs: 2 };

describe('point messages', () => {
  it('pass the messages of the protocol as they are', () => {
    for (const message of [
      { type: 'interval', interval },
      { type: 'result', result },
      { type: 'failed', failure: { code: 'DS_RECORDS_FAILED', message: '3 records failed to send', result } },
    ]) expect(decodePointMessage(message)).toBe(message);
    const run = { type: 'run', config: result.config, cluster: { bootstrap: ['h:1'], embedded: false } };
    expect(decodePointRequest(run)).toBe(run);
    expect(decodePointRequest({ type: 'stop' })).toEqual({ type: 'stop' });
  });

  it('refuse anything else in one line, naming the sender', () => {
    const error = (decode: () => unknown) => {
      try {
        decode();
      } catch (thrown) {
        return [(thrown as DataStormError).code, (thrown as Error).message];
      }
      return undefined;
    };
    expect(error(() => decodePointMessage({ type: 'result' })))
      .toEqual(['DS_UNEXPECTED', 'a point\'s process sent an unexpected message: {"type":"result"}']);
    expect(error(() => decodePointMessage({ type: 'failed', failure: { code: 1, message: 'x' } }))?.[0]).toBe('DS_UNEXPECTED');
    expect(error(() => decodePointMessage({ type: 'failed', failure: { code: 'DS_NOPE', message: 'x' } }))?.[0]).toBe('DS_UNEXPECTED');
    expect(error(() => decodePointMessage('done'))?.[1]).toBe('a point\'s process sent an unexpected message: "done"');
    expect(error(() => decodePointRequest({ type: 'run', config: {} }))?.[1]).toBe('the analysis sent an unexpected message: {"type":"run","config":{}}');
  });
});

describe('a failure as a process sends it', () => {
  it('keeps a DataStormError\'s code, message and hint', () => {
    expect(failureOf(new DataStormError('DS_UNREACHABLE', 'cannot reach Kafka at h:1', { hint: 'is it up?' })))
      .toEqual({ code: 'DS_UNREACHABLE', message: 'cannot reach Kafka at h:1', hint: 'is it up?' });
  });

  it('carries the partial result of a run that failed, or of one the verdict failed', () => {
    expect(failureOf(new RunFailedError('DS_WORKER_FAILED', 'worker 1 died', result))).toEqual({ code: 'DS_WORKER_FAILED', message: 'worker 1 died', result });
    const failed = produceResult({ records: 100, latenciesUs: [1000], errors: { BufferExhaustedTimeout: 3 } });
    expect(failureOf(verdictOf(failed), failed)).toEqual({ code: 'DS_RECORDS_FAILED', message: '3 records failed to send (see the errors line)', result: failed });
  });

  it('says an unexpected error by its first line, never its stack', () => {
    expect(failureOf(new TypeError('x is not a function\n    at y (z.js:1:1)'))).toEqual({ code: 'DS_UNEXPECTED', message: 'x is not a function' });
  });
});

describe('the error of a failed point', () => {
  const command = ['--num-records', '100', '--producer-props', 'ssl.key.password=secret', '--topic', 't'];
  const shown = 'datastorm produce --num-records 100 --producer-props \'ssl.key.password=***\' --topic t';

  it('puts the failed records line before the process\'s error, in one line, and how to run the process alone', () => {
    const failed = produceResult({ records: 100, latenciesUs: [1000], errors: { REQUEST_TIMED_OUT: 2, BufferExhaustedTimeout: 3 } });
    const error = pointFailedError('gzip', failureOf(verdictOf(failed), failed), command);
    expect([error.code, error.message, error.hint]).toEqual([
      'DS_POINT_FAILED',
      'point gzip failed: errors: 5 records failed (BufferExhaustedTimeout: 3, REQUEST_TIMED_OUT: 2); DS_RECORDS_FAILED: 5 records failed to send (see the errors line)',
      `run it alone to see its whole report: ${shown}`,
    ]);
  });

  it('names an accounting mismatch, unless other processes share the topic', () => {
    const mismatch = produceResult({ records: 100, latenciesUs: [1000], othersRecords: 4 });
    const failure: PointFailure = { code: 'DS_WORKER_FAILED', message: 'worker 0 died', hint: 'see the broker', result: mismatch };
    const error = pointFailedError('v1', failure, command);
    expect(error.message).toBe('point v1 failed: accounting: MISMATCH: 100 records acknowledged but bench-t\'s offsets grew by 104; DS_WORKER_FAILED: worker 0 died');
    expect(error.hint).toBe(`see the broker; run it alone to see its whole report: ${shown}`);
    const shared = { ...failure, result: { ...mismatch, config: { ...mismatch.config, sharedTopic: true } } };
    expect(pointFailedError('v4 (process 1 of 2)', shared, command).message).toBe('point v4 (process 1 of 2) failed: DS_WORKER_FAILED: worker 0 died');
  });

  it('can be retried as the point\'s own failure can: failed records may pass, a mismatch will not', () => {
    const retriable = (code: PointFailure['code']) => pointFailedError('p', { code, message: 'm' }, command).retriable;
    expect([retriable('DS_RECORDS_FAILED'), retriable('DS_ACCOUNTING_MISMATCH'), retriable('DS_UNEXPECTED')]).toEqual([true, false, false]);
  });

  it('is the process\'s error alone when it failed before measuring anything', () => {
    const error = pointFailedError('none', { code: 'DS_UNEXPECTED', message: 'the process exited (code 1) without a result' }, command);
    expect(error.message).toBe('point none failed: DS_UNEXPECTED: the process exited (code 1) without a result');
  });
});
