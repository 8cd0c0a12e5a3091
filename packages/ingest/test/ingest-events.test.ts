import { toAnalyticsEngineDataPoint } from "@edge-analytics/event-schema";
import { describe, expect, it } from "vitest";
import type { RequestContext } from "../src/enrich-event.ts";
import { IngestError } from "../src/errors.ts";
import { type IngestDependencies, ingestEvents } from "../src/ingest-events.ts";
import { DEFAULT_LIMITS } from "../src/limits.ts";
import { RecordingCountSink, RecordingDeadLetterSink, RecordingHotWriter, RecordingLakeSink } from "./fakes.ts";

const RECEIVED_AT = new Date("2026-03-01T12:00:00.000Z");
const ID_A = "0190a0b1-0000-7000-8000-00000000000a";
const ID_B = "0190a0b1-0000-7000-8000-00000000000b";
const ID_C = "0190a0b1-0000-7000-8000-00000000000c";

const pageView = (extra: Record<string, unknown> = {}) => ({
  type: "page_view",
  session_id: "s-1",
  page_url: "https://shop.example/",
  ...extra,
});
const usage = (extra: Record<string, unknown> = {}) => ({
  type: "usage",
  session_id: "s-1",
  organization_id: "org-1",
  sku: "cpu-seconds",
  quantity: 3,
  unit: "s",
  ...extra,
});

/** The ports as in-memory fakes, plus every background error reported. */
function setup() {
  const lake = new RecordingLakeSink();
  const counts = new RecordingCountSink();
  const hot = new RecordingHotWriter();
  const deadLetters = new RecordingDeadLetterSink();
  const backgroundErrors: { stage: string; error: unknown }[] = [];
  const report = (stage: string, error: unknown) => backgroundErrors.push({ stage, error });
  const deps: IngestDependencies = {
    lake,
    counts,
    hot,
    deadLetters,
    limits: DEFAULT_LIMITS,
    onBackgroundError: report,
  };
  return { lake, counts, hot, deadLetters, backgroundErrors, deps };
}

const keyed = (projectId = "acme"): RequestContext => ({ keyProjectId: projectId, receivedAt: RECEIVED_AT });
const trusted = (): RequestContext => ({ receivedAt: RECEIVED_AT });

describe("ingestEvents: a partial batch", () => {
  it("accepts the valid events and rejects the invalid ones with index and paths", async () => {
    const { deps, lake, hot, deadLetters, counts, backgroundErrors } = setup();
    const batch = [
      pageView({ event_id: ID_A }),
      pageView({ event_id: ID_B, page_url: "javascript:alert(1)", time_on_page: -1 }),
      usage(),
      42,
      { type: "click", event_id: ID_C },
    ];
    const result = await ingestEvents(batch, keyed(), deps);

    expect(result.accepted).toBe(2);
    expect(result.duplicates).toBe(0);
    expect(result.rejected.map((r) => r.index)).toEqual([1, 3, 4]);
    expect(result.rejected[0]).toEqual({
      index: 1,
      event_id: ID_B,
      errors: [
        { path: "page_url", message: expect.any(String) },
        { path: "time_on_page", message: expect.any(String) },
      ],
    });
    expect(result.rejected[1]).toEqual({ index: 3, errors: [{ path: "", message: "each event must be a JSON object" }] });
    expect(result.rejected[2]).toMatchObject({ index: 4, event_id: ID_C, errors: [{ path: "type" }] });

    // Accepted: durable in the lake as enriched records, in the hot store as AE data points.
    const records = lake.records;
    expect(records.map((r) => r.type)).toEqual(["page_view", "usage"]);
    expect(records[0]?.event_id).toBe(ID_A);
    for (const record of records) {
      expect(record).toMatchObject({ project_id: "acme", received_at: RECEIVED_AT.toISOString(), is_bot: false });
    }
    expect(hot.points).toEqual(records.map(toAnalyticsEngineDataPoint));
    expect(hot.points.map((p) => p.indexes[0])).toEqual(["acme", "acme"]);

    // Rejected: dead-lettered with what an operator needs.
    expect(deadLetters.letters.map((l) => l.index)).toEqual([1, 3, 4]);
    expect(deadLetters.letters[0]).toMatchObject({ projectId: "acme", receivedAt: RECEIVED_AT.toISOString(), eventId: ID_B });
    expect(JSON.parse(deadLetters.letters[0]?.raw ?? "")).toEqual(batch[1]);
    expect(deadLetters.letters[1]?.raw).toBe("42");

    // The accepted events are counted per lake table and hour of receipt, for the catalog's parity.
    const hour = RECEIVED_AT.toISOString().slice(0, 13);
    expect(counts.calls).toEqual([
      {
        projectId: "acme",
        tallies: [
          { table: "page_views", hour, accepted: 1 },
          { table: "usage_events", hour, accepted: 1 },
        ],
      },
    ]);
    expect(backgroundErrors).toEqual([]);
  });

  it("touches no sink when nothing is valid, but still dead-letters", async () => {
    const { deps, lake, hot, deadLetters, counts } = setup();
    const result = await ingestEvents([null, pageView({ page_url: "nope" })], keyed(), deps);
    expect(result).toMatchObject({ accepted: 0, duplicates: 0 });
    expect(result.rejected).toHaveLength(2);
    expect(lake.batches).toHaveLength(0);
    expect(hot.writes).toHaveLength(0);
    expect(deadLetters.letters).toHaveLength(2);
    expect(counts.calls).toEqual([]);
  });

  it("bounds a dead letter's raw text", async () => {
    const { deps, deadLetters } = setup();
    await ingestEvents([pageView({ page_title: "x".repeat(40_000) })], keyed(), deps);
    const raw = deadLetters.letters[0]?.raw ?? "";
    expect(raw.length).toBeLessThanOrEqual(8 * 1024 + 1);
    expect(raw.endsWith("…")).toBe(true);
  });

  it("marks bots from the User-Agent on every record of the request", async () => {
    const { deps, lake, hot } = setup();
    const context: RequestContext = { ...keyed(), userAgent: "curl/8.4.0", country: "FR" };
    await ingestEvents([pageView(), usage()], context, deps);
    expect(lake.records.every((r) => r.is_bot && r.device_type === "bot" && r.country === "FR")).toBe(true);
    expect(hot.points.every((p) => p.doubles[0] === 1)).toBe(true);
  });
});

