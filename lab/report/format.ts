/** Number formatting for report tables: a few significant digits, units in the column headers. */

/** `12.3`, `0.42`, `1234`: three significant digits below 100, integers above. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  const magnitude = Math.abs(value);
  if (magnitude >= 100 || Number.isInteger(value)) return Math.round(value).toString();
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** Bytes as MiB with one decimal. */
export function formatMiB(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

/** A Markdown table; cells are escaped for `|`. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const lines = [
    `| ${header.map(escapeCell).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeCell).join(' | ')} |`),
  ];
  return lines.join('\n');
}
