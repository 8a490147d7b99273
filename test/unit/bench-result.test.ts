import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBenchResult } from '../../src/bench/bench-result.js';
import { produceResult } from './bench-fixtures.js';

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