describe("ingestEvents: duplicates", () => {
  it("counts a repeated event_id within one batch once", async () => {
    const { deps, lake } = setup();
    const result = await ingestEvents([pageView({ event_id: ID_A }), pageView({ event_id: ID_A, page_title: "again" })], keyed(), deps);
    expect(result).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(lake.records).toHaveLength(1);
    expect(lake.records[0]?.event_id).toBe(ID_A);
  });

  it("accepts an event_id sent again by a later call (at least once: the read side counts it once)", async () => {
    const { deps, lake, hot, counts } = setup();
    expect(await ingestEvents([pageView({ event_id: ID_A })], keyed(), deps)).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const again = await ingestEvents([pageView({ event_id: ID_A }), pageView({ event_id: ID_B })], keyed(), deps);
    expect(again).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(lake.records.map((r) => r.event_id)).toEqual([ID_A, ID_A, ID_B]);
    expect(hot.points).toHaveLength(3);
    // No state per event: both sends are counted as accepted.
    expect(counts.calls.flatMap((c) => c.tallies).reduce((sum, t) => sum + t.accepted, 0)).toBe(3);
  });

  it("scopes event ids per project", async () => {
    const { deps, lake } = setup();
    const result = await ingestEvents(
      [pageView({ event_id: ID_A, project_id: "acme" }), pageView({ event_id: ID_A, project_id: "globex" })],
      trusted(),
      deps,
    );
    expect(result).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(lake.records.map((r) => r.project_id).sort()).toEqual(["acme", "globex"]);
  });

  it("gives events without an event_id distinct generated ids", async () => {
    const { deps, lake } = setup();
    const result = await ingestEvents([pageView(), pageView(), pageView()], keyed(), deps);
    expect(result.accepted).toBe(3);
    expect(new Set(lake.records.map((r) => r.event_id)).size).toBe(3);
  });
});

describe("ingestEvents: projects", () => {
  it("rejects an event for another project than the key's, and dead-letters it", async () => {
    const { deps, lake, deadLetters } = setup();
    const result = await ingestEvents([pageView({ event_id: ID_A, project_id: "globex" }), pageView({ project_id: "acme" })], keyed("acme"), deps);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([
      { index: 0, event_id: ID_A, errors: [{ path: "project_id", message: expect.stringMatching(/"acme", not "globex"/) }] },
    ]);
    expect(lake.records.map((r) => r.project_id)).toEqual(["acme"]);
    expect(deadLetters.letters).toMatchObject([{ index: 0, projectId: "acme", eventId: ID_A }]);
  });

  it("a trusted caller (no API key) must name the project on each event", async () => {
    const { deps, lake, deadLetters } = setup();
    const result = await ingestEvents([pageView(), pageView({ project_id: "globex" })], trusted(), deps);
    expect(result.accepted).toBe(1);
    expect(result.rejected).toEqual([{ index: 0, errors: [{ path: "project_id", message: expect.stringMatching(/required/) }] }]);
    expect(lake.records.map((r) => r.project_id)).toEqual(["globex"]);
    expect(deadLetters.letters).toMatchObject([{ index: 0, projectId: null }]);
  });
});

