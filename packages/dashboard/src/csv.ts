/** CSV (RFC 4180) of a breakdown's rows, for the export buttons. */

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : String(value);
  // Quote what would break a row, and what a spreadsheet would run as a formula (CSV injection).
  const guarded = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\r\n]/.test(guarded) || guarded !== text ? `"${guarded.replaceAll('"', '""')}"` : guarded;
}

/** The CSV text of `rows` with `columns` (in order) as the header line; lines end in CRLF. */
export function toCsv(columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  return [columns.map(cell).join(","), ...rows.map((row) => columns.map((column) => cell(row[column])).join(","))].join("\r\n") + "\r\n";
}

/** A file name for a breakdown's export: `referrers-2026-11-29-to-2026-12-05.csv`. */
export function csvFileName(name: string, firstDay: string, lastDay: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  return `${slug}-${firstDay}-to-${lastDay}.csv`;
}
