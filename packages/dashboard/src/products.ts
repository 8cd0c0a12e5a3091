import { h } from "preact";
import { useState } from "preact/hooks";
import { formatCount, formatDuration, formatMilliseconds, formatPercent, formatQuantity } from "./format.ts";
import type { TimeRange } from "./time-range.ts";
import { type Column, CsvButton, DataTable, Freshness, Panel, stateText } from "./ui.ts";
import { type Load, partOf, type Part, useDocument } from "./use-document.ts";

/**
 * The product panels' questions, one document each (an error in one would blank a shared document).
 * The filter holds only fields every event type has (country, browser, ...).
 */
const VARIABLES = "$range: TimeRange!, $timezone: String!, $filter: JSON";
/** videoEngagement and apiPerformance take no time zone (the range is exact instants anyway). */
const ZONELESS_VARIABLES = "$range: TimeRange!, $filter: JSON";
export const PRODUCT_QUERIES = {
  videos: `query Videos(${ZONELESS_VARIABLES}) { analytics { videos: videoEngagement(timeRange: $range, filter: $filter, limit: 100) { video_id plays completions completion_rate watch_time viewers } } }`,
  api: `query Api(${ZONELESS_VARIABLES}) { analytics { api: apiPerformance(timeRange: $range, filter: $filter, limit: 100) { method path requests errors error_rate latency_p50 latency_p95 latency_p99 } } }`,
  usage: `query Usage(${VARIABLES}) { analytics { usage: usage(timeRange: $range, timezone: $timezone, filter: $filter) { organization_id sku unit quantity usage_events } } }`,
  custom: `query CustomEvents(${VARIABLES}) { analytics { custom: query(metrics: ["events"], dimensions: ["name"], timeRange: $range, timezone: $timezone, filter: $filter, orderBy: [{ field: "events" }], limit: 100) { rows } } }`,
} as const;

/** A sample of one custom event's occurrences, to learn which property keys it carries. */
const PROPERTY_SAMPLE_QUERY = /* GraphQL */ `
query PropertySample($range: TimeRange!, $filter: JSON) {
  analytics { sample: events(type: custom, timeRange: $range, filter: $filter, first: 100) { nodes } }
}`;

/** Up to this many property keys of an event are broken down. */
const MAX_PROPERTY_KEYS = 6;
/** Keys the API accepts after `properties.` (README: letters, digits and `_ $ : - .`). */
const PROPERTY_KEY = /^[A-Za-z0-9_$:.-]{1,64}$/;

const PROPERTY_BREAKDOWN_QUERY = /* GraphQL */ `
query PropertyBreakdown($range: TimeRange!, $timezone: String!, $filter: JSON, ${Array.from({ length: MAX_PROPERTY_KEYS }, (_, i) => `$d${i}: [String!]!, $skip${i}: Boolean!`).join(", ")}) {
  analytics {
    ${Array.from({ length: MAX_PROPERTY_KEYS }, (_, i) => `p${i}: query(metrics: ["events"], dimensions: $d${i}, timeRange: $range, timezone: $timezone, filter: $filter, orderBy: [{ field: "events" }], limit: 50) @skip(if: $skip${i}) { rows }`).join("\n    ")}
  }
}`;

