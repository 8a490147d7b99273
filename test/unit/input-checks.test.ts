import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkScale, readStages } from '../../src/analysis/stages.js';
import { parseBootstrap } from '../../src/cluster/bootstrap.js';
import { writablePath } from '../../src/cli/output-path.js';
import { ProgressLine } from '../../src/cli/progress-line.js';
import { formatIdleConsumersNote } from '../../src/consume/consume-report.js';
import { checkTopicName } from '../../src/kafka/topic.js';
import { CLI, errorOf } from '../helpers.js';

/** What every command checks before it starts work: one-line errors for what a careless user types. */
describe('--bootstrap-server', () => {
  it('takes host:port lists', () => {
    expect(parseBootstrap('127.0.0.1:9092, broker-2.example.com:9093,')).toEqual(['127.0.0.1:9092', 'broker-2.example.com:9093']);
  });

  it('refuses an empty list, a missing or bad port and an IPv6 literal, naming the address', () => {
    expect(errorOf(() => parseBootstrap(',')).message).toBe('--bootstrap-server "," names no broker');
    for (const address of ['localhost', ':::', '127.0.0.1:99999', '127.0.0.1:0', 'host:port', ':9092', 'a b:9092']) {
      const error = errorOf(() => parseBootstrap(`127.0.0.1:9092,${address}`));
      expect(error.code, address).toBe('DS_BAD_OPTION');
      expect(error.message, address).toBe(`--bootstrap-server: "${address}" is not host:port with a port from 1 to 65535`);
    }
    expect(errorOf(() => parseBootstrap('[::1]:9092')).hint).toContain('IPv6 literals are not supported');
  });
});

describe('topic names', () => {
  it('follow Kafka\'s rule', () => {
    expect(checkTopicName('orders.v2_eu-1')).toBe('orders.v2_eu-1');
    expect(errorOf(() => checkTopicName('bad/name')).message).toBe('topic name "bad/name" holds "/" (only ASCII letters, digits, ".", "_" and "-")');
    expect(errorOf(() => checkTopicName('')).message).toBe('topic name "" is empty');
    expect(errorOf(() => checkTopicName('..')).message).toBe('topic name ".." cannot be "." or ".."');
    expect(errorOf(() => checkTopicName('x'.repeat(250))).message).toBe(`topic name "${'x'.repeat(250)}" is 250 characters long (at most 249)`);
  });
});

describe('output paths, checked before a run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-out-'));

  it('make a missing folder and leave no probe behind', () => {
    expect(writablePath(join(dir, 'a/b/result.json'), '--out', 'file')).toBe(join(dir, 'a/b/result.json'));
    expect(readdirSync(join(dir, 'a/b'))).toEqual([]);
    expect(writablePath(join(dir, 'report'), '--out', 'folder')).toBe(join(dir, 'report'));
    expect(existsSync(join(dir, 'report'))).toBe(true);
  });

  it('refuse what cannot be written, at once (a path under /proc used to hang)', () => {
    expect(errorOf(() => writablePath('/proc/nope/x.json', '--out', 'file')).message).toBe('--out /proc/nope/x.json: cannot write this file (ENOENT)');
    expect(errorOf(() => writablePath(dir, '--chart', 'file')).message).toBe(`--chart ${dir}: cannot write this file (EISDIR)`);
    writeFileSync(join(dir, 'plain-file'), '');
    expect(errorOf(() => writablePath(join(dir, 'plain-file', 'x'), '--out', 'folder')).message).toContain('cannot write into this folder (ENOTDIR)');
  });
});

describe('evolution --scale', () => {
  const stages = readStages(fileURLToPath(new URL('../../benchmarks/evolution/', import.meta.url)));

  it('is refused when a stage would keep fewer than 100 records, naming the least scale', () => {
    expect(() => checkScale(stages, 0.02)).not.toThrow();
    const error = errorOf(() => checkScale(stages, 1e-9));
    expect(error.message).toBe('--scale 1e-9 leaves stage v0 0 of its 5000 records, under the 100 a stage needs to measure anything');
    expect(error.hint).toBe('use --scale 0.02 or more');
  });
});

