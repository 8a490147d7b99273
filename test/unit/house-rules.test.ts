import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The modules of src/ and workers/ (and test/ where asked) that import a package's values, outside the folder allowed to. */
function importersOf(pattern: RegExp, allowed: string, dirs: string[]): string[] {
  return dirs.flatMap((dir) => sources(join(ROOT, dir)))
    .filter((file) => !relative(ROOT, file).startsWith(allowed))
    .filter((file) => pattern.test(readFileSync(file, 'utf8')))
    .map((file) => relative(ROOT, file));
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * kafkajs's values come from src/kafka/ only: a module that imports 'kafkajs' itself may load it before the
 * send-path fixes are in place (kafkajs.ts then throws at start, in every thread). Type-only imports are fine, and
 * so are kafkajs's internal files, which tests load after src/kafka/kafkajs.ts to compare bytes with.
 */
describe('the client layer is the one way into kafkajs', () => {
  it('no module outside src/kafka/ imports kafkajs\'s values', () => {
    expect(importersOf(/^import (?!type )[^;]*from 'kafkajs';|require\('kafkajs'\)/m, 'src/kafka/', ['src', 'workers', 'test'])).toEqual([]);
  });

  it('no product module outside src/drivers/ imports @platformatic/kafka\'s values: a run loads only its driver\'s client', () => {
    expect(importersOf(/^import (?!type )[^;]*from '@platformatic\/kafka';/m, 'src/drivers/', ['src', 'workers'])).toEqual([]);
  });
});

describe('the house\'s layers', () => {
  it('nothing below the CLI imports src/cli/: the CLI parses and prints, the rooms below it never call back up', () => {
    expect(importersOf(/from '(\.\.\/)+(src\/)?cli\//m, 'src/cli/', ['src', 'workers'])).toEqual([]);
  });
});
