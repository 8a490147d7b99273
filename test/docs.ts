import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a user reads: the README and the pages under docs/, by their paths from the project's root. */
export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DOC_FILES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((file) => file.endsWith('.md')).sort().map((file) => `docs/${file}`)];
export const readDoc = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

export interface Example { file: string; line: string }

/**
 * Every command line a page shows that `command` matches the start of (`datastorm`, or a script of benchmarks/): each
 * line of a fenced block that does (continued by a trailing `\`, without a `$ ` prompt or `npx`), and each inline code span
 * that does. A pipe into another program and a redirection of the output are left out: only the command's own
 * arguments are examples.
 */
export function docExamples(command: RegExp): Example[] {
  return DOC_FILES.flatMap((file) => {
    const text = readDoc(file);
    const fenced = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].flatMap(([, block]) => block.replace(/\\\n\s*/g, ' ').split('\n'));
    const spans = [...text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '').matchAll(/`([^`]+)`/g)].map(([, span]) => span.replace(/\s*\n\s*/g, ' '));
    return [...fenced, ...spans]
      .map((line) => line.trim().replace(/^\$ /, '').replace(/^npx /, '').replace(/ \| .*$/, '').replace(/\s+>\s*\S+/, ''))
      .filter((line) => command.test(line))
      .map((line) => ({ file, line }));
  });
}

/**
 * The argv a shell gives `program` for each time a command line runs it (a real sh, so quotes, variables and
 * $((...)) count); the other programs it names are not run. In a scratch folder: an example's `> result.json` must
 * not write into the checkout.
 */
export function shellArgv(program: string, line: string, env: Record<string, string> = {}): { status: number | null; stderr: string; argvs: string[][] } {
  const scratch = mkdtempSync(join(tmpdir(), 'datastorm-example-'));
  try {
    // The arguments go to file descriptor 3, so that an example's redirection of its output does not take them.
    const script = `${program}() { printf '%s\\0' "$@" >&3; printf '\\n' >&3; }\n${line}`;
    const out = spawnSync('sh', ['-c', script], { encoding: 'utf8', cwd: scratch, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    const argvs = String(out.output[3] ?? '').split('\n').filter(Boolean).map((argv) => argv.split('\0').filter(Boolean));
    return { status: out.status, stderr: out.stderr, argvs };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The library example (marked `<!-- library-example: ... -->` before its js block): exactly one, in the README or docs/. */
export function libraryExample(): { file: string; code: string } {
  const found = DOC_FILES.flatMap((file) => [...readDoc(file).matchAll(/<!-- library-example:[^>]*-->\n```js\n([\s\S]*?)```/g)].map(([, code]) => ({ file, code })));
  if (found.length !== 1) throw new Error(`${found.length} library examples in ${DOC_FILES.join(', ')}: expected exactly one`);
  return found[0];
}
