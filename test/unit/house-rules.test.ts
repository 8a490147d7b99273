import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DRIVER_NAMES } from '../../src/drivers/driver-registry.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The modules of src/ and workers/ (and test/ where asked) whose text matches, outside the folder allowed to. */
function modulesMatching(pattern: RegExp, allowed: string, dirs: string[]): string[] {
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
    expect(modulesMatching(/^import (?!type )[^;]*from 'kafkajs';|require\('kafkajs'\)/m, 'src/kafka/', ['src', 'workers', 'test'])).toEqual([]);
  });

  it('no product module outside src/drivers/ imports @platformatic/kafka\'s values: a run loads only its driver\'s client', () => {
    expect(modulesMatching(/^import (?!type )[^;]*from '@platformatic\/kafka';/m, 'src/drivers/', ['src', 'workers'])).toEqual([]);
  });
});

/**
 * A comparison with a driver's name: `driver !== 'kafkajs'`, `'platformatic' === name`, `case 'kafkajs':`, and any
 * driver-named thing compared with a string literal.
 */
const DRIVER_NAME_COMPARISON = new RegExp([
  String.raw`driver\w*\s*[!=]==?\s*['"\x60]`,
  ...DRIVER_NAMES.flatMap((name) => [String.raw`['"\x60]${name}['"\x60]\s*[!=]==?`, String.raw`[!=]==?\s*['"\x60]${name}['"\x60]`, String.raw`case\s+['"\x60]${name}['"\x60]`]),
].join('|'), 'i');

describe('one description per driver', () => {
  it('no module outside src/drivers/ compares a driver with a name: it asks src/drivers/driver-registry.ts what the driver can do', () => {
    expect(modulesMatching(DRIVER_NAME_COMPARISON, 'src/drivers/', ['src', 'workers'])).toEqual([]);
  });

  it('knows such a comparison when it sees one', () => {
    const seen = ['if (config.driver !== \'kafkajs\') return', 'c.driver && c.driver !== "kafkajs"', 'return driver === \'kafkajs\' ? a : b',
      'if (\'platformatic\' === choice)', '    case \'platformatic\':'];
    expect(seen.filter((line) => !DRIVER_NAME_COMPARISON.test(line))).toEqual([]);
    const asked = ['driver === DEFAULT_DRIVER ? undefined : note', 'if (!driverOf(flags.driver).transactions)', 'a kafkajs producer'];
    expect(asked.filter((line) => DRIVER_NAME_COMPARISON.test(line))).toEqual([]);
  });
});

describe('the house\'s layers', () => {
  it('nothing below the CLI imports src/cli/: the CLI parses and prints, the rooms below it never call back up', () => {
    expect(modulesMatching(/from '(\.\.\/)+(src\/)?cli\//m, 'src/cli/', ['src', 'workers'])).toEqual([]);
  });
});

/** The folders' floors, top first, as ARCHITECTURE.md draws them in its `floors` block: folders on one line share a floor. */
function floorsOfArchitecture(): Map<string, number> {
  const text = readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8');
  const block = /```floors\n([\s\S]*?)```/.exec(text);
  if (!block) throw new Error('ARCHITECTURE.md has no ```floors block');
  const floors = new Map<string, number>();
  block[1].trim().split('\n').forEach((line, floor) => {
    for (const folder of line.replace(/#.*/, '').trim().split(/\s+/)) floors.set(folder, floor);
  });
  return floors;
}

/** The folder a module of src/ or workers/ lives in: src/<folder>/... or workers. */
const folderOf = (path: string) => (path.startsWith('src/') ? path.split('/')[1] : path.split('/')[0]);

/** Every relative import of a module (values, types, re-exports and import()), as paths from the repository's root. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:^import|^export)[^;]*?from\s+'(\.[^']+)'|import\(\s*'(\.[^']+)'\s*\)/gms)].map((m) => m[1] ?? m[2]);
  return specifiers.map((specifier) => relative(ROOT, join(file, '..', specifier)));
}

describe('the house\'s floors', () => {
  const floors = floorsOfArchitecture();
  const modules = ['src', 'workers'].flatMap((dir) => sources(join(ROOT, dir))).map((file) => relative(ROOT, file));

  it('names every folder of src/ (and workers/) once', () => {
    const folders = [...new Set(modules.map(folderOf))].sort();
    expect([...floors.keys()].sort()).toEqual(folders);
  });

  it('every import runs down a floor or stays in its folder (type-only imports too)', () => {
    const upward = modules.flatMap((module) => importsOf(join(ROOT, module))
      .filter((target) => target.startsWith('src/') || target.startsWith('workers/'))
      .filter((target) => folderOf(target) !== folderOf(module) && !(floors.get(folderOf(target))! > floors.get(folderOf(module))!))
      .map((target) => `${module} -> ${target}`));
    expect(upward).toEqual([]);
  });

  it('reads the imports this test judges by (a module with none would pass any order)', () => {
    expect(importsOf(join(ROOT, 'src/produce/meter.ts'))).toContain('src/shared/histograms.js');
  });
});
