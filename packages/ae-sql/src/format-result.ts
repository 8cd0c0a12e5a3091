import type { AeFormat } from "./ast.ts";
import { formatDate, formatDateTime } from "./datetime.ts";
import type { AeResult } from "./execute.ts";
import { formatFloat, valueText } from "./text.ts";
import { type AeType, is64BitInteger } from "./types.ts";
import type { JsValue } from "./values.ts";

/** A response body and its content type. */
export interface FormattedResult {
  readonly contentType: string;
  readonly body: string;
}

/**
 * JSON string escaping as ClickHouse writes it: `/` as `\/`, control characters, and U+2028 /
 * U+2029 (which break some JavaScript parsers) escaped.
 */
export function jsonString(text: string): string {
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (c === '"') out += '\\"';
    else if (c === "\\") out += "\\\\";
    else if (c === "/") out += "\\/";
    else if (c === "\b") out += "\\b";
    else if (c === "\f") out += "\\f";
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x2028 || code === 0x2029) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `${out}"`;
}

/**
 * A value in ClickHouse's JSON formats: 64-bit integers as strings
 * (output_format_json_quote_64bit_integers), nan/inf as null, DateTime as a string.
 */
export function jsonValue(type: AeType, value: JsValue): string {
  if (value === null) return "null";
  switch (type.kind) {
    case "String":
      return jsonString(String(value));
    case "Float64": {
      const x = typeof value === "number" ? value : Number(value);
      return Number.isFinite(x) ? formatFloat(x) : "null";
    }
    case "UInt":
    case "Int":
      return is64BitInteger(type) ? `"${String(value)}"` : String(value);
    case "Bool":
      return Number(value) !== 0 ? "true" : "false";
    case "DateTime":
      return jsonString(formatDateTime(Number(value), type.tz));
    case "Date":
      return jsonString(formatDate(Number(value)));
    case "Array":
      return `[${(Array.isArray(value) ? (value as readonly JsValue[]) : []).map((v) => jsonValue(type.element, v)).join(",")}]`;
    case "Interval":
      return `"${String(value)}"`;
  }
}

// TabSeparated escaping (ClickHouse writeEscapedString).
const TSV_ESCAPES: Readonly<Record<string, string>> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\0": "\\0", "'": "\\'" };

function tsvValue(type: AeType, value: JsValue): string {
  const text = valueText(type, value);
  return type.kind === "String" && value !== null ? text.replace(/[\\\t\n\r\b\f\0']/g, (c) => TSV_ESCAPES[c] ?? c) : text;
}

/**
 * Writes a result in one of the SQL API's formats: JSON (ClickHouse's layout, without the
 * `statistics` block), JSONEachRow (one object per line), TabSeparated (no header).
 */
export function formatResult(result: AeResult, format: AeFormat): FormattedResult {
  const { meta, types, data } = result;
  if (format === "JSONEachRow") {
    const body = data.map((row) => `{${row.map((v, i) => `${jsonString(meta[i]?.name ?? "")}:${jsonValue(types[i] as AeType, v)}`).join(",")}}\n`).join("");
    return { contentType: "application/x-ndjson; charset=UTF-8", body };
  }
  if (format === "TabSeparated") {
    const body = data.map((row) => `${row.map((v, i) => tsvValue(types[i] as AeType, v)).join("\t")}\n`).join("");
    return { contentType: "text/tab-separated-values; charset=UTF-8", body };
  }
  const metaText = meta.map((m) => `\t\t{\n\t\t\t"name": ${jsonString(m.name)},\n\t\t\t"type": ${jsonString(m.type)}\n\t\t}`).join(",\n");
  const dataText = data.map((row) => `\t\t{\n${row.map((v, i) => `\t\t\t${jsonString(meta[i]?.name ?? "")}: ${jsonValue(types[i] as AeType, v)}`).join(",\n")}\n\t\t}`).join(",\n");
  const parts = [`\t"meta":\n\t[\n${metaText}\n\t]`, `\t"data":\n\t[\n${dataText}${data.length === 0 ? "" : "\n"}\t]`, `\t"rows": ${result.rows}`];
  if (result.rowsBeforeLimitAtLeast !== undefined) parts.push(`\t"rows_before_limit_at_least": ${result.rowsBeforeLimitAtLeast}`);
  return { contentType: "application/json; charset=UTF-8", body: `{\n${parts.join(",\n\n")}\n}\n` };
}
