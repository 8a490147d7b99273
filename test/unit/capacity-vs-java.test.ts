import { describe, expect, it } from 'vitest';
import { formatKneeComparison, kneeTable } from '../../src/capacity/capacity-report.js';
import { parseSlo } from '../../src/capacity/slo.js';
import { runAtKnee, type KneeReference } from '../../src/capacity/run-capacity.js';
import type { CapacitySpec } from '../../src/capacity/capacity-spec.js';
import type { SearchOutcome } from '../../src/capacity/capacity-search.js';
import { javaAtKnee, kneeConfig } from '../../src/bench/java-at-knee.js';
import { javaProducerPerfArgs } from '../../src/bench/java-perf.js';
import { TOKEN_COMMAND } from '../../src/security/client-security.js';
import { DataStormError } from '../../src/shared/errors.js';
import { errorOf } from '../helpers.js';
import { BASE_CONFIG, capacityResult } from './bench-fixtures.js';

const spec: CapacitySpec = {
  slo: parseSlo('p99<=50ms'), precision: 0.05, budgetMs: 150_000, confirmMs: 15_000, stepMs: 8000, warmupMs: 3000, warmMs: 0, probeMs: 5000, rampMs: 10_000,
  target: 'produce', keepTopic: false, settleMs: 0,
};

const java: KneeReference = {
  tool: 'java', version: 'kafka-producer-perf-test 4.3.1', args: [], rateRps: 12_000, durationMs: 18_000, warmupMs: 3000, records: 180_000,
  achievedRps: 11_990.5, latencyFrom: 'its send call to the ack, in whole ms', p50Ms: 3, p99Ms: 21, p999Ms: 48, avgMs: 4.2, maxMs: 60,
};

describe('kneeConfig', () => {
  it('runs the search\'s settings at the knee\'s rate for its length, its warm-up as records ProducerPerformance leaves out', () => {
    const config = kneeConfig({ ...BASE_CONFIG, numRecords: 1_000_000, warmupRecords: 0 }, { rateRps: 12_000, durationMs: 18_000, warmupMs: 3000 });
    expect(config).toMatchObject({ numRecords: undefined, durationMs: 18_000, throughputRps: 12_000, warmupRecords: 36_000, throughputProfile: undefined });
    const args = javaProducerPerfArgs(config, ['127.0.0.1:9092'], '4.4');
    expect(args.join(' ')).toContain('--num-records 216000 --record-size 100 --throughput 12000 --warmup-records 36000');
  });
});

describe('javaAtKnee', () => {
  it('refuses before any work what Java cannot run: an e2e search, a token command', () => {
    const e2e = errorOf(() => javaAtKnee(BASE_CONFIG, { ...spec, target: 'e2e' }));
    expect(e2e.code).toBe('DS_UNSUPPORTED_BY_TOOL');
    expect(e2e.message).toBe('kafka-producer-perf-test measures latency to the ack, not to a consumer\'s read (--target e2e)');
    const token = errorOf(() => javaAtKnee({ ...BASE_CONFIG, security: { protocol: 'SASL_PLAINTEXT', properties: { [TOKEN_COMMAND]: 'get-token' } } }, spec));
    expect(token.code).toBe('DS_UNSUPPORTED_BY_TOOL');
    expect(token.message).toBe(`Kafka's Java producer cannot run ${TOKEN_COMMAND}`);
    expect(javaAtKnee(BASE_CONFIG, spec).tool).toBe('java');
  });
});

