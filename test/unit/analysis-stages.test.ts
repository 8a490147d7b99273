import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runConfigOf } from '../../src/analysis/produce-args.js';
import { readStages, scaledRecords, stageFromObject, stagePointSpec } from '../../src/analysis/stages.js';
import { errorOf } from '../helpers.js';

const EVOLUTION = fileURLToPath(new URL('../../benchmarks/evolution/', import.meta.url));

const minimal = { description: 'd', 'num-records': 1000, workers: 2 };

describe('stage files', () => {
  it('read produce\'s flag names into a command line, flags as true or false', () => {
    const stage = stageFromObject({
      name: 'v9', description: '  one record per send  ', 'num-records': 2000, workers: 1, batch: 1, linger: 0, 'max-in-flight': 1,
      'serialize-on-send': true, idempotent: false, 'producer-props': ['acks=1'],
    }, 'v9.yaml', 'fallback');
    expect(stage).toEqual({
      name: 'v9', description: 'one record per send', file: 'v9.yaml', processes: 1,
      args: {
        numRecords: ['2000'], workers: ['1'], batch: ['1'], linger: ['0'], maxInFlight: ['1'], serializeOnSend: true, producerProps: ['acks=1'],
      },
    });
    expect(stageFromObject(minimal, 'x.yaml', 'x').name).toBe('x');
  });

  it('refuse unknown keys, with the keys they take as a hint', () => {
    const error = errorOf(() => stageFromObject({ ...minimal, 'batch-size': '16MB' }, 'v3.yaml', 'v3'));
    expect(error.code).toBe('DS_BAD_STAGE');
    expect(error.message).toBe('v3.yaml: unknown key "batch-size"');
    expect(error.hint).toBe('stage keys: name, description, processes and datastorm produce\'s flag names (num-records, workers, batch, ...)');
  });

  it('refuse what the evolution command sets, counts it needs, and values produce would refuse', () => {
    expect(errorOf(() => stageFromObject({ ...minimal, topic: 't' }, 's.yaml', 's')).message).toBe('s.yaml: topic cannot be set in a stage');
    expect(errorOf(() => stageFromObject({ ...minimal, duration: '30s' }, 's.yaml', 's')).message).toBe('s.yaml: duration cannot be set in a stage');
    expect(errorOf(() => stageFromObject({ description: 'd', workers: 2 }, 's.yaml', 's')).message).toBe('s.yaml: num-records is required');
    expect(errorOf(() => stageFromObject({ 'num-records': 5, workers: 2 }, 's.yaml', 's')).message)
      .toBe('s.yaml: description is required: say what the stage is');
    expect(errorOf(() => stageFromObject({ ...minimal, workers: 0 }, 's.yaml', 's')).message)
      .toBe('s.yaml: --workers takes a whole number from 1 to 256, not "0"');
    expect(errorOf(() => stageFromObject({ ...minimal, 'serialize-on-send': 'yes' }, 's.yaml', 's')).message)
      .toBe('s.yaml: serialize-on-send is a flag: true or false, not "yes"');
    expect(errorOf(() => stageFromObject({ ...minimal, batch: ['1MB', '4MB'] }, 's.yaml', 's')).message)
      .toBe('s.yaml: batch takes one value, not ["1MB","4MB"]');
    expect(errorOf(() => stageFromObject({ ...minimal, processes: 3 }, 's.yaml', 's')).message)
      .toBe('s.yaml: processes takes a whole number from 1 to the stage\'s workers (2), not 3');
    expect(errorOf(() => stageFromObject({ ...minimal, idempotent: true, acks: 1 }, 's.yaml', 's')).message)
      .toBe('s.yaml: idempotence (--idempotent or enable.idempotence=true) needs --acks all');
    expect(errorOf(() => stageFromObject(['a'], 's.yaml', 's')).message).toBe('s.yaml: a stage is a mapping of keys to values');
  });

  it('are read from a folder in the order of their names, YAML errors named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'datastorm-stages-'));
    for (const name of ['v10', 'v2', 'v1']) writeFileSync(join(dir, `${name}.yaml`), 'description: d\nnum-records: 10\nworkers: 1\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a stage');
    expect(readStages(dir).map((stage) => stage.name)).toEqual(['v1', 'v2', 'v10']);
    writeFileSync(join(dir, 'v3.yaml'), 'description: d\ndescription: e\n');
    expect(errorOf(() => readStages(dir)).message).toMatch(/^.*v3\.yaml: Map keys must be unique/);
    expect(errorOf(() => readStages(join(dir, 'missing'))).message).toMatch(/^cannot read the stage folder .*missing: ENOENT$/);
  });
});

describe('the evolution stages in benchmarks/evolution', () => {
  const stages = readStages(EVOLUTION);

  it('are v0 to v5, each the run the issue describes', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    const [v0, v1, v2, v3, v4, v5] = stages.map((stage) => runConfigOf(stage.args));
    expect(v0).toMatchObject({ workers: 1, batchBytes: 1, lingerMs: 0, maxInFlight: 100, payload: { serializeOnSend: true } });
    expect(v1).toMatchObject({ workers: 8, payload: { serializeOnSend: true } });
    expect(v2).toMatchObject({ workers: 8, payload: { serializeOnSend: false } });
    expect(v3).toMatchObject({ workers: 8, partitions: 32, batchBytes: 16 * 1024 * 1024, lingerMs: 25, compression: 'none' });
    expect(v4).toMatchObject({ workers: 8, partitions: 32, batchBytes: 16 * 1024 * 1024, lingerMs: 25, compression: 'lz4' });
    expect(stages[4].processes).toBe(2);
    // Up to v4 records are written one by one; v5 is v4 with pre-encoded batches and nothing else changed.
    expect([v0, v1, v2, v3, v4].map((config) => config.batchEncoding)).toEqual(Array(5).fill('per-record'));
    expect(v5).toEqual({ ...v4, batchEncoding: 'pre-encoded', topic: v5.topic });
    expect(stages[5].processes).toBe(2);
  });

  it('scale their counts, never below one record per worker, and split a stage of several processes exactly', () => {
    expect(scaledRecords(2000, 0.01, 1)).toBe(20);
    expect(scaledRecords(100, 0.001, 8)).toBe(8);
    // Window lines every 500 ms (where a stage's start-up ends shows in them), unless the stage file says.
    expect(stagePointSpec(stages[0], 0.5).processes).toEqual([{ ...stages[0].args, numRecords: ['2500'], reportingInterval: ['500'] }]);
    expect(stagePointSpec(stageFromObject({ ...minimal, 'reporting-interval': 2000 }, 's', 's'), 1).processes[0].reportingInterval).toEqual(['2000']);
    const v4 = stagePointSpec(stages[4], 0.001);
    expect(v4.config).toMatchObject({ numRecords: 2000, workers: 8 });
    expect(v4.processes.map((args) => [args.numRecords, args.workers, args.compression])).toEqual([
      [['1000'], ['4'], ['lz4']],
      [['1000'], ['4'], ['lz4']],
    ]);
    const odd = stagePointSpec(stageFromObject({ ...minimal, workers: 3, processes: 2, 'num-records': 7 }, 's', 's'), 1);
    expect(odd.processes.map((args) => [(args.numRecords as string[])[0], (args.workers as string[])[0]])).toEqual([['4', '2'], ['3', '1']]);
  });
});
