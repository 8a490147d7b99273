import { describe, expect, it } from 'vitest';
import { capacityStep, type StepRequest } from '../../src/capacity/capacity-step.js';
import { StepWindows } from '../../src/capacity/step-windows.js';
import { toCapacitySpec, type CapacityFlags } from '../../src/run-spec/capacity-options.js';
import { createHistogram, recordLatencyUs } from '../../src/shared/histograms.js';
import { errorOf, runCli } from '../helpers.js';
import { SLO_100MS } from './capacity-fixtures.js';

/** capacity on the command line, refused before any work: nothing answers at the address given. */
function refused(...args: string[]) {
  const run = runCli(['capacity', ...args, '--bootstrap-server', '127.0.0.1:1'], { timeoutMs: 30_000 });
  expect([run.code, run.stdout], args.join(' ')).toEqual([1, '']);
  expect(run.stderr.split('\n'), args.join(' ')).toHaveLength(2);
  expect(run.stderr).not.toMatch(/\n\s+at /);
  return run.stderr;
}

describe('capacity\'s options, through the CLI', () => {
  it('need --slo, a good one', () => {
    expect(refused()).toBe('error DS_BAD_OPTION: capacity needs --slo (e.g. --slo \'p99<=50ms\')\n');
    expect(refused('--slo', 'p99<100ms')).toBe('error DS_BAD_OPTION: --slo "p99<100ms": "p99<100ms" is not <statistic><=<latency> (a unit: us, ms or s) ' +
      '(terms like p99<=50ms, p99.9<=200ms, p50<=5ms or avg<=10ms, joined by commas: --slo \'p99<=50ms,p50<=10ms\')\n');
    expect(refused('--slo', 'p99<=0ms')).toMatch(/^error DS_BAD_OPTION: --slo "p99<=0ms": "p99<=0ms" allows no latency at all \(/);
  });

  it('refuse the produce options that set a step\'s rate and length', () => {
    for (const [flag, value] of [['--throughput', '5000'], ['--duration', '30s'], ['--num-records', '1000'], ['--throughput-profile', '0s:10,5s:20']]) {
      expect(refused('--slo', 'p99<=100ms', flag, value)).toBe(`error DS_BAD_OPTION: capacity sets each step's rate and length itself: ${flag} cannot be given ` +
        '(bound the search with --budget, --step, --confirm)\n');
    }
    expect(refused('--slo', 'p99<=100ms', '--throughput', '5000', '--warmup-records', '10'))
      .toBe('error DS_BAD_OPTION: capacity sets each step\'s rate and length itself: --throughput, --warmup-records cannot be given ' +
        '(bound the search with --budget, --step, --confirm)\n');
  });

  it('take --warm 0 (no warm-up run) and refuse a negative one', () => {
    // Accepted: the search goes on to the brokers, which do not answer here.
    expect(refused('--slo', 'p99<=100ms', '--warm', '0')).toMatch(/^error DS_UNREACHABLE: cannot reach Kafka at 127\.0\.0\.1:1: /);
    expect(refused('--slo', 'p99<=100ms', '--warm', '-5s')).toBe('error: option \'--warm <time>\' argument \'-5s\' is invalid. --warm takes a duration ' +
      'such as 30s, 2m or 500ms, or 0 for none, not "-5s"\n');
  });

  it('end in produce\'s own line when nothing answers at the address', () => {
    expect(refused('--slo', 'p99<=100ms')).toMatch(/^error DS_UNREACHABLE: cannot reach Kafka at 127\.0\.0\.1:1: /);
  });

  it('refuse --settle with a cluster given by --bootstrap-server, whose disks this machine cannot watch (not a silent no-op)', () => {
    expect(refused('--slo', 'p99<=100ms', '--settle', '30s')).toBe('error DS_BAD_OPTION: --settle waits for the local cluster\'s disks, which ' +
      '--bootstrap-server\'s cluster does not share with this machine (leave --settle out with --bootstrap-server)\n');
  });

  it('refuse a budget shorter than the search\'s fixed steps', () => {
    expect(refused('--slo', 'p99<=100ms', '--budget', '2m')).toBe('error DS_BAD_OPTION: --budget 120s is shorter than the warm-up run, probe, ramp, three steps, the ' +
      'confirmation and the run above it take (235s) (raise --budget or shorten --step, --confirm, --warm, --probe, --ramp)\n');
  });

  it('refuse a precision out of (0, 1)', () => {
    for (const value of ['0', '1', '100%', '-5%', 'five']) {
      expect(refused('--slo', 'p99<=100ms', '--precision', value))
        .toBe(`error: option '--precision <share>' argument '${value}' is invalid. --precision takes a share such as 5% or 0.05, not "${value}"\n`);
    }
  });

  it('refuse a warm-up longer than half a step', () => {
    expect(refused('--slo', 'p99<=100ms', '--step', '10s', '--step-warmup', '6s'))
      .toBe('error DS_BAD_OPTION: --step-warmup 6s leaves less than half of --step 10s to measure\n');
  });

  it('refuse steps too short to hold two 1 s windows past their warm-up', () => {
    const hint = '(lengthen it: a step is measured in whole 1 s windows after its warm-up)\n';
    expect(refused('--slo', 'p99<=100ms', '--step', '3s', '--step-warmup', '1.5s'))
      .toBe(`error DS_BAD_OPTION: --step 3s less --step-warmup 1.5s leaves 1.5s to measure: a step needs at least 2s ${hint}`);
    expect(refused('--slo', 'p99<=100ms', '--probe', '3s'))
      .toBe(`error DS_BAD_OPTION: --probe 3s less its warm-up (--step-warmup, at most half of it) leaves 1.5s to measure: a step needs at least 2s ${hint}`);
    expect(refused('--slo', 'p99<=100ms', '--ramp', '1500ms')).toBe(`error DS_BAD_OPTION: --ramp 1.5s leaves 1.5s to measure: a step needs at least 2s ${hint}`);
    expect(refused('--slo', 'p99<=100ms', '--confirm', '1s')).toBe(`error DS_BAD_OPTION: --confirm 1s leaves 1s to measure: a step needs at least 2s ${hint}`);
  });
});

describe('toCapacitySpec', () => {
  const flags: CapacityFlags = {
    slo: SLO_100MS, precision: 0.05, budget: 150_000, confirm: 15_000, step: 8000, stepWarmup: 3000, warm: 0, probe: 5000, ramp: 10_000, target: 'produce', keepTopic: false, settle: 0,
  };

  it('takes the search\'s settings by their names', () => {
    expect(toCapacitySpec(flags, () => false, { producerProps: {} })).toEqual({
      slo: SLO_100MS, precision: 0.05, budgetMs: 150_000, confirmMs: 15_000, stepMs: 8000, warmupMs: 3000, warmMs: 0, probeMs: 5000, rampMs: 10_000, target: 'produce', keepTopic: false, settleMs: 0,
    });
  });

  it('refuses a step with nothing past its warm-up, which judged every rate "achieved 0%": no rate met the SLO', () => {
    // A 2 s step with 1 s of warm-up: its run reports one window (the second ends after the run), a warm-up one.
    const request: StepRequest = { phase: 'floor', load: { kind: 'rate', rateRps: 1000 }, durationMs: 2000, warmupMs: 1000 };
    const windows = new StepWindows(SLO_100MS, request);
    const latency = createHistogram();
    recordLatencyUs(latency, 5000, 1000);
    windows.add({ elapsedMs: 1025, durationMs: 1025, records: 1000, latency });
    expect(capacityStep(SLO_100MS, request, windows.measure({ acknowledgedRecords: 0, failedRecords: 0, accountingMatch: true })).verdict)
      .toEqual({ outcome: 'misses', why: ['achieved 0% of the rate'], rateMet: false, stallLike: false });
    expect(errorOf(() => toCapacitySpec({ ...flags, step: 2000, stepWarmup: 1000 }, () => false, { producerProps: {} })).message)
      .toBe('--step 2s less --step-warmup 1s leaves 1s to measure: a step needs at least 2s');
    expect(toCapacitySpec({ ...flags, step: 4000, stepWarmup: 2000, warm: 0, probe: 4000, ramp: 2000, confirm: 2000, budget: 60_000 }, () => false, { producerProps: {} }).stepMs).toBe(4000);
  });
});
