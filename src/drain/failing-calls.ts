/** How long no call may succeed before drain says so, and how often it says it again while none does. */
export const FAILING_NOTICE_MS = 3000;
export const FAILING_REPEAT_MS = 15_000;

/** Calls failing with none succeeding in between: for how long, how many, and what they failed with. */
export interface FailingCalls {
  failingMs: number;
  calls: number;
  /** Per status, and per network error code. */
  outcomes: Record<string, number>;
}

/**
 * Watches drain's calls for a sink that keeps failing (a drain retries a call until it succeeds, so it would
 * otherwise go on without a word): once no call succeeded for FAILING_NOTICE_MS, that is said, again every
 * FAILING_REPEAT_MS while it lasts, and the first success after it too.
 */
export class FailingCallsWatch {
  private sinceMs: number | undefined;
  private calls = 0;
  private outcomes: Record<string, number> = {};
  private saidAtMs: number | undefined;

  /** A call failed with `outcome` (a status or an error code); the failing calls to say, when it is time to. */
  failed(outcome: string, nowMs: number): FailingCalls | undefined {
    this.sinceMs ??= nowMs;
    this.calls += 1;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    const failingMs = nowMs - this.sinceMs;
    if (failingMs < FAILING_NOTICE_MS || (this.saidAtMs !== undefined && nowMs - this.saidAtMs < FAILING_REPEAT_MS)) return undefined;
    this.saidAtMs = nowMs;
    return { failingMs, calls: this.calls, outcomes: { ...this.outcomes } };
  }

  /** A call succeeded: how long calls had failed before it, when that was said; else undefined. */
  succeeded(nowMs: number): number | undefined {
    const failedMs = this.saidAtMs === undefined || this.sinceMs === undefined ? undefined : nowMs - this.sinceMs;
    this.sinceMs = undefined;
    this.calls = 0;
    this.outcomes = {};
    this.saidAtMs = undefined;
    return failedMs;
  }
}
