import { spawnSync } from 'node:child_process';

/**
 * The commit a benchmark measured: `bench history` orders results by it (its committer's time), so a run made
 * again on an older commit lands where that commit stands, not at the end.
 */
export interface SourceCommit {
  sha: string;
  /** The committer's time (ISO 8601), when git could read the commit. */
  committedAt?: string;
}

/** One line git prints in `cwd`, or undefined where there is no git, no checkout or no such commit. */
function gitLine(args: string[], cwd: string): string | undefined {
  const run = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  const line = run.status === 0 ? run.stdout.trim() : '';
  return line === '' ? undefined : line;
}

/**
 * The commit the benchmark runs in: GitHub Actions' GITHUB_SHA when set (the commit the job is for), else the
 * checkout's HEAD in `cwd`; undefined outside a checkout without GITHUB_SHA.
 */
export function sourceCommit(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): SourceCommit | undefined {
  const sha = env.GITHUB_SHA?.trim() || gitLine(['rev-parse', '--verify', 'HEAD'], cwd);
  if (sha === undefined) return undefined;
  const committedAt = gitLine(['show', '-s', '--format=%cI', `${sha}^{commit}`], cwd);
  return { sha, ...(committedAt ? { committedAt } : {}) };
}