describe('consumer group ids', () => {
  it('are refused when empty, before any work', () => {
    const run = spawnSync(process.execPath, [CLI, 'consume', '--topic', 't', '--num-records', '1', '--group', ''], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--group takes a consumer group id, not an empty one');
  });
});

describe('a flag and a config file that disagree', () => {
  it('are one line naming both in consume, as in produce, before any work', () => {
    const config = join(mkdtempSync(join(tmpdir(), 'datastorm-conflict-')), 'client.properties');
    writeFileSync(config, 'bootstrap.servers=127.0.0.1:9999\n');
    const run = spawnSync(process.execPath, [CLI, 'consume', '--topic', 't', '--num-records', '1', '--bootstrap-server', '127.0.0.1:9092',
      '--command-config', config], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe('error DS_BAD_OPTION: --bootstrap-server 127.0.0.1:9092 and bootstrap.servers=127.0.0.1:9999 disagree ' +
      '(give the setting once, as a flag or as a property)\n');
  });
});

describe('lag\'s schedule', () => {
  it('refuses an --interval longer than --duration (one sample, at the start) before any work', () => {
    // Nothing answers at the address: a refusal after work would name the brokers instead.
    const run = spawnSync(process.execPath, [CLI, 'lag', '--group', 'g', '--interval', '5s', '--duration', '1s', '--bootstrap-server', '127.0.0.1:1'],
      { encoding: 'utf8' });
    expect([run.status, run.stdout]).toEqual([1, '']);
    expect(run.stderr).toBe('error DS_BAD_OPTION: --interval 5 s is longer than --duration 1 s: the lag would be sampled once, at the start ' +
      '(give a shorter --interval or a longer --duration)\n');
  });
});

describe('the progress line', () => {
  const sink = () => {
    const written: string[] = [];
    return { written, stream: { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
  };

  it('off a terminal draws nothing, and other lines are simply written', () => {
    const { written, stream } = sink();
    const lines: string[] = [];
    const progress = new ProgressLine(false, stream);
    progress.show('50%');
    progress.print('a window line', (line) => lines.push(line));
    progress.clear();
    expect([written, lines]).toEqual([[], ['a window line']]);
  });

  it('on a terminal clears itself for a line above it and draws itself again', () => {
    const { written, stream } = sink();
    const lines: string[] = [];
    const progress = new ProgressLine(true, stream);
    progress.show('50%');
    progress.show('51%'); // within the redraw interval: not drawn
    progress.print('a window line', (line) => lines.push(line));
    expect(written).toEqual(['\r\x1b[K50%', '\r\x1b[K', '50%']);
    expect(lines).toEqual(['a window line']);
  });
});

describe('consumers beyond the partitions', () => {
  it('are named with how many will idle', () => {
    expect(formatIdleConsumersNote(8, 8)).toBeUndefined();
    expect(formatIdleConsumersNote(64, 8)).toBe('note: 64 consumers on 8 partitions: 56 of them will be assigned nothing and idle ' +
      '(a partition is read by one consumer of a group); use --workers 8 or a topic with more partitions');
  });
});

describe('share-group options, refused in one line before any work', () => {
  const refused = (args: string[], message: string) => {
    const run = spawnSync(process.execPath, [CLI, 'consume', '--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--num-records', '10', ...args], { encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')[0]).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  };

  it('share-only options without --share-group, contradictions, and values out of range', () => {
    refused(['--release-rate', '0.1'], 'DS_BAD_OPTION: --release-rate is for share groups: give --share-group <id>');
    refused(['--share-group', 'g', '--group', 'x'], 'DS_BAD_OPTION: --group cannot be given with --share-group: it names a consumer group');
    refused(['--share-group', 'g', '--release-rate', '0.7', '--reject-rate', '0.7'], 'DS_BAD_OPTION: --release-rate 0.7 and --reject-rate 0.7 add up to more than 1');
    refused(['--share-group', 'g', '--release-rate', '2'], '--release-rate takes a fraction of the records, from 0 to 1');
    refused(['--share-group', 'g', '--ack-mode', 'later'], '--ack-mode takes one of implicit, explicit, not "later"');
    refused(['--share-group', ''], '--share-group takes a share group id, not an empty one');
    refused(['--share-group', 'g', '--threads', '2', '--workers', '3'], '--threads 2 and --workers 3 disagree');
    refused(['--share-group', 'g', '--schema-registry', 'http://127.0.0.1:8081'], 'DS_BAD_OPTION: --schema-registry cannot be given with --share-group');
  });
});
