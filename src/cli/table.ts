/** A cell on one line: control characters (a newline in a name) would break the columns. */
// eslint-disable-next-line no-control-regex
const oneLine = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ');

/**
 * Rows as aligned columns under a header, for a person (`--json` is for programs): no quotes, no
 * index column; an empty cell shows as `-`.
 */
export function formatTable(header: string[], rows: string[][]): string {
  const cells = [header, ...rows.map((row) => row.map((cell) => (cell === '' ? '-' : oneLine(cell))))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)));
  return cells
    .map((row) =>
      row.map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  '),
    )
    .join('\n');
}

/** An ISO timestamp as `YYYY-MM-DD HH:MM:SS UTC`, or `-` for none. */
export const formatTime = (iso: string | null): string =>
  iso === null ? '-' : iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
