// The accepting side of parity: one project's accepted events per lake table and UTC hour of
// receipt, kept by ingestion's counter Durable Object (one per project) and reported to the
// catalog. Rows written are what a SQLite-backed Durable Object bills, so this module is shaped
// around them: one row per hour (every table's count in it), at most one per `add`, and a report
// that names only the hours changed since the last one.
import { type AcceptedCount, parityCutoffHour } from "@edge-analytics/lake";
import type { CatalogSql } from "./sql.ts";

/** Accepted events of one lake table in one UTC hour of receipt (`2026-11-25T09`). */
export interface AcceptedHourCount {
  table: string;
  hour: string;
  accepted: number;
}

/** What the counter reports: the project and the absolute counts of the hours that changed. */
export interface AcceptedCountReport {
  project: string;
  /** The oldest hour reported; hand it back to `reported`/`reportFailed`. */
  fromHour: string;
  counts: AcceptedCount[];
}

const SCHEMA = [
  // counts: {"page_views": 35, ...}. One row per hour rather than per table and hour: a mixed
  // batch touches six tables, and each row is a billed write.
  `CREATE TABLE IF NOT EXISTS accepted_hours (hour TEXT PRIMARY KEY, counts TEXT NOT NULL) WITHOUT ROWID`,
  // project: whose counts these are; unreported_from: the oldest hour changed since the last report.
  `CREATE TABLE IF NOT EXISTS counter_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID`,
];

/**
 * One project's counter over its Durable Object's SQLite. Single-threaded by construction (a
 * Durable Object), so read-modify-write of an hour's row needs no more than `transaction`.
 */
export class AcceptedCounterStore {
  private project: string | undefined;
  private unreportedFrom: string | undefined;

  constructor(private readonly sql: CatalogSql) {
    for (const statement of SCHEMA) sql.exec(statement);
    adoptLegacyCounts(sql);
    this.project = this.meta("project");
    this.unreportedFrom = this.meta("unreported_from");
  }

  private meta(name: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM counter_meta WHERE name = ?", name).toArray()[0]?.value;
  }

  private setMeta(name: string, value: string | undefined): void {
    if (value === undefined) this.sql.exec("DELETE FROM counter_meta WHERE name = ?", name);
    else this.sql.exec("INSERT OR REPLACE INTO counter_meta (name, value) VALUES (?, ?)", name, value);
  }

  /**
   * Adds accepted events, atomically: one row written per hour touched (one, or two across an
   * hour's end), plus one when these are the first counts since the last report. Answers true
   * then: the caller schedules the report.
   */
  add(project: string, tallies: readonly AcceptedHourCount[]): boolean {
    const byHour = new Map<string, Map<string, number>>();
    for (const tally of tallies) {
      if (tally.accepted <= 0) continue;
      const tables = byHour.get(tally.hour) ?? new Map<string, number>();
      tables.set(tally.table, (tables.get(tally.table) ?? 0) + tally.accepted);
      byHour.set(tally.hour, tables);
    }
    if (byHour.size === 0) return false;
    return this.sql.transaction(() => {
      for (const [hour, tables] of byHour) {
        const counts = this.hourCounts(hour);
        for (const [table, accepted] of tables) counts[table] = (counts[table] ?? 0) + accepted;
        this.sql.exec("INSERT OR REPLACE INTO accepted_hours (hour, counts) VALUES (?, ?)", hour, JSON.stringify(counts));
      }
      if (this.project !== project) this.setMeta("project", (this.project = project));
      const oldest = [...byHour.keys()].sort()[0] as string;
      if (this.unreportedFrom !== undefined && this.unreportedFrom <= oldest) return false;
      const first = this.unreportedFrom === undefined;
      this.setMeta("unreported_from", (this.unreportedFrom = oldest));
      return first;
    });
  }

  private hourCounts(hour: string): Record<string, number> {
    const row = this.sql.exec<{ counts: string }>("SELECT counts FROM accepted_hours WHERE hour = ?", hour).toArray()[0];
    // Only ever written by `add` from a Record<string, number>.
    return row ? (JSON.parse(row.counts) as Record<string, number>) : {};
  }

  /** Every count kept (hours inside the parity window), by table then hour. */
  counts(sinceHour = ""): AcceptedHourCount[] {
    const rows = this.sql.exec<{ hour: string; counts: string }>("SELECT hour, counts FROM accepted_hours WHERE hour >= ? ORDER BY hour", sinceHour).toArray();
    const counts = rows.flatMap(({ hour, counts: json }) =>
      Object.entries(JSON.parse(json) as Record<string, number>).map(([table, accepted]) => ({ table, hour, accepted })),
    );
    return counts.sort((a, b) => (a.table === b.table ? a.hour.localeCompare(b.hour) : a.table.localeCompare(b.table)));
  }

  /**
   * The report due, if any: the absolute counts of every hour changed since the last report. It
   * is taken (the marker cleared, one row) before the caller sends it, so counts added while it is
   * in flight mark the counter again; `reportFailed` puts it back.
   */
  takeReport(): AcceptedCountReport | undefined {
    const fromHour = this.unreportedFrom;
    if (fromHour === undefined || this.project === undefined) return undefined;
    this.setMeta("unreported_from", (this.unreportedFrom = undefined));
    // A Pipelines stream does not say what it still holds: buffered is unknown.
    return { project: this.project, fromHour, counts: this.counts(fromHour).map((count) => ({ ...count, buffered: null })) };
  }

  /** Marks the report's hours unreported again (the catalog did not take it). Answers true when the caller must schedule a report. */
  reportFailed(report: AcceptedCountReport): boolean {
    if (this.unreportedFrom !== undefined && this.unreportedFrom <= report.fromHour) return false;
    const first = this.unreportedFrom === undefined;
    this.setMeta("unreported_from", (this.unreportedFrom = report.fromHour));
    return first;
  }

  /** Forgets hours that left the parity window (no row written when there are none). */
  sweep(nowMs: number): void {
    this.sql.exec("DELETE FROM accepted_hours WHERE hour < ?", parityCutoffHour(nowMs));
  }
}

/**
 * Counters created by the previous layout (one row per table and hour, a `dirty` flag) are folded
 * into the new one once, in one transaction, and reported again in full.
 */
function adoptLegacyCounts(sql: CatalogSql): void {
  const legacy = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'accepted_counts'").toArray();
  if (legacy.length === 0) return;
  sql.transaction(() => {
    const rows = sql.exec<{ event_table: string; hour: string; accepted: number }>("SELECT event_table, hour, accepted FROM accepted_counts").toArray();
    const byHour = new Map<string, Record<string, number>>();
    for (const row of rows) byHour.set(row.hour, { ...byHour.get(row.hour), [row.event_table]: row.accepted });
    for (const [hour, counts] of byHour) sql.exec("INSERT OR REPLACE INTO accepted_hours (hour, counts) VALUES (?, ?)", hour, JSON.stringify(counts));
    const oldest = [...byHour.keys()].sort()[0];
    if (oldest !== undefined) sql.exec("INSERT OR REPLACE INTO counter_meta (name, value) VALUES ('unreported_from', ?)", oldest);
    sql.exec("DELETE FROM counter_meta WHERE name IN ('dirty', 'next_sweep_ms')");
    sql.exec("DROP TABLE accepted_counts");
  });
}
