/** The tracker's settings, from its `<script>` element. */
export interface TrackerConfig {
  /** `POST` target: `{api}/events?key={data-key}`. */
  endpoint: string;
  /** Page views on load and on SPA navigation; `data-auto="false"` leaves them to `page()`. */
  auto: boolean;
  /** `data-storage="none"`: the session id is kept in memory, not in `sessionStorage`. */
  memoryOnly: boolean;
  /** `data-respect-dnt="true"`: send nothing when Do Not Track or Global Privacy Control is on. */
  respectDnt: boolean;
}

/** The parts of the `<script>` element the settings come from. */
export type TrackerScript = Pick<HTMLScriptElement, "src" | "getAttribute">;

/**
 * Reads the settings from the tracker's `<script>` element, or says why the tracker should stay
 * off: a page that is not http(s) (a `file:` page has no origin to attribute events to), no
 * script element found, or no `data-key`. The API origin is the script's own origin unless
 * `data-api` names another.
 *
 * @example
 * // <script defer data-key="pk" src="https://a.example/tracker.js"></script>
 * readTrackerConfig(script, "https://shop.example/"); // { endpoint: "https://a.example/events?key=pk", ... }
 */
export function readTrackerConfig(script: TrackerScript | null, pageUrl: string): TrackerConfig | string {
  if (!/^https?:/.test(pageUrl)) return "off: the page is not http(s)";
  if (!script) return "off: no <script> element";
  const key = script.getAttribute("data-key");
  if (!key) return "off: no data-key";
  let api: string;
  try {
    api = (script.getAttribute("data-api") || new URL(script.src).origin).replace(/\/+$/, "");
  } catch {
    return "off: bad data-api";
  }
  return {
    endpoint: `${api}/events?key=${encodeURIComponent(key)}`,
    auto: script.getAttribute("data-auto") !== "false",
    memoryOnly: script.getAttribute("data-storage") === "none",
    respectDnt: script.getAttribute("data-respect-dnt") === "true",
  };
}
