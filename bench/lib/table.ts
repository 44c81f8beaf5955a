/**
 * Prints benchmark tables as aligned Markdown, so the same text goes to the terminal and to
 * docs/performance.md.
 */

export type Cell = string | number | null | undefined;

function text(cell: Cell): string {
  if (cell === null || cell === undefined) return '–';
  if (typeof cell === 'number') return Number.isNaN(cell) ? '–' : String(cell);
  return cell;
}

export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

/** "1.23x" with a check mark when the goal holds. */
export function verdict(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}
