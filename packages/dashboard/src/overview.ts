import { h } from "preact";
import { useMemo } from "preact/hooks";
import { type ChartSeries, TimeChart } from "./chart.ts";
import { formatChange, formatCount, formatDuration, formatPercent } from "./format.ts";
import type { Interval, TimeRange } from "./time-range.ts";
import { Freshness, Panel, stateText } from "./ui.ts";
import { type Load, partOf } from "./use-document.ts";
import type { SeriesMetric } from "./view-state.ts";

const OVERVIEW_VARIABLES = "$range: TimeRange!, $timezone: String!, $filter: JSON";

/** The headline figures beside the previous period (a document of its own: an error elsewhere would blank it). */
export const KPI_QUERY = /* GraphQL */ `
query Kpis(${OVERVIEW_VARIABLES}) {
  analytics {
    kpis: query(metrics: ["visitors", "page_views", "sessions", "bounce_rate", "avg_time_on_page"], timeRange: $range, timezone: $timezone, filter: $filter, compare: PREVIOUS_PERIOD) {
      rows from to comparison { rows from to }
    }
  }
}`;

/** The time series beside the previous period's. */
export const SERIES_QUERY = /* GraphQL */ `
query Series(${OVERVIEW_VARIABLES}, $interval: Granularity!) {
  analytics {
    series: query(metrics: ["page_views", "visitors", "sessions"], granularity: $interval, timeRange: $range, timezone: $timezone, filter: $filter, compare: PREVIOUS_PERIOD, limit: 10000) {
      rows from to comparison { rows from to }
    }
  }
}`;

interface QueryAnswer {
  rows: Array<Record<string, unknown>>;
  from: string;
  to: string;
  comparison: QueryAnswer | null;
}

/** The headline figures, how each reads, and whether a rise is good news. */
export const KPIS = [
  { key: "visitors", label: "Visitors", format: formatCount, change: "relative", upIsGood: true },
  { key: "page_views", label: "Page views", format: formatCount, change: "relative", upIsGood: true },
  { key: "sessions", label: "Sessions", format: formatCount, change: "relative", upIsGood: true },
  { key: "bounce_rate", label: "Bounce rate", format: formatPercent, change: "points", upIsGood: false },
  { key: "avg_time_on_page", label: "Avg. time on page", format: formatDuration, change: "relative", upIsGood: true },
] as const;

const METRIC_LABELS: Record<SeriesMetric, string> = { page_views: "Page views", visitors: "Visitors", sessions: "Sessions" };

function numberOf(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** A period's start (local wall time of the asked zone, the viewer's) as Unix seconds. */
function periodSeconds(period: unknown): number {
  return new Date(String(period)).getTime() / 1000;
}

/**
 * The series on one x axis: the range's periods, and the previous period's moved forward by the
 * distance between the two ranges, so each point sits beside the one it compares with.
 */
export function alignSeries(answer: QueryAnswer, metric: SeriesMetric): { x: number[]; current: Array<number | null>; previous: Array<number | null> } {
  const current = new Map<number, number | null>();
  for (const row of answer.rows) current.set(periodSeconds(row.period), numberOf(row[metric]));
  const previous = new Map<number, number | null>();
  if (answer.comparison) {
    const shift = (Date.parse(answer.from) - Date.parse(answer.comparison.from)) / 1000;
    for (const row of answer.comparison.rows) previous.set(periodSeconds(row.period) + shift, numberOf(row[metric]));
  }
  const x = [...new Set([...current.keys(), ...previous.keys()])].filter(Number.isFinite).sort((a, b) => a - b);
  return { x, current: x.map((t) => current.get(t) ?? null), previous: x.map((t) => previous.get(t) ?? null) };
}

