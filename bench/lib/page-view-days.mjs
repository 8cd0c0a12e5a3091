// Realistic page_view lake files for one UTC day of one project, as the lake holds them: hour
// partitions, files of at most 25,000 rows (the sink's LAKE_ROLL_MAX_ROWS), and a few percent of
// each file's rows being copies of events already in the previous file (a client retry that the
// ingestion path could not recognise: raw files are at-least-once, so readers keep first copies).
//
// Used by bench/graphql-page-views.mjs. Deterministic (seeded), so every run reads the same bytes.
import { randomUUID } from "node:crypto";
import { lakeRowFromRecord } from "@edge-analytics/test-support/lake-files";
import { randomKit, seededRandom } from "./seeded-random.mjs";

/** The sink's largest file (LAKE_ROLL_MAX_ROWS): a day over 600k rows takes two files an hour. */
export const MAX_FILE_ROWS = 25_000;
/** Share of a file's rows that are copies of events from the previous file (client retries). */
export const RETRY_SHARE = 0.03;

const pad = (n, width = 2) => String(n).padStart(width, "0");

/**
 * The files of one day: `rows` lake rows in all (copies included: that is what the catalog counts
 * and the API's read budget compares), spread evenly over 24 hour partitions.
 *
 * Each yielded file: `{ key, hour, rows (lake rows, lakeColumns("page_view") order), copies }`.
 * Keys are `events/page_views/year=YYYY/month=MM/day=DD/hour=HH/<uuid>.parquet`; the hour is the
 * one the file was written in (as Pipelines and the sink do), and a retry's copy keeps its event
 * time, which may lie in the previous hour.
 * @param {{ day: string, rows: number, seed: number, projectId?: string }} options  day: "2024-01-10"
 */
export function* pageViewDayFiles({ day, rows, seed, projectId = "local" }) {
  const random = seededRandom(seed);
  const { pick, pickSkewed, uuidV4, uuidV7 } = randomKit(random);
  const maybe = (share, value) => (random() < share ? value : null);

  const sections = ["products", "blog", "docs", "pricing", "account", "cart", "search", "help"];
  const pages = Array.from({ length: 200 }, (_, i) => {
    const query = i % 9 === 0 ? "?ref=nav" : "";
    return { url: `https://shop.example/${sections[i % sections.length]}/${1000 + i}${query}`, title: `Page ${1000 + i} | Shop Example` };
  });
  const referrers = ["https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://t.co/", ...Array.from({ length: 60 }, (_, i) => `https://blog${i % 20}.example.org/posts/${i}`)];
  const countries = ["US", "US", "US", "DE", "GB", "FR", "IN", "BR", "CA", "JP", "NL", "ES"];
  const clients = [
    ["Chrome", "Windows", "desktop"],
    ["Chrome", "macOS", "desktop"],
    ["Safari", "macOS", "desktop"],
    ["Mobile Safari", "iOS", "mobile"],
    ["Mobile Safari", "iOS", "mobile"],
    ["Chrome", "Android", "mobile"],
    ["Firefox", "Windows", "desktop"],
    ["Mobile Safari", "iOS", "tablet"],
  ];
  const utm = [
    ["newsletter", "email", "spring_sale"],
    ["google", "cpc", "brand"],
    ["partner", "referral", "affiliates"],
  ];
  const propertySets = [{ logged_in: true, plan: "pro" }, { logged_in: false }, { logged_in: true, plan: "free", ab_test: "checkout_v2" }];

  const newSession = () => {
    const [browser, os, device] = pick(clients);
    // 2% crawlers the enrichment flagged; 0.5% more only recognisable by their device type: the
    // API leaves out both (`is_bot OR device_type = 'bot'`), so the baseline must too.
    const roll = random();
    const flagged = roll < 0.02;
    const botDevice = roll < 0.025;
    return {
      id: uuidV4(),
      user: random() < 0.6 ? `user_${Math.floor(random() * 5000)}` : null,
      country: maybe(0.97, pick(countries)),
      browser: flagged ? "Googlebot" : browser,
      os: botDevice ? null : os,
      device: botDevice ? "bot" : device,
      bot: flagged,
      campaign: random() < 0.3 ? pick(utm) : [null, null, null],
    };
  };
  const active = Array.from({ length: 300 }, newSession);

  const dayStart = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(dayStart)) throw new Error(`day must be YYYY-MM-DD, got ${day}`);
  const [year, month, date] = day.split("-");
  let previous = [];
  let written = 0;
  for (let hour = 0; hour < 24; hour++) {
    const hourRows = Math.floor(rows / 24) + (hour < rows % 24 ? 1 : 0);
    const files = Math.ceil(hourRows / MAX_FILE_ROWS);
    for (let f = 0; f < files; f++) {
      const fileRows = Math.floor(hourRows / files) + (f < hourRows % files ? 1 : 0);
      // The day's first file has nothing to retry yet.
      const copies = previous.length === 0 ? 0 : Math.min(previous.length, Math.round(fileRows * RETRY_SHARE));
      const originals = fileRows - copies;
      const slotStart = dayStart + hour * 3_600_000 + Math.floor((f * 3_600_000) / files);
      const slotMs = Math.floor(3_600_000 / files);
      const records = [];
      // Retried copies: the same event (id, time, fields), received again up to an hour later.
      const chosen = new Set();
      while (chosen.size < copies) chosen.add(Math.floor(random() * previous.length));
      for (const index of chosen) {
        const original = previous[index];
        records.push({ ...original, received_at: original.received_at + 60_000 + Math.floor(random() * 3_000_000) });
      }
      const fresh = [];
      for (let i = 0; i < originals; i++) {
        const ms = slotStart + Math.floor((i * slotMs) / originals) + Math.floor(random() * 3);
        // About 1.5% of views end a session and start another.
        if (random() < 0.015) active[Math.floor(random() * active.length)] = newSession();
        const session = pick(active);
        const page = pickSkewed(pages);
        fresh.push({
          type: "page_view",
          event_id: uuidV7(ms),
          timestamp: ms,
          session_id: session.id,
          user_id: session.user,
          project_id: projectId,
          environment: random() < 0.97 ? "production" : "staging",
          version: maybe(0.9, pick(["2.14.0", "2.14.1", "2.15.0"])),
          country: session.country,
          browser: session.browser,
          os: session.os,
          device_type: session.device,
          properties: maybe(0.7, pick(propertySets)),
          channel: maybe(0.5, "web"),
          platform: maybe(0.5, "web"),
          received_at: ms + 20 + Math.floor(random() * 280),
          is_bot: session.bot,
          page_url: page.url,
          page_title: maybe(0.95, page.title),
          referrer: maybe(0.6, pickSkewed(referrers)),
          utm_source: session.campaign[0],
          utm_medium: session.campaign[1],
          utm_campaign: session.campaign[2],
          // Seconds with millisecond precision; 10% of views never report one (tab closed).
          time_on_page: maybe(0.9, Math.floor(random() * random() * 300_000) / 1000),
        });
      }
      records.push(...fresh);
      previous = fresh;
      written += records.length;
      yield {
        key: `events/page_views/year=${year}/month=${month}/day=${date}/hour=${pad(hour)}/${randomUUID()}.parquet`,
        hour,
        rows: records.map((record) => lakeRowFromRecord("page_view", record)),
        copies,
      };
    }
  }
  if (written !== rows) throw new Error(`generated ${written} rows for ${day}, expected ${rows}`);
}
