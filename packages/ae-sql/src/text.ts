import { formatDate, formatDateTime } from "./datetime.ts";
import type { AeType } from "./types.ts";
import type { JsValue } from "./values.ts";

/**
 * How ClickHouse prints a Float64 as text: shortest round-trip digits (as JavaScript), `1e21`
 * without the `+`, and `nan`, `inf`, `-inf`.
 * @example formatFloat(1e21) // "1e21"
 */
export function formatFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  return String(x).replace("e+", "e");
}

/** The text ClickHouse gives a value of `type` (toString / TabSeparated, before escaping). */
export function valueText(type: AeType, value: JsValue): string {
  if (value === null) return "\\N";
  switch (type.kind) {
    case "Float64":
      return formatFloat(typeof value === "number" ? value : Number(value));
    case "DateTime":
      return formatDateTime(Number(value), type.tz);
    case "Date":
      return formatDate(Number(value));
    case "Bool":
      return Number(value) !== 0 ? "true" : "false";
    case "Array": {
      const items = Array.isArray(value) ? (value as readonly JsValue[]) : [];
      const element = type.element;
      return `[${items.map((item) => (element.kind === "String" || element.kind === "DateTime" || element.kind === "Date" ? `'${escapeQuoted(valueText(element, item))}'` : valueText(element, item))).join(",")}]`;
    }
    default:
      return String(value);
  }
}

function escapeQuoted(text: string): string {
  return text.replace(/[\\']/g, (c) => `\\${c}`);
}
