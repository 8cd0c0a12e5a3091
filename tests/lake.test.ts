/**
 * The lake end to end on the real local stack: events of every type over HTTP, `POST /admin/flush`,
 * the Parquet objects fetched with `wrangler r2 object get --local` (README "The lake (R2)") and read with
 * hyparquet (an independent reader), and the catalog and costs compared with what is in R2.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { TABLE_BY_EVENT_TYPE, type EventType } from "@edge-analytics/event-schema";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { afterAll, describe, expect, inject, it } from "vitest";
import { pinnedNode, repoRoot, wranglerCli } from "../scripts/wrangler-process.mjs";

const origin = inject("stackOrigin");
const stateDir = inject("stackStateDir");
const ADMIN = { "x-api-key": "local-admin-key" };
const downloads = mkdtempSync(join(tmpdir(), "lake-e2e-"));
afterAll(() => rmSync(downloads, { recursive: true, force: true }));

const run = promisify(execFile);

/** The object's bytes, as a user would fetch them: `wrangler r2 object get --local --persist-to`. */
async function r2Get(bucket: string, key: string): Promise<ArrayBuffer> {
  const file = join(downloads, randomUUID());
  await run(pinnedNode, [wranglerCli, "r2", "object", "get", `${bucket}/${key}`, "--local", "--persist-to", stateDir, "--file", file], {
    cwd: repoRoot,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
  });
  const bytes = readFileSync(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

function now() {
  return new Date().toISOString();
}

const session = `lake-e2e-${randomUUID()}`;
const EVENTS: Record<string, unknown>[] = [
  { type: "page_view", page_url: "https://shop.example.com/", page_title: "Home — ünïcode ✓", time_on_page: 12.5, user_id: "u-1" },
  { type: "page_view", page_url: "https://shop.example.com/pricing" },
  { type: "video_event", video_id: "intro", action: "complete", position: 120, duration: 120 },
  { type: "user_action", action: "click", target: "#buy" },
  { type: "api_request", method: "POST", path: "/v1/orders", status_code: 201, duration_ms: 38.2, organization_id: "org-9" },
  { type: "usage", organization_id: "org-9", sku: "events", quantity: 1000, unit: "count" },
  { type: "custom", name: "signup", properties: { plan: "team", seats: 5 } },
].map((fields) => ({ event_id: randomUUID(), timestamp: now(), session_id: session, ...fields }));

interface FlushBody {
  files: { table: string; key: string; rows: number; bytes: number; duplicate_of?: string }[];
  rows: number;
  bytes: number;
}

describe("events reach the lake as Parquet, and the catalog agrees with R2", () => {
  let flushed: FlushBody;

  it("POST /admin/flush needs the admin key", async () => {
    expect((await fetch(`${origin}/admin/flush`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${origin}/admin/flush`, { method: "POST", headers: { "x-api-key": "local-dev-key" } })).status).toBe(403);
  });

  it("writes every accepted event, with the values sent, under the lake layout (once: no resend, no injected duplicate)", async () => {
    const sent = await fetch(`${origin}/events`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "local-dev-key", "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" },
      body: JSON.stringify({ events: EVENTS }),
    });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ accepted: EVENTS.length, duplicates: 0, rejected: [] });

    const response = await fetch(`${origin}/admin/flush`, { method: "POST", headers: ADMIN });
    expect(response.status).toBe(200);
    flushed = (await response.json()) as FlushBody;
    expect(flushed.rows).toBeGreaterThanOrEqual(EVENTS.length);

    const seen = new Map<string, Record<string, unknown>[]>();
    for (const file of flushed.files) {
      expect(file.key).toMatch(new RegExp(`^events/${file.table}/year=\\d{4}/month=\\d{2}/day=\\d{2}/hour=\\d{2}/[0-9a-f-]{36}\\.parquet$`));
      const bytes = await r2Get("analytics-source", file.key);
      expect(bytes.byteLength).toBe(file.bytes);
      const { rows, metadata } = await readParquetBytes(bytes);
      expect(Number(metadata.num_rows)).toBe(file.rows);
      for (const row of rows) seen.set(String(row.event_id), [...(seen.get(String(row.event_id)) ?? []), { ...row, table: file.table }]);
    }
    for (const event of EVENTS) {
      const copies = seen.get(String(event.event_id)) ?? [];
      expect(copies, `event ${String(event.event_id)} (${String(event.type)})`).toHaveLength(1);
      const row = copies[0]!;
      expect(row.table).toBe(TABLE_BY_EVENT_TYPE[event.type as EventType]);
      expect(row.project_id).toBe("local");
      expect(row.timestamp).toBe(Date.parse(String(event.timestamp)));
      expect(row.is_bot).toBe(false);
      expect(row.browser).toBe("Chrome");
      for (const [name, value] of Object.entries(event)) {
        if (name === "timestamp") continue;
        if (name === "properties") expect(JSON.parse(String(row.properties))).toEqual(value);
        else if (name === "status_code") expect(Number(row[name])).toBe(value);
        else expect(row[name], name).toEqual(value);
      }
    }
    // Absent optional fields are nulls.
    const pricing = seen.get(String(EVENTS[1]?.event_id))?.[0];
    expect(pricing?.page_title).toBeNull();
    expect(pricing?.user_id).toBeNull();
    expect(pricing?.time_on_page).toBeNull();
  });

  it("the catalog lists each file with the rows the file holds, and parity is ok", async () => {
    for (const file of flushed.files) {
      const partition = file.key.split("/").slice(2, 6).join("/");
      const response = await fetch(`${origin}/catalog/files?table=${file.table}&partition=${encodeURIComponent(partition)}`, { headers: ADMIN });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { files: { key: string; rows: number; bytes: number }[] };
      expect(body.files.find((f) => f.key === file.key)).toMatchObject({ rows: file.rows, bytes: file.bytes });
    }
    const parity = (await (await fetch(`${origin}/catalog/parity`, { headers: ADMIN })).json()) as { ok: boolean; parity: { status: string }[] };
    expect(parity.ok).toBe(true);
    // Other test files send events concurrently: theirs may still be buffered (pending), never lost.
    expect(parity.parity.every((row) => row.status === "ok" || row.status === "pending")).toBe(true);
  });

  it("GET /catalog/costs reports the bytes that are in the buckets", async () => {
    const costs = (await (await fetch(`${origin}/catalog/costs`, { headers: ADMIN })).json()) as {
      tables: { bucket: string; table: string; bytes: number; objects: number }[];
      buckets: { bucket: string; bytes: number; objects: number; monthly_usd: number }[];
      prices: { storage_usd_per_gb_month: number };
    };
    const tables = (await (await fetch(`${origin}/catalog/tables`, { headers: ADMIN })).json()) as { tables: { name: string; layer: string; bytes: number; files: number }[] };
    for (const table of tables.tables.filter((t) => t.files > 0)) {
      expect(costs.tables.find((t) => t.table === table.name)).toMatchObject({ bytes: table.bytes, objects: table.files });
    }
    expect(costs.prices.storage_usd_per_gb_month).toBe(0.015);
    const source = costs.buckets.find((b) => b.bucket === "analytics-source");
    // analytics-source holds exactly the raw tables' files (dbt's processed tables live elsewhere).
    expect(source?.bytes).toBe(tables.tables.filter((t) => t.layer === "raw").reduce((sum, t) => sum + t.bytes, 0));
  });
});
