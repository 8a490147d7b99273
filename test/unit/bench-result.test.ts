import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { figuresOf, readBenchResult, relativeMetrics, type CapacityBenchResult } from '../../src/bench/bench-result.js';
import { capacityResult, produceResult } from './bench-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ds-bench-result-'));
function file(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('readBenchResult', () => {
  it('reads a DataStorm result, bench section or not', () => {
    const result = produceResult({ records: 2, latenciesUs: [1000, 2000] });
    expect(readBenchResult(file('ok.json', result))).toEqual(result);
  });

  it('refuses what it cannot use, with the file name', () => {
    const result = produceResult({ records: 1, latenciesUs: [1000] });
    const cases: Array<[string, unknown, string]> = [
      ['broken.json', '{"tool": ', `cannot read result ${join(dir, 'broken.json')}: Unexpected end of JSON input`],
      ['other.json', { hello: 1 }, `${join(dir, 'other.json')} is not a DataStorm result`],
      ['v2.json', { ...result, schemaVersion: 2 }, `${join(dir, 'v2.json')} has result schema version 2; this DataStorm reads version 1`],
      ['partial.json', { ...result, partial: true }, `${join(dir, 'partial.json')} is of a run that was stopped early`],
    ];
    for (const [name, content, message] of cases) expect(() => readBenchResult(file(name, content))).toThrow(message);
    expect(() => readBenchResult(join(dir, 'missing.json'))).toThrow(`cannot read result ${join(dir, 'missing.json')}: ENOENT`);
  });
});

describe('a capacity search\'s result', () => {
  const search = capacityResult({ sustainableRps: 12_000, ceilingRps: 30_000, confirmationP99Ms: 41.5 });

  it('reads as `capacity --json` prints it, its figures those of the search; with a bench section, its searches\' medians', () => {
    expect(readBenchResult(file('search.json', search))).toEqual(search);
    expect(figuresOf(search)).toEqual({ sustainable_rps: 12_000, ceiling_rps: 30_000, confirmation_p99_ms: 41.5 });
    const repeated: CapacityBenchResult = { ...search, bench: { workload: { name: 'w' }, runs: [
      { sustainable_rps: 10_000, ceiling_rps: 30_000, confirmation_p99_ms: 40 }, { sustainable_rps: 14_000, ceiling_rps: 28_000 },
      { sustainable_rps: 12_000, ceiling_rps: 29_000, confirmation_p99_ms: 45 },
    ] } };
    // A search without a confirmation leaves its p99 out of the medians: it is not a figure of every search.
    expect(figuresOf(repeated)).toEqual({ sustainable_rps: 12_000, ceiling_rps: 29_000 });
    expect(readBenchResult(file('repeated.json', repeated))).toEqual(repeated);
    expect(() => relativeMetrics(search, 'search.json'))
      .toThrow('search.json has no reference run to compare against: it is a capacity search\'s result');
  });

  it('refuses another capacity schema, a stopped search and a broken figure, with the file name', () => {
    const cases: Array<[string, unknown, string]> = [
      ['v2.json', { ...search, schemaVersion: 2 }, `${join(dir, 'v2.json')} has capacity result schema version 2; this DataStorm reads version 1`],
      ['stopped.json', { ...search, partial: true }, `${join(dir, 'stopped.json')} is of a search that was stopped early`],
      ['null.json', { ...search, sustainableRps: null }, `${join(dir, 'null.json')}: sustainableRps is null, not a number`],
      ['runs.json', { ...search, bench: { workload: { name: 'w' }, runs: [{ sustainable_rps: -1, ceiling_rps: 1 }] } },
        `${join(dir, 'runs.json')}: bench.runs[0].sustainable_rps is -1, below 0`],
      ['confirm.json', { ...search, confirmation: { ...search.confirmation, p99Ms: 'NaN' } }, `${join(dir, 'confirm.json')}: confirmation.p99Ms is "NaN", not a number`],
    ];
    for (const [name, content, message] of cases) expect(() => readBenchResult(file(name, content))).toThrow(message);
  });
});
