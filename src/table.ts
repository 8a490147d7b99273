import Table from 'cli-table3';

/** A cli-table3 table, coloured only when stderr is a terminal (tables go to stderr; --json owns stdout). */
export function createTable(head: string[], options: { colAligns?: Array<'left' | 'right' | 'center'> } = {}): Table.Table {
  const colour = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  return new Table({
    head,
    colAligns: options.colAligns,
    style: colour ? undefined : { head: [], border: [] },
  });
}
