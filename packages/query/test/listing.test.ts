/** Raw event listing on native DuckDB: pages newest first, each event once, cursors that hold. */
import { lakeColumns } from "@edge-analytics/event-schema";
import { openNativeDuckDB } from "@edge-analytics/test-support/native-duckdb";
import { describe, expect, it } from "vitest";
import { QueryError } from "../src/errors.ts";
import { encodeCursor, type ListingSpec, listingSql } from "../src/listing.ts";
import { resolveTimeRange } from "../src/time-range.ts";

const TYPES = { string: "VARCHAR", float64: "DOUBLE", int64: "BIGINT", boolean: "BOOLEAN", timestamp: "TIMESTAMPTZ", json: "VARCHAR" } as const;

describe("listingSql", () => {
  it("pages through every first copy once, newest first, ties broken by event_id", async () => {
    const db = await openNativeDuckDB();
    try {
      await db.run(`CREATE TABLE raw_events (${lakeColumns("custom").map((c) => `"${c.name}" ${TYPES[c.kind]}`).join(", ")})`);
      const insert = (id: string, at: string, received: string, project = "p") =>
        db.query(`INSERT INTO raw_events ("type", "event_id", "project_id", "timestamp", "received_at", "session_id", "name", "is_bot", "properties") VALUES ('custom', ?, ?, ?, ?, 's', 'n', false, '{"plan":"pro"}')`, [id, project, at, received]);
      // Two events at the same millisecond (a tie), a copy of one (a retry), another project's.
      await insert("e1", "2024-01-01T10:00:00Z", "2024-01-01T10:00:01Z");
      await insert("e2", "2024-01-01T11:00:00Z", "2024-01-01T11:00:01Z");
      await insert("e3", "2024-01-01T11:00:00Z", "2024-01-01T11:00:01Z");
      await insert("e3", "2024-01-01T11:00:00Z", "2024-01-01T12:00:01Z");
      await insert("e4", "2024-01-01T12:00:00Z", "2024-01-01T12:00:01Z");
      await insert("x1", "2024-01-01T12:30:00Z", "2024-01-01T12:30:01Z", "other");
      const spec: ListingSpec = { type: "custom", projectId: "p", range: resolveTimeRange({ start: "2024-01-01", end: "2024-01-01" }), first: 2 };
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; page < 5; page++) {
        const query = listingSql("raw_events", after === undefined ? spec : { ...spec, after });
        const rows = await db.query<{ event_id: string; timestamp: number; properties: string }>(query.sql, query.params);
        const shown = rows.slice(0, 2);
        seen.push(...shown.map((r) => r.event_id));
        if (rows.length <= 2) break;
        const last = shown.at(-1);
        after = encodeCursor({ timestampMs: Number(last?.timestamp), eventId: String(last?.event_id) });
      }
      expect(seen).toEqual(["e4", "e3", "e2", "e1"]);
    } finally {
      db.close();
    }
  });

  it("refuses a forged cursor and a page size out of bounds", () => {
    const spec: ListingSpec = { type: "custom", projectId: "p", range: resolveTimeRange({ start: "2024-01-01", end: "2024-01-01" }), first: 10 };
    expect(() => listingSql("raw_events", { ...spec, after: "'; DROP TABLE x; --" })).toThrow(QueryError);
    expect(() => listingSql("raw_events", { ...spec, after: btoa('["1", 2]') })).toThrow("is not a cursor this API gave out");
    expect(() => listingSql("raw_events", { ...spec, first: 1001 })).toThrow("from 1 to 1000");
    expect(listingSql("raw_events", { ...spec, after: encodeCursor({ timestampMs: 1, eventId: "x' OR 1=1" }) }).params.at(-1)).toBe("x' OR 1=1");
  });
});
