/** How often the status line is redrawn at most: often enough to look live, rarely enough to cost nothing. */
const REDRAW_MS = 250;

/**
 * The one status line a long run keeps redrawn at the bottom of a terminal (stderr). Other lines go through
 * `print`, above it, so they never mix. Off a terminal (piped, CI) there is no status line and `print` just writes.
 */
export class ProgressLine {
  private shown = '';
  private drawnAtMs = 0;

  constructor(private readonly enabled = Boolean(process.stderr.isTTY), private readonly stream: NodeJS.WriteStream = process.stderr) {}

  show(text: string): void {
    if (!this.enabled || Date.now() - this.drawnAtMs < REDRAW_MS) return;
    this.drawnAtMs = Date.now();
    this.shown = text;
    this.stream.write(`\r\x1b[K${text}`);
  }

  /** Writes a line (through `write`, to either stream) above the status line, then redraws it. */
  print(line: string, write: (line: string) => void): void {
    this.clear();
    write(line);
    if (this.shown) this.stream.write(this.shown);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
  }
}

/** Elapsed time as a long run's progress lines give it: `12:07` (minutes:seconds). */
export const formatClock = (ms: number): string => `${Math.floor(ms / 60_000)}:${String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0')}`;