describe("ingestEvents: lake sink failure", () => {
  it("throws a retryable 503, counts and writes nothing else, and a retry is accepted", async () => {
    const { deps, lake, hot, counts, backgroundErrors } = setup();
    const outage = new Error("pipeline unavailable");
    lake.failures.push(outage);
    const batch = [pageView({ event_id: ID_A }), usage({ event_id: ID_B })];

    const error: unknown = await ingestEvents(batch, keyed(), deps).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IngestError);
    if (!(error instanceof IngestError)) throw error;
    expect(error.status).toBe(503);
    expect(error.details.retryAfterSeconds).toBeGreaterThan(0);
    expect(error.message).toMatch(/retry/);
    expect(backgroundErrors).toEqual([{ stage: "lake", error: outage }]);

    // Nothing was counted as accepted, and nothing reached the hot store.
    expect(counts.calls).toEqual([]);
    expect(lake.records).toEqual([]);
    expect(hot.writes).toEqual([]);

    // An immediate retry of the same request succeeds: nothing was lost.
    expect(await ingestEvents(batch, keyed(), deps)).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(lake.records.map((r) => r.event_id)).toEqual([ID_A, ID_B]);
    expect(counts.calls).toHaveLength(1);
  });

  it("passes an IngestError from the sink through unchanged", async () => {
    const { deps, lake } = setup();
    const refusal = new IngestError(413, "too large for the stream");
    lake.failures.push(refusal);
    await expect(ingestEvents([pageView()], keyed(), deps)).rejects.toBe(refusal);
  });
});

describe("ingestEvents: best-effort stages", () => {
  it("a hot-store failure does not fail the call; it is reported", async () => {
    const { deps, hot, lake, counts, backgroundErrors } = setup();
    hot.error = new Error("AE down");
    const result = await ingestEvents([pageView({ event_id: ID_A })], keyed(), deps);
    expect(result).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(lake.records).toHaveLength(1);
    expect(counts.calls).toHaveLength(1);
    expect(backgroundErrors).toEqual([{ stage: "hot-store", error: hot.error }]);
  });

  it("a dead-letter failure does not fail the call; it is reported", async () => {
    const { deps, deadLetters, lake, backgroundErrors } = setup();
    deadLetters.error = new Error("R2 down");
    const result = await ingestEvents([pageView(), null], keyed(), deps);
    expect(result.accepted).toBe(1);
    expect(result.rejected.map((r) => r.index)).toEqual([1]);
    expect(lake.records).toHaveLength(1);
    expect(backgroundErrors).toEqual([{ stage: "dead-letters", error: deadLetters.error }]);
  });

  it("a failure to count does not un-accept durable events; it is reported", async () => {
    const { deps, counts, lake, backgroundErrors } = setup();
    counts.error = new Error("counter unavailable");
    const result = await ingestEvents([pageView()], keyed(), deps);
    expect(result.accepted).toBe(1);
    expect(lake.records).toHaveLength(1);
    expect(backgroundErrors.map((e) => e.stage)).toEqual(["accepted-counts"]);
  });

  it("counts each project's events apart", async () => {
    const { deps, counts } = setup();
    await ingestEvents([pageView({ project_id: "acme" }), pageView({ project_id: "globex" }), usage({ project_id: "acme" })], trusted(), deps);
    expect(counts.calls.map((c) => [c.projectId, c.tallies.map((t) => `${t.table}:${t.accepted}`)])).toEqual([
      ["acme", ["page_views:1", "usage_events:1"]],
      ["globex", ["page_views:1"]],
    ]);
  });

  it("reports every failing stage of one call, and works without onBackgroundError", async () => {
    const { deps, hot, deadLetters, backgroundErrors } = setup();
    hot.error = new Error("AE down");
    deadLetters.error = new Error("R2 down");
    await ingestEvents([pageView(), null], keyed(), deps);
    expect(backgroundErrors.map((e) => e.stage).sort()).toEqual(["dead-letters", "hot-store"]);

    const { onBackgroundError: _unused, ...silent } = deps;
    await expect(ingestEvents([pageView(), null], keyed(), silent)).resolves.toMatchObject({ accepted: 1 });
  });
});
