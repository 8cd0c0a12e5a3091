import { h } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { BreakdownPanels, displayValue } from "./breakdowns.ts";
import { CONTEXT_FIELDS, FILTER_FIELDS, FILTER_LABELS, type FilterField, fieldsOutside, graphqlFilter } from "./filters.ts";
import { KPI_QUERY, OverviewPanel, SERIES_QUERY } from "./overview.ts";
import { ProductPanels } from "./products.ts";
import { REALTIME_MINUTES, REALTIME_QUERY, REALTIME_REFRESH_MS, RealtimePanel } from "./realtime.ts";
import { defaultInterval, type Interval, intervalsFor, localDate, PRESET_LABELS, PRESETS, type Preset, resolveRange, viewerTimeZone } from "./time-range.ts";
import { useDocument } from "./use-document.ts";
import { keyFromFragment, parseViewState, serializeViewState, shareLink, type ViewState } from "./view-state.ts";

/** Where the key lives: this tab only, gone when it closes (never a cookie, never the URL's query). */
const KEY_STORAGE = "edge-analytics.dashboard.key";

function storedKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY_STORAGE) ?? undefined;
  } catch {
    return undefined; // storage disabled: the key lives in memory for this page only
  }
}

function storeKey(key: string | undefined): void {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // storage disabled: nothing to keep
  }
}

/**
 * A key in the fragment (a shared link) is taken into the session and removed from the address
 * bar and history, so it is not copied along by accident; the fragment never reached the server.
 */
function takeKeyFromFragment(): string | undefined {
  const key = keyFromFragment(location.hash);
  if (!key) return undefined;
  storeKey(key);
  history.replaceState(history.state, "", `${location.pathname}${location.search}`);
  return key;
}

