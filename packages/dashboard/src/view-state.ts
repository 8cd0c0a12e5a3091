/**
 * What the dashboard shows, as a URL query string, so every view is a link: the range preset (and
 * custom dates), the interval, the chart's metric and the filters (`f.<field>=<value>`, empty for
 * "not set"). The read key never goes here: it travels in the fragment (`#key=`), which browsers
 * do not send to the server.
 */
import { type Filters, FILTER_FIELDS, isFilterField } from "./filters.ts";
import { INTERVALS, type Interval, PRESETS, type Preset } from "./time-range.ts";

export const SERIES_METRICS = ["page_views", "visitors", "sessions"] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

export interface ViewState {
  preset: Preset;
  /** Custom range, local dates (both inclusive). */
  from?: string;
  to?: string;
  /** Undefined: the preset's default. */
  interval?: Interval;
  metric: SeriesMetric;
  filters: Filters;
}

export const DEFAULT_VIEW: ViewState = { preset: "7d", metric: "page_views", filters: {} };

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((candidate) => candidate === value);
}

/** The view a query string describes; anything unknown is ignored. */
export function parseViewState(search: string): ViewState {
  const params = new URLSearchParams(search);
  const filters: Filters = {};
  for (const [name, value] of params) {
    const field = name.startsWith("f.") ? name.slice(2) : "";
    if (isFilterField(field)) filters[field] = value === "" ? null : value;
  }
  const view: ViewState = {
    preset: oneOf(PRESETS, params.get("range")) ?? DEFAULT_VIEW.preset,
    metric: oneOf(SERIES_METRICS, params.get("metric")) ?? DEFAULT_VIEW.metric,
    filters,
  };
  const interval = oneOf(INTERVALS, params.get("interval"));
  if (interval) view.interval = interval;
  const from = params.get("from");
  const to = params.get("to");
  if (view.preset === "custom" && from && to) Object.assign(view, { from, to });
  return view;
}

/** The query string of a view (with its leading `?`, or "" for the default view). */
export function serializeViewState(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.preset !== DEFAULT_VIEW.preset) params.set("range", view.preset);
  if (view.preset === "custom" && view.from && view.to) {
    params.set("from", view.from);
    params.set("to", view.to);
  }
  if (view.interval) params.set("interval", view.interval);
  if (view.metric !== DEFAULT_VIEW.metric) params.set("metric", view.metric);
  for (const field of FILTER_FIELDS) {
    if (field in view.filters) params.set(`f.${field}`, view.filters[field] ?? "");
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** The key in a URL fragment `#key=...` (other fragment parameters are left alone), if any. */
export function keyFromFragment(hash: string): string | undefined {
  const key = new URLSearchParams(hash.replace(/^#/, "")).get("key");
  return key ? key : undefined;
}

/** A link that opens `view` with `key`: the view in the query, the key in the fragment. */
export function shareLink(origin: string, view: ViewState, key: string): string {
  return `${origin}/${serializeViewState(view)}#${new URLSearchParams({ key }).toString()}`;
}