const VIDEO_COLUMNS: Column[] = [
  { key: "video_id", label: "Video" },
  { key: "plays", label: "Plays", numeric: true, bar: true, format: (v) => formatCount(Number(v)) },
  { key: "completion_rate", label: "Completed", numeric: true, format: (v) => formatPercent(Number(v)) },
  { key: "watch_time", label: "Watch time", numeric: true, format: (v) => formatDuration(Number(v)) },
  { key: "viewers", label: "Viewers", numeric: true, optional: true, format: (v) => formatCount(Number(v)) },
];
const API_COLUMNS: Column[] = [
  { key: "path", label: "Endpoint", format: (v, row) => `${String(row.method ?? "")} ${String(v ?? "")}` },
  { key: "requests", label: "Requests", numeric: true, bar: true, format: (v) => formatCount(Number(v)) },
  { key: "error_rate", label: "5xx", numeric: true, format: (v) => formatPercent(Number(v)) },
  { key: "latency_p50", label: "p50", numeric: true, optional: true, format: (v) => formatMilliseconds(Number(v)) },
  { key: "latency_p95", label: "p95", numeric: true, format: (v) => formatMilliseconds(Number(v)) },
  { key: "latency_p99", label: "p99", numeric: true, optional: true, format: (v) => formatMilliseconds(Number(v)) },
];
/** The CSV of API performance names the method in its own column. */
const API_CSV_COLUMNS: Column[] = [{ key: "method", label: "Method" }, ...API_COLUMNS, { key: "errors", label: "Errors" }];
const USAGE_COLUMNS: Column[] = [
  { key: "organization_id", label: "Organization" },
  { key: "sku", label: "SKU (unit)", format: (v, row) => (row.unit && row.unit !== v ? `${String(v ?? "")} (${String(row.unit)})` : String(v ?? "")) },
  { key: "quantity", label: "Quantity", numeric: true, bar: true, format: (v) => formatQuantity(Number(v)) },
  { key: "usage_events", label: "Reports", numeric: true, optional: true, format: (v) => formatCount(Number(v)) },
];
const USAGE_CSV_COLUMNS: Column[] = [...USAGE_COLUMNS, { key: "unit", label: "Unit" }];
const CUSTOM_COLUMNS: Column[] = [
  { key: "name", label: "Event" },
  { key: "events", label: "Events", numeric: true, bar: true, format: (v) => formatCount(Number(v)) },
];

type Rows = Array<Record<string, unknown>>;

function TablePanel(props: { id: string; title: string; load: Load; path: string; columns: Column[]; csvColumns?: Column[]; range: TimeRange; empty: string; note?: string }) {
  const part = rowsPart(props.load, props.path);
  const rows = part.status === "ok" ? part.data : [];
  return h(
    Panel,
    {
      id: props.id,
      title: props.title,
      actions: h(CsvButton, { name: props.title, columns: props.csvColumns ?? props.columns, rows, range: props.range }),
      footer: h(Freshness, { meta: part.status === "ok" ? part.meta : undefined }),
    },
    props.note ? h("p", { class: "note" }, props.note) : null,
    stateText(part) ?? (rows.length === 0 ? h("p", { class: "state" }, props.empty) : h(DataTable, { caption: props.title, columns: props.columns, rows })),
  );
}

function rowsPart(load: Load, path: string): Part<Rows> {
  const part = partOf<Rows | { rows: Rows }>(load, path);
  return part.status === "ok" ? { ...part, data: Array.isArray(part.data) ? part.data : part.data.rows } : part;
}

/** Property keys seen in a sample of events, most frequent first. */
export function propertyKeys(nodes: ReadonlyArray<Record<string, unknown>>): string[] {
  const counts = new Map<string, number>();
  for (const node of nodes) {
    const properties = node.properties;
    if (!properties || typeof properties !== "object") continue;
    for (const key of Object.keys(properties)) if (PROPERTY_KEY.test(key)) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key]) => key).slice(0, MAX_PROPERTY_KEYS);
}

/** The properties of one custom event: which keys it carries and how often each value occurs. */
function CustomEventProperties(props: { apiKey: string; name: string; range: TimeRange; timezone: string; filter: Record<string, unknown> | null; onKeyProblem: (message: string) => void }) {
  const filter = { ...(props.filter ?? {}), name: { eq: props.name } };
  const sample = useDocument(props.apiKey, PROPERTY_SAMPLE_QUERY, { range: { start: props.range.start, end: props.range.end }, filter }, props.onKeyProblem);
  const samplePart = partOf<{ nodes: Rows }>(sample, "analytics.sample");
  const keys = samplePart.status === "ok" ? propertyKeys(samplePart.data.nodes) : [];
  const variables: Record<string, unknown> = { range: { start: props.range.start, end: props.range.end }, timezone: props.timezone, filter };
  for (let i = 0; i < MAX_PROPERTY_KEYS; i += 1) {
    const key = keys[i];
    variables[`d${i}`] = [`properties.${key ?? "none"}`];
    variables[`skip${i}`] = key === undefined;
  }
  const breakdown = useDocument(props.apiKey, keys.length > 0 ? PROPERTY_BREAKDOWN_QUERY : null, variables, props.onKeyProblem);
  if (samplePart.status !== "ok") return stateText(samplePart) ?? null;
  if (keys.length === 0) return h("p", { class: "state" }, `“${props.name}” carries no properties.`);
  return h(
    "div",
    { class: "properties", id: "custom-event-properties" },
    h("h3", null, `Properties of “${props.name}”`),
    keys.map((key, i) => {
      const part = rowsPart(breakdown, `analytics.p${i}`);
      const dimension = `properties.${key}`;
      const columns: Column[] = [
        { key: dimension, label: key, format: (v) => (v === null || v === undefined ? "(not set)" : String(v)) },
        { key: "events", label: "Events", numeric: true, bar: true, format: (v) => formatCount(Number(v)) },
      ];
      const rows = part.status === "ok" ? part.data : [];
      return h(
        "div",
        { class: "property" },
        h("div", { class: "panel-head" }, h("h4", null, key), h(CsvButton, { name: `${props.name} ${key}`, columns, rows, range: props.range })),
        stateText(part) ?? h(DataTable, { caption: `${props.name}: ${key}`, columns, rows, visible: 5 }),
      );
    }),
  );
}