describe('runAtKnee', () => {
  const outcome = (sustainableRps: number): SearchOutcome => ({
    steps: [], sustainableRps, ceilingRps: 30_000, ceilingReached: true, probeRps: 33_000, bracket: { meetRps: sustainableRps },
    confidence: 'high', notes: [], ended: 'done',
  });
  const cluster = { bootstrap: ['127.0.0.1:9092'], embedded: false };

  it('runs the other client at the sustainable rate for the confirmation\'s length, lengthened as the confirmation is at low rates', async () => {
    const knees: unknown[] = [];
    const atKnee = { tool: 'java', run: async (knee: unknown) => { knees.push(knee); return java; } };
    expect(await runAtKnee(outcome(12_000), spec, cluster, { atKnee }, () => undefined)).toEqual({ vs: java });
    // 10,000 records after the warm-up at 500/s take 20 s: the step is lengthened to 24 s (one window more: a run's last is cut by its end), as the confirmation's would be.
    await runAtKnee(outcome(500), spec, cluster, { atKnee }, () => undefined);
    expect(knees).toEqual([{ rateRps: 12_000, durationMs: 18_000, warmupMs: 3000 }, { rateRps: 500, durationMs: 24_000, warmupMs: 3000 }]);
  });

  it('runs nothing with no knee, saying so, or after a stop; a failure is returned for the result to be reported first', async () => {
    const failing = { tool: 'java', run: async () => { throw new DataStormError('DS_TOOL_FAILED', 'kafka-producer-perf-test exited with code 1'); } };
    const none = outcome(0);
    expect(await runAtKnee(none, spec, cluster, { atKnee: failing }, () => undefined)).toEqual({});
    expect(none.notes).toEqual(['--vs java did not run: no rate met the SLO']);
    const failed = await runAtKnee(outcome(12_000), spec, cluster, { atKnee: failing }, () => undefined);
    expect(failed.failure?.message).toBe('kafka-producer-perf-test exited with code 1');
    const stopped = new AbortController();
    stopped.abort();
    expect(await runAtKnee(outcome(12_000), spec, cluster, { atKnee: failing, signal: stopped.signal }, () => undefined)).toEqual({});
  });
});

describe('formatKneeComparison', () => {
  it('sets the other client\'s figures beside DataStorm\'s step at the knee\'s rate, and says how each measures latency', () => {
    const result = { ...capacityResult({ sustainableRps: 12_000, confirmationP99Ms: 18.5 }), vs: java };
    expect(formatKneeComparison(result).join('\n')).toBe([
      'vs java: kafka-producer-perf-test 4.3.1 at the knee, 12.0K/s for 18 s (the first 3 s left out), with the same settings, after the search (beyond its budget)',
      '┌─────────────────────┬─────────┬──────────┬────────┬────────┬──────────┐',
      '│ client              │    rate │ achieved │ p50 ms │ p99 ms │ p99.9 ms │',
      '├─────────────────────┼─────────┼──────────┼────────┼────────┼──────────┤',
      '│ datastorm (confirm) │ 12.0K/s │  12.0K/s │   4.63 │   18.5 │     37.0 │',
      '├─────────────────────┼─────────┼──────────┼────────┼────────┼──────────┤',
      '│ java                │ 12.0K/s │  12.0K/s │   3.00 │   21.0 │     48.0 │',
      '└─────────────────────┴─────────┴──────────┴────────┴────────┴──────────┘',
      'latency: datastorm\'s from each record\'s intended send time, over its step at the knee\'s rate after the warm-up; java\'s from its send call ' +
        'to the ack, in whole ms',
    ].join('\n'));
    // Without a confirmation (the budget ran out), the search step that met the knee's rate stands beside it; when a
    // missed confirmation lowered the knee past the budget, that confirmation does, at its own rate.
    expect(kneeTable({ ...capacityResult({ sustainableRps: 12_000 }), vs: java }).rows[0][0]).toBe('datastorm (search)');
    const lowered = { ...capacityResult({ sustainableRps: 15_000, confirmationP99Ms: 80 }), sustainableRps: 12_000, vs: java };
    expect(kneeTable(lowered).rows.map((row) => row.slice(0, 2))).toEqual([['datastorm (confirm)', '15.0K/s'], ['java', '12.0K/s']]);
    expect(formatKneeComparison(capacityResult({ sustainableRps: 12_000 }))).toEqual([]);
  });
});
