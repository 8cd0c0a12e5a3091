import { h } from "preact";
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";

export interface ChartSeries {
  label: string;
  values: ReadonlyArray<number | null>;
  /** CSS colour. */
  stroke: string;
  dashed?: boolean;
  fill?: string;
}

/** Keeps a chart of at most this height; its width follows the panel (phones included). */
const HEIGHT = 240;

/**
 * A time chart (uPlot, canvas) over `x` (Unix seconds, drawn in the viewer's time zone) with a
 * text summary for screen readers. Redrawn when the data changes, resized with its container.
 */
export function TimeChart(props: { label: string; summary: string; x: readonly number[]; series: readonly ChartSeries[]; bars?: boolean }) {
  const container = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{ stroke: "#5b6472", grid: { stroke: "#eef0f3" } }, { stroke: "#5b6472", grid: { stroke: "#eef0f3" }, size: 56 }],
      series: [
        {},
        ...props.series.map((series) => ({
          label: series.label,
          stroke: series.stroke,
          width: 2,
          spanGaps: true,
          ...(series.fill ? { fill: series.fill } : {}),
          ...(series.dashed ? { dash: [6, 4] } : {}),
          ...(props.bars ? { paths: uPlot.paths.bars?.({ size: [0.7, 40] }), points: { show: false } } : {}),
        })),
      ],
    };
    const data: uPlot.AlignedData = [Float64Array.from(props.x), ...props.series.map((series) => series.values.map((v) => v))];
    const chart = new uPlot(options, data, element);
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT }));
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [props.x, props.series, props.bars]);
  return h("figure", { class: "chart" }, h("div", { ref: container, role: "img", "aria-label": props.label }), h("figcaption", { class: "visually-hidden" }, props.summary));
}
