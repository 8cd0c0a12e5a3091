import { h } from "preact";
import { useMemo } from "preact/hooks";
import { TimeChart } from "./chart.ts";
import { formatCount } from "./format.ts";
import { Panel, stateText } from "./ui.ts";
import { type Load, partOf } from "./use-document.ts";

export const REALTIME_MINUTES = 30;
/** How often the live panel asks again. */
export const REALTIME_REFRESH_MS = 15_000;

export const REALTIME_QUERY = /* GraphQL */ `
query Realtime($minutes: Int!) {
  realtime(minutes: $minutes) { eventsPerMinute { minute events } }
}`;

/** Analytics Engine's minute (`2026-12-05 15:34:00`, UTC) as Unix seconds. */
function minuteSeconds(minute: string): number {
  return Date.parse(`${minute.replace(" ", "T")}Z`) / 1000;
}

/** The last `minutes` whole minutes up to `nowMs`, each with its count (0 where none came). */
export function minuteSeries(rows: ReadonlyArray<{ minute: string; events: number }>, nowMs: number, minutes: number): { x: number[]; events: number[] } {
  const counts = new Map(rows.map((row) => [minuteSeconds(row.minute), row.events]));
  const last = Math.floor(nowMs / 60_000) * 60;
  const x = Array.from({ length: minutes }, (_, i) => last - (minutes - 1 - i) * 60);
  return { x, events: x.map((t) => counts.get(t) ?? 0) };
}

export function RealtimePanel(props: { load: Load }) {
  const part = partOf<{ eventsPerMinute: Array<{ minute: string; events: number }> }>(props.load, "realtime");
  const rows = part.status === "ok" ? part.data.eventsPerMinute : undefined;
  const series = useMemo(() => (rows ? minuteSeries(rows, Date.now(), REALTIME_MINUTES) : undefined), [rows]);
  const chartSeries = useMemo(() => (series ? [{ label: "Events", values: series.events, stroke: "#0f766e", fill: "rgba(15, 118, 110, 0.25)" }] : []), [series]);
  const total = rows ? rows.reduce((sum, row) => sum + row.events, 0) : 0;
  const lastMinute = series?.events.at(-1) ?? 0;
  return h(
    Panel,
    { id: "realtime", title: "Real time", footer: h("p", { class: "freshness" }, `from Analytics Engine (sampled counts) · refreshes every ${REALTIME_REFRESH_MS / 1000} s`) },
    stateText(part) ??
      h(
        "div",
        null,
        h(
          "p",
          { class: "live", "aria-live": "polite" },
          h("span", { class: "live-dot", "aria-hidden": "true" }),
          h("strong", { id: "realtime-count", "data-value": String(total) }, formatCount(total)),
          ` events in the last ${REALTIME_MINUTES} minutes · ${formatCount(lastMinute)} this minute`,
        ),
        series
          ? h(TimeChart, {
              label: `Events per minute over the last ${REALTIME_MINUTES} minutes`,
              summary: `${formatCount(total)} events in the last ${REALTIME_MINUTES} minutes.`,
              x: series.x,
              series: chartSeries,
              bars: true,
            })
          : null,
      ),
  );
}