function KeyForm(props: { message: string | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState("");
  return h(
    "main",
    { class: "access" },
    h("h1", null, "Edge Analytics"),
    h(
      "form",
      {
        class: "panel",
        "aria-labelledby": "access-title",
        onSubmit: (event: Event) => {
          event.preventDefault();
          if (value.trim()) props.onKey(value.trim());
        },
      },
      h("h2", { id: "access-title" }, "Open the dashboard"),
      h("p", null, "Enter a read key of your project. It stays in this browser tab and is sent only to this site's GraphQL API."),
      props.message ? h("p", { class: "state error", role: "alert" }, props.message) : null,
      h("label", { for: "key" }, "Read key"),
      h("input", { id: "key", name: "key", type: "password", autocomplete: "off", spellcheck: false, required: true, value, onInput: (event: Event) => setValue((event.currentTarget as HTMLInputElement).value) }),
      h("button", { type: "submit" }, "Open dashboard"),
      h("p", { class: "note" }, "Running locally? The read key is local-read-key."),
    ),
  );
}

function FilterChips(props: { view: ViewState; onRemove: (field: FilterField) => void; onClear: () => void }) {
  const fields = FILTER_FIELDS.filter((field) => field in props.view.filters);
  if (fields.length === 0) return null;
  return h(
    "div",
    { class: "chips", role: "group", "aria-label": "Filters" },
    h(
      "ul",
      null,
      fields.map((field) => {
        const text = `${FILTER_LABELS[field]}: ${displayValue(field, props.view.filters[field])}`;
        return h(
          "li",
          { "data-filter": field },
          h("button", { type: "button", class: "chip", "aria-label": `Remove filter ${text}`, onClick: () => props.onRemove(field) }, text, h("span", { "aria-hidden": "true" }, " ×")),
        );
      }),
    ),
    fields.length > 1 ? h("button", { type: "button", class: "link-button", onClick: props.onClear }, "Clear all") : null,
  );
}

function Dashboard(props: { apiKey: string; onSignOut: () => void; onKeyProblem: (message: string) => void }) {
  const [view, setViewState] = useState<ViewState>(() => parseViewState(location.search));
  const [share, setShare] = useState<string | undefined>(undefined);
  useEffect(() => {
    const onPop = () => setViewState(parseViewState(location.search));
    addEventListener("popstate", onPop);
    return () => removeEventListener("popstate", onPop);
  }, []);
  const setView = useCallback((next: ViewState) => {
    history.pushState(null, "", `${location.pathname}${serializeViewState(next)}`);
    setViewState(next);
    setShare(undefined);
  }, []);

  const timezone = useMemo(viewerTimeZone, []);
  const range = useMemo(() => resolveRange(view.preset, new Date(), { ...(view.from ? { from: view.from } : {}), ...(view.to ? { to: view.to } : {}) }), [view.preset, view.from, view.to]);
  const intervals = intervalsFor(range);
  const interval: Interval = view.interval && intervals.includes(view.interval) ? view.interval : defaultInterval(view.preset, range);
  const filter = graphqlFilter(view.filters);
  const productFilter = graphqlFilter(view.filters, CONTEXT_FIELDS);
  const base = { range: { start: range.start, end: range.end }, timezone, filter };

  const kpis = useDocument(props.apiKey, KPI_QUERY, base, props.onKeyProblem);
  const series = useDocument(props.apiKey, SERIES_QUERY, { ...base, interval }, props.onKeyProblem);
  const realtime = useDocument(props.apiKey, REALTIME_QUERY, { minutes: REALTIME_MINUTES }, props.onKeyProblem, REALTIME_REFRESH_MS);

  const onPreset = (preset: Preset) => {
    const next: ViewState = { ...view, preset };
    delete next.interval;
    if (preset === "custom") Object.assign(next, { from: view.from ?? range.firstDay, to: view.to ?? range.lastDay });
    else {
      delete next.from;
      delete next.to;
    }
    setView(next);
  };
  const onFilter = (field: FilterField, value: string | null) => setView({ ...view, filters: { ...view.filters, [field]: value } });
  const onRemove = (field: FilterField) => {
    const filters = { ...view.filters };
    delete filters[field];
    setView({ ...view, filters });
  };

  return h(
    "div",
    { class: "app" },
    h(
      "header",
      { class: "top" },
      h("h1", null, "Edge Analytics"),
      h(
        "div",
        { class: "controls", role: "group", "aria-label": "Date range" },
        h(
          "label",
          null,
          "Range ",
          h(
            "select",
            { id: "range", value: view.preset, onChange: (event: Event) => onPreset((event.currentTarget as HTMLSelectElement).value as Preset) },
            PRESETS.map((preset) => h("option", { value: preset }, PRESET_LABELS[preset])),
          ),
        ),
        view.preset === "custom"
          ? [
              h("label", null, "From ", h("input", { id: "from", type: "date", value: range.firstDay, max: localDate(new Date()), onChange: (event: Event) => setView({ ...view, from: (event.currentTarget as HTMLInputElement).value }) })),
              h("label", null, "To ", h("input", { id: "to", type: "date", value: range.lastDay, onChange: (event: Event) => setView({ ...view, to: (event.currentTarget as HTMLInputElement).value }) })),
            ]
          : null,
        h("span", { class: "range-text", id: "range-text", "data-start": range.start, "data-end": range.end, "data-timezone": timezone }, `${range.firstDay} to ${range.lastDay} · ${timezone}`),
      ),
      h(
        "div",
        { class: "controls" },
        h(
          "button",
          {
            type: "button",
            id: "share",
            onClick: () => {
              const link = shareLink(location.origin, view, props.apiKey);
              setShare(link);
              void navigator.clipboard?.writeText(link).catch(() => undefined);
            },
          },
          "Share link",
        ),
        h("button", { type: "button", class: "link-button", onClick: props.onSignOut }, "Sign out"),
      ),
      share
        ? h(
            "p",
            { class: "share", role: "status" },
            h("label", { for: "share-link" }, "Read-only link (copied; it contains your key, so share it only with people who may see this project): "),
            h("input", { id: "share-link", readonly: true, value: share, onFocus: (event: Event) => (event.currentTarget as HTMLInputElement).select() }),
          )
        : null,
    ),
    h(FilterChips, { view, onRemove, onClear: () => setView({ ...view, filters: {} }) }),
    h(
      "main",
      { class: "grid" },
      h(OverviewPanel, {
        kpiLoad: kpis,
        seriesLoad: series,
        range,
        interval,
        intervals,
        metric: view.metric,
        onInterval: (next) => setView({ ...view, interval: next }),
        onMetric: (metric) => setView({ ...view, metric }),
      }),
      h(RealtimePanel, { load: realtime }),
      h(BreakdownPanels, { apiKey: props.apiKey, variables: base, range, filters: view.filters, onFilter, onKeyProblem: props.onKeyProblem }),
      h(ProductPanels, {
        apiKey: props.apiKey,
        range,
        timezone,
        filter: productFilter,
        skippedFilters: fieldsOutside(view.filters, CONTEXT_FIELDS).map((field) => FILTER_LABELS[field]),
        onKeyProblem: props.onKeyProblem,
      }),
    ),
  );
}

export function App() {
  const [key, setKey] = useState<string | undefined>(() => takeKeyFromFragment() ?? storedKey());
  const [message, setMessage] = useState<string | undefined>(undefined);
  const onKeyProblem = useCallback((problem: string) => {
    storeKey(undefined);
    setKey(undefined);
    setMessage(`That key was refused: ${problem}`);
  }, []);
  useEffect(() => {
    // A shared link opened in a tab that already has the dashboard: take its key.
    const onHash = () => {
      const fromLink = takeKeyFromFragment();
      if (fromLink) setKey(fromLink);
    };
    addEventListener("hashchange", onHash);
    return () => removeEventListener("hashchange", onHash);
  }, []);
  if (!key) {
    return h(KeyForm, {
      message,
      onKey: (next) => {
        storeKey(next);
        setMessage(undefined);
        setKey(next);
      },
    });
  }
  return h(Dashboard, {
    apiKey: key,
    onKeyProblem,
    onSignOut: () => {
      storeKey(undefined);
      setMessage(undefined);
      setKey(undefined);
    },
  });
}