export function ProductPanels(props: {
  apiKey: string;
  range: TimeRange;
  timezone: string;
  filter: Record<string, unknown> | null;
  /** Filters the product panels cannot apply (fields only page views have). */
  skippedFilters: readonly string[];
  onKeyProblem: (message: string) => void;
}) {
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const variables = { range: { start: props.range.start, end: props.range.end }, timezone: props.timezone, filter: props.filter };
  const zoneless = { range: variables.range, filter: variables.filter };
  const videos = useDocument(props.apiKey, PRODUCT_QUERIES.videos, zoneless, props.onKeyProblem);
  const api = useDocument(props.apiKey, PRODUCT_QUERIES.api, zoneless, props.onKeyProblem);
  const usage = useDocument(props.apiKey, PRODUCT_QUERIES.usage, variables, props.onKeyProblem);
  const customLoad = useDocument(props.apiKey, PRODUCT_QUERIES.custom, variables, props.onKeyProblem);
  const note = props.skippedFilters.length > 0 ? `Filters on ${props.skippedFilters.join(", ")} apply to page views only, not here.` : undefined;
  const custom = rowsPart(customLoad, "analytics.custom");
  const customRows = custom.status === "ok" ? custom.data : [];
  const common = { range: props.range, ...(note ? { note } : {}) };
  return [
    h(TablePanel, { id: "videos", title: "Video engagement", load: videos, path: "analytics.videos", columns: VIDEO_COLUMNS, empty: "No video plays in this range.", ...common }),
    h(TablePanel, { id: "api", title: "API performance", load: api, path: "analytics.api", columns: API_COLUMNS, csvColumns: API_CSV_COLUMNS, empty: "No API requests in this range.", ...common }),
    h(TablePanel, { id: "usage", title: "Usage by organization", load: usage, path: "analytics.usage", columns: USAGE_COLUMNS, csvColumns: USAGE_CSV_COLUMNS, empty: "No usage reported in this range.", ...common }),
    h(
      Panel,
      {
        id: "custom-events",
        title: "Custom events",
        actions: h(CsvButton, { name: "Custom events", columns: CUSTOM_COLUMNS, rows: customRows, range: props.range }),
        footer: h(Freshness, { meta: custom.status === "ok" ? custom.meta : undefined }),
      },
      note ? h("p", { class: "note" }, note) : null,
      stateText(custom) ??
        (customRows.length === 0
          ? h("p", { class: "state" }, "No custom events in this range.")
          : h(DataTable, {
              caption: "Custom events",
              columns: CUSTOM_COLUMNS,
              rows: customRows,
              onSelect: (row) => setSelected(String(row.name)),
              isSelected: (row) => row.name === selected,
              selectLabel: (row) => `Show the properties of ${String(row.name)}`,
            })),
      selected && customRows.some((row) => row.name === selected)
        ? h(CustomEventProperties, { apiKey: props.apiKey, name: selected, range: props.range, timezone: props.timezone, filter: props.filter, onKeyProblem: props.onKeyProblem })
        : customRows.length > 0
          ? h("p", { class: "note" }, "Choose an event to see its properties.")
          : null,
    ),
  ];
}
