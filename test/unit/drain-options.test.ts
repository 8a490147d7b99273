import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DRAIN_OPTIONS, SINK_OPTIONS, toDrainSpec, toSinkSpec, type DrainFlags, type SinkFlags } from '../../src/run-spec/drain-options.js';
import { PLAINTEXT } from '../../src/security/client-security.js';
import { CLI, errorOf } from '../helpers.js';

const connection = { bootstrap: ['127.0.0.1:1'], security: PLAINTEXT };
const drainFlags: DrainFlags = {
  topic: 't', group: 'g', sink: 'http://127.0.0.1:28080', size: 200, pendingAcks: 10_000, batchSize: 1, distributor: 'hash', retryInterval: 1000,
  timeout: 10_000, method: 'POST', fromBeginning: false, mode: 'fanout', commitInterval: 1000, lagInterval: 1000, json: false,
};
const sinkFlags: SinkFlags = { port: 28080, host: '127.0.0.1', latency: 20, maxConcurrency: 0, errorRate: 0, failStatus: 503 };

describe('drain options', () => {
  it('parse what go-dmux\'s config says: statuses, headers, the sink URL', () => {
    expect(DRAIN_OPTIONS.nonRetriableStatus.parse('400, 404')).toEqual([400, 404]);
    expect(DRAIN_OPTIONS.header.parse('X-Team: payments', { A: '1' })).toEqual({ A: '1', 'X-Team': 'payments' });
    expect(DRAIN_OPTIONS.sink.parse('http://sink:8080/api/')).toBe('http://sink:8080/api');
    expect(DRAIN_OPTIONS.method.parse('put')).toBe('PUT');
  });

  it('refuse bad values in one line', () => {
    expect(() => DRAIN_OPTIONS.nonRetriableStatus.parse('400,4040')).toThrow('--non-retriable-status takes a whole number from 100 to 599, not "4040"');
    expect(() => DRAIN_OPTIONS.header.parse('no-colon', undefined)).toThrow('--header takes name:value, not "no-colon"');
    expect(() => DRAIN_OPTIONS.header.parse('Content-Type: text/plain', undefined)).toThrow('--header cannot set Content-Type');
    expect(() => DRAIN_OPTIONS.sink.parse('localhost:8080')).toThrow('--sink takes an http:// or https:// URL, not "localhost:8080"');
    expect(() => DRAIN_OPTIONS.sink.parse('http://h/x?y=1')).toThrow('without ?query');
    expect(() => DRAIN_OPTIONS.sink.parse('http://user:secret@h/x')).toThrow('without user:password@');
  });

  it('serial is one lane per partition; --duration stops on time instead of at the end offsets', () => {
    const serial = toDrainSpec({ ...drainFlags, mode: 'serial' }, connection, () => false);
    expect([serial.lanes, serial.distributor, serial.batchSize, serial.untilCaughtUp]).toEqual([0, 'partition', 1, true]);
    const timed = toDrainSpec({ ...drainFlags, duration: 30_000 }, connection, () => false);
    expect([timed.untilCaughtUp, timed.durationMs, timed.lanes]).toEqual([false, 30_000, 200]);
  });

  it('refuse options that contradict each other', () => {
    expect(errorOf(() => toDrainSpec({ ...drainFlags, untilCaughtUp: true, duration: 1000 }, connection, () => false)).message)
      .toBe('--until-caught-up and --duration both say when to stop');
    expect(errorOf(() => toDrainSpec({ ...drainFlags, mode: 'serial' }, connection, (key) => key === 'size')).code).toBe('DS_BAD_OPTION');
  });
});

describe('sink options', () => {
  it('a fixed latency with jitter, or a log-normal from p50 and p99', () => {
    expect(toSinkSpec({ ...sinkFlags, jitter: 5 }, () => false).latency).toEqual({ kind: 'fixed', latencyMs: 20, jitterMs: 5 });
    expect(toSinkSpec({ ...sinkFlags, latencyDist: SINK_OPTIONS.latencyDist.parse('p50=20ms,p99=0.2s') }, () => false).latency)
      .toEqual({ kind: 'log-normal', p50Ms: 20, p99Ms: 200 });
  });

  it('refuses bad and contradicting values', () => {
    expect(() => SINK_OPTIONS.latencyDist.parse('p50=20ms')).toThrow('--latency-dist takes p50=<time>,p99=<time>');
    expect(() => SINK_OPTIONS.latencyDist.parse('p50=200ms,p99=20ms')).toThrow('p99 (20ms) is below p50 (200ms)');
    expect(() => SINK_OPTIONS.errorRate.parse('5%')).toThrow('--error-rate takes a share from 0 to 1, not "5%"');
    expect(errorOf(() => toSinkSpec({ ...sinkFlags, latencyDist: { p50Ms: 1, p99Ms: 2 } }, (key) => key === 'latency')).code).toBe('DS_BAD_OPTION');
    expect(errorOf(() => toSinkSpec({ ...sinkFlags, jitter: 30 }, () => false)).message).toBe('--jitter 30ms is larger than --latency 20ms');
  });

  it('the CLI says it in one line and exits non-zero before any work', () => {
    for (const args of [
      ['drain', '--topic', 't', '--group', 'g', '--sink', 'ftp://x'],
      ['drain', '--topic', 't', '--group', 'g', '--sink', 'http://x', '--duration', '10s', '--until-caught-up'],
      ['sink', '--error-rate', '2'],
    ]) {
      const out = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
      expect(out.status, args.join(' ')).not.toBe(0);
      expect(out.stderr.trim().split('\n'), out.stderr).toHaveLength(1);
      expect(out.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
