import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataStormError } from '../shared/errors.js';

/** A Java installation: its home and its feature release (21 of 21.0.5). */
export interface Jdk {
  home: string;
  release: number;
}

/** Where the machine's JDKs are installed (Debian's and Temurin's packages, and SDKMAN-style folders alike). */
const JDK_FOLDERS = ['/usr/lib/jvm'];

/**
 * The feature release of the Java at `home`: its `release` file's JAVA_VERSION ("25.0.3"; "1.8.0_402" is 8), else
 * what `java -version` prints; undefined when it has no java.
 */
export function jdkRelease(home: string): number | undefined {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return undefined;
  const releaseFile = join(home, 'release');
  const text = existsSync(releaseFile)
    ? readFileSync(releaseFile, 'utf8')
    : spawnSync(java, ['-version'], { encoding: 'utf8' }).stderr ?? '';
  const version = /(?:JAVA_VERSION=|version )"([\d._]+)/.exec(text)?.[1];
  if (!version) return undefined;
  const [first, second] = version.split('.').map(Number);
  return first === 1 ? second : first;
}

/**
 * A Java of release `minimum` or newer: JAVA_HOME when it is one, else the newest under the machine's JDK folders.
 * None is one line naming what was looked at and what was found.
 */
export function findJdk(minimum: number, purpose: string, folders = JDK_FOLDERS): Jdk {
  const candidates: string[] = [];
  if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  for (const folder of folders) {
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder).sort()) candidates.push(join(folder, name));
  }
  const found = candidates.map((home) => ({ home, release: jdkRelease(home) }));
  const fromEnv = process.env.JAVA_HOME ? found[0] : undefined;
  if (fromEnv?.release !== undefined && fromEnv.release >= minimum) return fromEnv as Jdk;
  const newest = found.filter((jdk): jdk is Jdk => jdk.release !== undefined && jdk.release >= minimum).sort((a, b) => b.release - a.release)[0];
  if (newest) return newest;
  const seen = [...new Set(found.filter((jdk) => jdk.release !== undefined).map((jdk) => `Java ${jdk.release} at ${jdk.home}`))];
  throw new DataStormError('DS_NO_JAVA', `${purpose} needs Java ${minimum} or newer; ${seen.length ? `found only ${seen.join(', ')}` : `none found in JAVA_HOME or ${folders.join(', ')}`}`, {
    hint: `install a JDK ${minimum}+ (e.g. Temurin ${minimum}) and set JAVA_HOME to it`,
  });
}
