import { type ComponentChildren, h } from "preact";
import { useState } from "preact/hooks";
import { csvFileName, toCsv } from "./csv.ts";
import { formatInstant } from "./format.ts";
import type { AnswerMeta } from "./graphql.ts";
import type { Part } from "./use-document.ts";

/** A titled region of the dashboard (a landmark for screen readers, a target for screenshots). */
export function Panel(props: { id: string; title: string; actions?: ComponentChildren; footer?: ComponentChildren; wide?: boolean; children?: ComponentChildren }) {
  const headingId = `${props.id}-title`;
  return h(
    "section",
    { id: props.id, class: props.wide ? "panel wide" : "panel", "aria-labelledby": headingId },
    h("header", { class: "panel-head" }, h("h2", { id: headingId }, props.title), props.actions ? h("div", { class: "panel-actions" }, props.actions) : null),
    props.children,
    props.footer ?? null,
  );
}

/** Loading and error states in words; undefined once there is data to show. */
export function stateText(part: Part<unknown>): ComponentChildren | undefined {
  if (part.status === "loading") return h("p", { class: "state", role: "status" }, "Loading…");
  if (part.status === "error") {
    return h(
      "p",
      { class: "state error", role: "alert" },
      `Could not load this panel: ${part.message} `,
      part.retry ? h("button", { type: "button", class: "link-button", onClick: part.retry }, "Try again") : null,
    );
  }
  return undefined;
}

const TIER_NAMES: Record<string, string> = { mart: "dbt marts", raw: "raw files", realtime: "Analytics Engine" };

/** One line on where an answer came from and how fresh it is (the answer's `extensions.meta`). */
export function Freshness(props: { meta: AnswerMeta | undefined }) {
  const { meta } = props;
  if (!meta) return null;
  const tiers = [...new Set((meta.tiers ?? []).map((tier) => TIER_NAMES[tier.tier] ?? tier.tier))];
  const freshness = meta.freshness;
  const parts = [
    tiers.length > 0 ? `from ${tiers.join(" + ")}` : "no data read",
    freshness?.mart_built_at ? `marts built ${formatInstant(freshness.mart_built_at)}` : "marts not built yet (dbt has not run)",
    `raw through ${formatInstant(freshness?.raw_through)}`,
    ...(freshness?.realtime_through ? [`realtime through ${formatInstant(freshness.realtime_through)}`] : []),
    ...(meta.cached ? ["cached"] : []),
  ];
  return h("p", { class: "freshness", title: (meta.notes ?? []).join("\n") || undefined, "data-tiers": (meta.tiers ?? []).map((tier) => tier.tier).join(",") }, parts.join(" · "));
}

/** A column of a table: how to read and show one field of a row. */
export interface Column {
  key: string;
  label: string;
  format?: (value: unknown, row: Record<string, unknown>) => string;
  numeric?: boolean;
  /** Draws the value as a bar behind the row's first cell (relative to the largest). */
  bar?: boolean;
  /** Left out on narrow screens, so a phone reads the table without scrolling sideways. */
  optional?: boolean;
}

function cellClass(column: Column): string | undefined {
  return [column.numeric ? "num" : "", column.optional ? "optional" : ""].filter(Boolean).join(" ") || undefined;
}

/** Starts a download of `text` as `name` (CSV export). */
function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The CSV export button of a table. */
export function CsvButton(props: { name: string; columns: readonly Column[]; rows: ReadonlyArray<Record<string, unknown>>; range: { firstDay: string; lastDay: string } }) {
  return h(
    "button",
    {
      type: "button",
      class: "link-button",
      disabled: props.rows.length === 0,
      "aria-label": `Export ${props.name} as CSV`,
      onClick: () => download(csvFileName(props.name, props.range.firstDay, props.range.lastDay), toCsv(props.columns.map((c) => c.key), props.rows)),
    },
    "CSV",
  );
}

/**
 * Rows as a table. With `onSelect`, the first cell is a button that filters the dashboard by the
 * row (keyboard: Tab to it, Enter). Shows the first `visible` rows, the rest behind "Show all".
 */
export function DataTable(props: {
  caption: string;
  columns: readonly Column[];
  rows: ReadonlyArray<Record<string, unknown>>;
  onSelect?: (row: Record<string, unknown>) => void;
  selectLabel?: (row: Record<string, unknown>) => string;
  /** The row already chosen (the active filter, the event shown): its button reads as pressed. */
  isSelected?: (row: Record<string, unknown>) => boolean;
  visible?: number;
}) {
  const [expanded, setExpanded] = useState(false);
  const visible = props.visible ?? 10;
  const shown = expanded ? props.rows : props.rows.slice(0, visible);
  const barColumn = props.columns.find((column) => column.bar);
  const max = barColumn ? Math.max(0, ...props.rows.map((row) => Number(row[barColumn.key]) || 0)) : 0;
  const [first, ...rest] = props.columns;
  if (!first) return null;
  const text = (column: Column, row: Record<string, unknown>) => (column.format ? column.format(row[column.key], row) : String(row[column.key] ?? "–"));
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: `cols-${Math.min(5, props.columns.filter((column) => !column.optional).length)}` },
      h("caption", { class: "visually-hidden" }, props.caption),
      h("thead", null, h("tr", null, props.columns.map((column) => h("th", { scope: "col", class: cellClass(column) }, column.label)))),
      h(
        "tbody",
        null,
        shown.map((row) => {
          const share = barColumn && max > 0 ? (Number(row[barColumn.key]) || 0) / max : 0;
          const label = text(first, row);
          return h(
            "tr",
            null,
            h(
              "th",
              { scope: "row", class: "label-cell" },
              // The bar's width is set through the CSSOM (style object), which CSP's style-src allows.
              barColumn ? h("span", { class: "bar", style: { width: `${(share * 100).toFixed(1)}%` }, "aria-hidden": "true" }) : null,
              props.onSelect
                ? h(
                    "button",
                    { type: "button", class: "row-button", title: props.selectLabel?.(row), "aria-label": props.selectLabel?.(row), "aria-pressed": props.isSelected ? props.isSelected(row) : undefined, onClick: () => props.onSelect?.(row) },
                    label,
                  )
                : h("span", { class: "row-label", title: label }, label),
            ),
            rest.map((column) => h("td", { class: cellClass(column), "data-value": String(row[column.key] ?? "") }, text(column, row))),
          );
        }),
      ),
    ),
    props.rows.length > visible
      ? h("button", { type: "button", class: "link-button", "aria-expanded": expanded, onClick: () => setExpanded(!expanded) }, expanded ? "Show fewer" : `Show all ${props.rows.length}`)
      : null,
  );
}
