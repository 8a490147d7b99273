import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { DataStormError } from './errors.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found from this file whether it runs compiled (dist/src) or as TypeScript (src). */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/**
 * Makes a folder and its missing parents one level at a time: Node 20's mkdirSync(..., { recursive: true })
 * never returns for a path under /proc (`sweep --out /proc/nope` hung).
 */
export function makeFolder(folder: string): void {
  if (existsSync(folder)) {
    if (!statSync(folder).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    return;
  }
  const parent = dirname(folder);
  if (parent === folder) throw Object.assign(new Error(), { code: 'ENOENT' });
  makeFolder(parent);
  mkdirSync(folder);
}

/** Writes files (name, content) into a folder, made if missing; returns the paths written. A folder that cannot be made is DS_BAD_OUTPUT. */
export function writeFilesInto(dir: string, files: Array<[string, string]>): string[] {
  try {
    makeFolder(dir);
  } catch (error) {
    throw new DataStormError('DS_BAD_OUTPUT', `cannot create ${dir}: ${(error as NodeJS.ErrnoException).code}`);
  }
  return files.map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  });
}
