import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceCommit } from '../../src/bench/source-commit.js';

/** A checkout of one commit, made at a known time. */
function checkout(): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'datastorm-commit-'));
  const git = (...args: string[]) => execFileSync('git', args, {
    cwd: dir, encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com',
      GIT_AUTHOR_DATE: '2026-03-01T08:00:00+00:00', GIT_COMMITTER_DATE: '2026-03-02T10:30:00+00:00' },
  }).trim();
  git('init', '-q');
  writeFileSync(join(dir, 'a.txt'), 'a\n');
  git('add', 'a.txt');
  git('commit', '-q', '-m', 'a');
  return { dir, sha: git('rev-parse', 'HEAD') };
}

describe('the commit a benchmark runs in', () => {
  it('is the checkout\'s HEAD, with its committer\'s time', () => {
    const { dir, sha } = checkout();
    expect(sourceCommit({}, dir)).toEqual({ sha, committedAt: '2026-03-02T10:30:00+00:00' });
  });

  it('is GITHUB_SHA when set, with its time when the checkout has it', () => {
    const { dir, sha } = checkout();
    expect(sourceCommit({ GITHUB_SHA: sha }, dir)).toEqual({ sha, committedAt: '2026-03-02T10:30:00+00:00' });
    expect(sourceCommit({ GITHUB_SHA: 'f'.repeat(40) }, dir)).toEqual({ sha: 'f'.repeat(40) });
  });

  it('is none outside a checkout without GITHUB_SHA', () => {
    const outside = mkdtempSync(join(tmpdir(), 'datastorm-commit-'));
    expect(sourceCommit({}, outside)).toBeUndefined();
    expect(sourceCommit({ GITHUB_SHA: 'abc123' }, outside)).toEqual({ sha: 'abc123' });
  });
});
