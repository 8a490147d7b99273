/**
 * The one status line a long run keeps redrawn at the bottom of a terminal (stderr, TTY only): other lines are
 * written above it, so it never mixes into them.
 */
export class ProgressLine {
  private shown = '';

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  show(text: string): void {
    this.shown = text;
    this.stream.write(`\r\x1b[K${text}`);
  }

  /** Writes a line (through `write`, to either stream) above the status line, then redraws it. */
  above(line: string, write: (line: string) => void): void {
    this.clear();
    write(line);
    if (this.shown) this.stream.write(this.shown);
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
  }
}
