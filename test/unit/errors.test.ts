import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCodec } from '../../src/kafka/codecs.js';
import { checkReachable } from '../../src/shared/reachable.js';
import { DataStormError, ERROR_CODES, formatError, isErrorCode, RunFailedError } from '../../src/shared/errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CODE = /\bDS_[A-Z0-9_]+\b/g;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The text of every module of src/ and workers/, the list itself left out of errors.ts: where codes are used. */
const usedText = new Map(['src', 'workers'].flatMap((dir) => sources(join(ROOT, dir))).map((file) => {
  const text = readFileSync(file, 'utf8');
  const used = relative(ROOT, file) === join('src', 'shared', 'errors.ts') ? text.replace(/export const ERROR_CODES = \{[\s\S]*?\n\} as const/, '') : text;
  return [relative(ROOT, file), used];
}));
const codes = Object.keys(ERROR_CODES);

describe('the closed list of error codes', () => {
  it('the list is cut out of errors.ts, so a code counts as used only where it is thrown or named', () => {
    expect(usedText.get(join('src', 'shared', 'errors.ts'))).not.toContain('DS_BAD_OPTION:');
  });

  it('every code in the list is used in src/ or workers/: no dead codes', () => {
    const unused = codes.filter((code) => ![...usedText.values()].some((text) => new RegExp(`\\b${code}\\b`).test(text)));
    expect(unused).toEqual([]);
  });

  it('every DS_ code in src/ and workers/ is in the list', () => {
    const unlisted = [...usedText].flatMap(([file, text]) => (text.match(CODE) ?? []).filter((code) => !isErrorCode(code)).map((code) => `${file}: ${code}`));
    expect(unlisted).toEqual([]);
  });

  it('each code says whether a retry can succeed, and what it means in one line', () => {
    for (const [code, { retriable, description }] of Object.entries(ERROR_CODES)) {
      expect([code, typeof retriable], code).toEqual([code, 'boolean']);
      expect(description, code).toMatch(/^\S.{10,}[^.]$/);
      expect(description, code).not.toContain('\n');
    }
    expect(codes.filter((code) => !/^DS_[A-Z0-9_]+$/.test(code))).toEqual([]);
  });

  it('near-duplicates are one code: no two differ only in a plural, and DS_BAD_OPTIONS is DS_BAD_OPTION', () => {
    const singular = (code: string) => code.split('_').map((word) => word.replace(/S$/, '')).join('_');
    expect(codes.filter((code) => codes.some((other) => other !== code && singular(other) === singular(code)))).toEqual([]);
    expect([isErrorCode('DS_BAD_OPTION'), isErrorCode('DS_BAD_OPTIONS'), isErrorCode('DS_CONFLICTING_OPTIONS')]).toEqual([true, false, false]);
  });

  it('isErrorCode takes only the list\'s codes, not what an object inherits', () => {
    expect(['DS_RECORDS_FAILED', 'DS_NOPE', 'toString', 7, undefined].map(isErrorCode)).toEqual([true, false, false, false, false]);
  });
});

describe('DataStormError', () => {
  it('carries its code and the code\'s retriable; the printed line is as before', () => {
    const refused = new DataStormError('DS_BAD_OPTION', '--acks 2 is not one of 0, 1, all', { hint: 'give 0, 1 or all' });
    expect([refused.code, refused.retriable, refused.exitCode]).toEqual(['DS_BAD_OPTION', false, 1]);
    expect(formatError(refused)).toBe('error DS_BAD_OPTION: --acks 2 is not one of 0, 1, all (give 0, 1 or all)');
    const lost = new RunFailedError('DS_BROKER_LOST', 'no acknowledgement for 20 s', { records: 3 });
    expect([lost.code, lost.retriable, lost.result]).toEqual(['DS_BROKER_LOST', true, { records: 3 }]);
    expect(formatError(lost)).toBe('error DS_BROKER_LOST: no acknowledgement for 20 s');
  });

  it('the product\'s own errors say it: an unknown codec cannot succeed again, an HTTP service that does not answer may', async () => {
    const codec = (() => { try { parseCodec('brotli'); } catch (error) { return error as DataStormError; } })();
    expect([codec?.code, codec?.retriable]).toEqual(['DS_BAD_OPTION', false]);
    const unreachable = await checkReachable('http://127.0.0.1:1', 'start it').then(() => undefined, (error: DataStormError) => error);
    expect([unreachable?.code, unreachable?.retriable, formatError(unreachable)])
      .toEqual(['DS_HTTP_UNREACHABLE', true, 'error DS_HTTP_UNREACHABLE: nothing answers at http://127.0.0.1:1 (ECONNREFUSED) (start it)']);
  });
});
