import Table from 'cli-table3';

/** Colour only when stderr is a terminal (tables go to stderr; --json owns stdout) and NO_COLOR is unset. */
export function terminalColour(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
}

/** A cli-table3 table; pass colour: false for output that must be the same bytes everywhere (tests, files). */
export function createTable(
  head: string[],
  options: { colAligns?: Array<'left' | 'right' | 'center'>; colour?: boolean } = {},
): Table.Table {
  // cli-table3 fails on an explicit `colAligns: undefined`: pass only what is set.
  return new Table({
    head,
    ...(options.colAligns ? { colAligns: options.colAligns } : {}),
    ...((options.colour ?? terminalColour()) ? {} : { style: { head: [], border: [] } }),
  });
}