export function OverviewPanel(props: { kpiLoad: Load; seriesLoad: Load; range: TimeRange; interval: Interval; intervals: readonly Interval[]; metric: SeriesMetric; onInterval: (interval: Interval) => void; onMetric: (metric: SeriesMetric) => void }) {
  const kpis = partOf<QueryAnswer>(props.kpiLoad, "analytics.kpis");
  const series = partOf<QueryAnswer>(props.seriesLoad, "analytics.series");
  const aligned = useMemo(() => (series.status === "ok" ? alignSeries(series.data, props.metric) : undefined), [series.status === "ok" ? series.data : undefined, props.metric]);
  const chartSeries = useMemo<ChartSeries[]>(
    () =>
      aligned
        ? [
            { label: METRIC_LABELS[props.metric], values: aligned.current, stroke: "#2563eb", fill: "rgba(37, 99, 235, 0.08)" },
            { label: "Previous period", values: aligned.previous, stroke: "#9aa3af", dashed: true },
          ]
        : [],
    [aligned],
  );
  const current = kpis.status === "ok" ? (kpis.data.rows[0] ?? {}) : undefined;
  const previous = kpis.status === "ok" ? (kpis.data.comparison?.rows[0] ?? {}) : undefined;
  const total = aligned ? aligned.current.reduce<number>((sum, v) => sum + (v ?? 0), 0) : 0;
  return h(
    Panel,
    {
      id: "overview",
      title: "Overview",
      wide: true,
      footer: h("div", { class: "footer-row" }, h(Freshness, { meta: kpis.status === "ok" ? kpis.meta : undefined })),
    },
    stateText(kpis) ??
      h(
        "ul",
        { class: "kpis", "aria-label": "Headline figures against the previous period" },
        KPIS.map((kpi) => {
          const value = numberOf(current?.[kpi.key]);
          const before = numberOf(previous?.[kpi.key]);
          const change = formatChange(value, before, kpi.change);
          const direction = value === null || before === null || value === before ? "flat" : value > before === kpi.upIsGood ? "good" : "bad";
          return h(
            "li",
            { class: "kpi", "data-kpi": kpi.key },
            h("span", { class: "kpi-label" }, kpi.label),
            h("span", { class: "kpi-value", "data-value": value === null ? "" : String(value) }, kpi.format(value)),
            h(
              "span",
              { class: `kpi-change ${direction}`, "data-previous": before === null ? "" : String(before), title: `Previous period: ${kpi.format(before)}` },
              change ? `${change} vs previous period` : "no previous period",
            ),
          );
        }),
      ),
    h(
      "div",
      { class: "controls", role: "group", "aria-label": "Chart options" },
      h(
        "label",
        null,
        "Metric ",
        h(
          "select",
          { value: props.metric, onChange: (event: Event) => props.onMetric((event.currentTarget as HTMLSelectElement).value as SeriesMetric) },
          (Object.keys(METRIC_LABELS) as SeriesMetric[]).map((metric) => h("option", { value: metric }, METRIC_LABELS[metric])),
        ),
      ),
      h(
        "label",
        null,
        "Interval ",
        h(
          "select",
          { id: "interval", value: props.interval, onChange: (event: Event) => props.onInterval((event.currentTarget as HTMLSelectElement).value as Interval) },
          props.intervals.map((interval) => h("option", { value: interval }, interval)),
        ),
      ),
    ),
    stateText(series) ??
      (aligned && aligned.x.length > 0
        ? h(
            "div",
            { id: "timeseries", "data-total": String(total), "data-points": String(aligned.x.length) },
            h(TimeChart, {
              label: `${METRIC_LABELS[props.metric]} per ${props.interval}, with the previous period dashed`,
              summary: `${METRIC_LABELS[props.metric]}: ${formatCount(total)} in ${aligned.x.length} periods of one ${props.interval}.`,
              x: aligned.x,
              series: chartSeries,
            }),
          )
        : h("p", { class: "state", id: "timeseries", "data-total": "0" }, "No page views in this range with these filters.")),
  );
}
