import { accessSync, constants, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataStormError } from '../shared/errors.js';
import { makeFolder } from '../shared/paths.js';

/**
 * Checks, before any work starts, that an output the user named can be written: a file (its folder is made if
 * missing) or a folder. A run of minutes must not end in "cannot write" with its results lost.
 */
export function writablePath(path: string, flag: string, kind: 'file' | 'folder'): string {
  const target = resolve(path);
  const folder = kind === 'folder' ? target : dirname(target);
  try {
    if (kind === 'file' && existsSync(target) && statSync(target).isDirectory()) {
      throw Object.assign(new Error(), { code: 'EISDIR' });
    }
    makeFolder(folder);
    // Writing is the only check that holds everywhere (permissions, read-only mounts, /proc): a probe file.
    const probe = join(folder, `.datastorm-write-check-${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe);
    if (kind === 'file' && existsSync(target)) accessSync(target, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataStormError('DS_BAD_OUTPUT', `${flag} ${path}: cannot write ${kind === 'file' ? 'this file' : 'into this folder'} (${code})`, {
      hint: `give a ${kind} where you can write`,
    });
  }
  return target;
}
