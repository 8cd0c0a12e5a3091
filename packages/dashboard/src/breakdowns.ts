import { h } from "preact";
import { type FilterField, FILTER_LABELS, type Filters } from "./filters.ts";
import { formatCount, formatPercent } from "./format.ts";
import type { TimeRange } from "./time-range.ts";
import { type Column, CsvButton, DataTable, Freshness, Panel, stateText } from "./ui.ts";
import { partOf, useDocument } from "./use-document.ts";

/** Rows fetched per breakdown: ten shown, the rest behind "Show all" and in the CSV. */
const ROWS = 100;

/** One breakdown: the field it groups by (and filters on), where it comes from, its columns. */
interface Breakdown {
  id: string;
  title: string;
  field: FilterField;
  /** `sessions`: grouped by each session's first page view (entry pages). */
  source: "page_views" | "sessions";
}

export const BREAKDOWNS: readonly Breakdown[] = [
  { id: "pages", title: "Top pages", field: "page_url", source: "page_views" },
  { id: "entry_pages", title: "Entry pages", field: "page_url", source: "sessions" },
  { id: "referrers", title: "Referrers", field: "referrer", source: "page_views" },
  { id: "utm_source", title: "UTM sources", field: "utm_source", source: "page_views" },
  { id: "utm_medium", title: "UTM media", field: "utm_medium", source: "page_views" },
  { id: "utm_campaign", title: "UTM campaigns", field: "utm_campaign", source: "page_views" },
  { id: "countries", title: "Countries", field: "country", source: "page_views" },
  { id: "browsers", title: "Browsers", field: "browser", source: "page_views" },
  { id: "os", title: "Operating systems", field: "os", source: "page_views" },
  { id: "devices", title: "Devices", field: "device_type", source: "page_views" },
  { id: "channels", title: "Channels", field: "channel", source: "page_views" },
];

/**
 * A breakdown's document: one question each, because an error in one field of a document (a
 * question over the API's budget) leaves the whole document without data (its fields are non-null).
 */
export function breakdownQuery(breakdown: Breakdown): string {
  const field =
    breakdown.source === "sessions"
      ? `${breakdown.id}: sessions(groupBy: ["${breakdown.field}"], timeRange: $range, timezone: $timezone, filter: $filter, orderBy: [{ field: "sessions" }], limit: ${ROWS}) { ${breakdown.field} sessions bounce_rate }`
      : `${breakdown.id}: query(metrics: ["visitors", "page_views"], dimensions: ["${breakdown.field}"], timeRange: $range, timezone: $timezone, filter: $filter, orderBy: [{ field: "page_views" }], limit: ${ROWS}) { rows total_rows }`;
  return `query Breakdown($range: TimeRange!, $timezone: String!, $filter: JSON) { analytics { ${field} } }`;
}

/** How a value reads in a row: paths without the origin, referrers by host, "(none)" when unset. */
export function displayValue(field: FilterField, value: unknown): string {
  if (value === null || value === undefined || value === "") return field === "referrer" ? "(direct / none)" : "(none)";
  const text = String(value);
  if (field === "page_url" || field === "referrer") {
    try {
      const url = new URL(text);
      return field === "page_url" ? `${url.pathname}${url.search}` : `${url.host}${url.pathname === "/" ? "" : url.pathname}`;
    } catch {
      return text;
    }
  }
  return text;
}

function columnsOf(breakdown: Breakdown): Column[] {
  const label: Column = { key: breakdown.field, label: FILTER_LABELS[breakdown.field], format: (value) => displayValue(breakdown.field, value) };
  if (breakdown.source === "sessions") {
    return [label, { key: "sessions", label: "Sessions", numeric: true, bar: true, format: (v) => formatCount(Number(v)) }, { key: "bounce_rate", label: "Bounce", numeric: true, format: (v) => formatPercent(Number(v)) }];
  }
  return [label, { key: "visitors", label: "Visitors", numeric: true, format: (v) => formatCount(Number(v)) }, { key: "page_views", label: "Views", numeric: true, bar: true, format: (v) => formatCount(Number(v)) }];
}

/** Variables every breakdown's document takes. */
export interface BreakdownVariables {
  range: { start: string; end: string };
  timezone: string;
  filter: Record<string, unknown> | null;
}

/** One breakdown as a panel; a row's button filters the whole dashboard by its value. */
function BreakdownPanel(props: {
  apiKey: string;
  breakdown: Breakdown;
  variables: BreakdownVariables;
  range: TimeRange;
  filters: Filters;
  onFilter: (field: FilterField, value: string | null) => void;
  onKeyProblem: (message: string) => void;
}) {
  const { breakdown } = props;
  const filtered = breakdown.field in props.filters;
  const load = useDocument(props.apiKey, breakdownQuery(breakdown), { ...props.variables }, props.onKeyProblem);
  const part = partOf<Array<Record<string, unknown>> | { rows: Array<Record<string, unknown>>; total_rows: number }>(load, `analytics.${breakdown.id}`);
  const rows = part.status === "ok" ? (Array.isArray(part.data) ? part.data : part.data.rows) : [];
  const columns = columnsOf(breakdown);
  return h(
    Panel,
    {
      id: `breakdown-${breakdown.id}`,
      title: breakdown.title,
      actions: h(CsvButton, { name: breakdown.title, columns, rows, range: props.range }),
      footer: h(Freshness, { meta: part.status === "ok" ? part.meta : undefined }),
    },
    stateText(part) ??
      (rows.length === 0
        ? h("p", { class: "state" }, `No ${breakdown.title.toLowerCase()} in this range with these filters.`)
        : h(DataTable, {
            caption: breakdown.title,
            columns,
            rows,
            onSelect: (row) => {
              const value = row[breakdown.field];
              props.onFilter(breakdown.field, value === null || value === undefined || value === "" ? null : String(value));
            },
            selectLabel: (row) => `Filter by ${FILTER_LABELS[breakdown.field]} ${displayValue(breakdown.field, row[breakdown.field])}`,
            isSelected: (row) => filtered && (row[breakdown.field] ?? null) === (props.filters[breakdown.field] ?? null),
          })),
  );
}

/** Every breakdown, each a panel with its own document. */
export function BreakdownPanels(props: {
  apiKey: string;
  variables: BreakdownVariables;
  range: TimeRange;
  filters: Filters;
  onFilter: (field: FilterField, value: string | null) => void;
  onKeyProblem: (message: string) => void;
}) {
  return BREAKDOWNS.map((breakdown) => h(BreakdownPanel, { key: breakdown.id, breakdown, ...props }));
}
