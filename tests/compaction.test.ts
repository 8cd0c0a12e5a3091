/**
 * Compaction on the real local stack: two flushes leave two files in the current hour's
 * partition; `POST /compact` (through the router, admin key) merges them, the catalog lists the
 * one compacted file with every row, parity with ingestion still holds, and `GET /compact/status`
 * shows the run.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";

const origin = inject("stackOrigin");
const ADMIN = { "x-api-key": "local-admin-key" };

/** Project `local`: tests/realtime-graphql.test.ts counts project `other`'s events exactly. */
async function send(count: number): Promise<string[]> {
  const events = Array.from({ length: count }, (_, i) => ({
    type: "user_action",
    event_id: randomUUID(),
    timestamp: new Date(Date.now() - i * 1000).toISOString(),
    session_id: `compaction-e2e-${i % 4}`,
    action: "click",
    target: `#button-${i % 9}`,
  }));
  const response = await fetch(`${origin}/events`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": "local-dev-key" }, body: JSON.stringify({ events }) });
  expect(response.status).toBe(202);
  return events.map((e) => e.event_id);
}

async function flush(): Promise<{ files: { table: string; key: string; rows: number }[] }> {
  const response = await fetch(`${origin}/admin/flush`, { method: "POST", headers: ADMIN });
  expect(response.status).toBe(200);
  return (await response.json()) as { files: { table: string; key: string; rows: number }[] };
}

describe("POST /compact on the local stack", () => {
  it("merges the partition's files, keeps every row, and reports the run", async () => {
    await send(30);
    const first = await flush();
    await send(20);
    const second = await flush();
    const key = [...first.files, ...second.files].find((f) => f.table === "user_actions")?.key;
    expect(key).toBeDefined();
    const partition = key!.split("/").slice(2, 6).join("/");

    const filesBefore = (await (await fetch(`${origin}/catalog/files?table=user_actions&partition=${encodeURIComponent(partition)}`, { headers: ADMIN })).json()) as { files: { rows: number }[] };
    const rowsBefore = filesBefore.files.reduce((s, f) => s + f.rows, 0);
    expect(filesBefore.files.length).toBeGreaterThanOrEqual(2);

    expect((await fetch(`${origin}/compact`, { method: "POST" })).status).toBe(401);
    const response = await fetch(`${origin}/compact`, { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify({ table: "user_actions", partition }) });
    expect(response.status).toBe(200);
    const summary = (await response.json()) as { files_in: number; files_out: number; rows_in: number; rows_out: number; duplicates_removed: number; lookback_duplicates: number };
    expect(summary).toMatchObject({ files_in: filesBefore.files.length, files_out: 1, rows_in: rowsBefore });
    // Raw files are at least once: what other tests resent in this hour is dropped, nothing else.
    expect(summary.rows_out).toBe(rowsBefore - summary.duplicates_removed - summary.lookback_duplicates);

    const filesAfter = (await (await fetch(`${origin}/catalog/files?table=user_actions&partition=${encodeURIComponent(partition)}`, { headers: ADMIN })).json()) as { files: { key: string; rows: number }[] };
    expect(filesAfter.files).toEqual([expect.objectContaining({ rows: summary.rows_out, key: expect.stringMatching(/\/compacted-/) })]);

    const parity = (await (await fetch(`${origin}/catalog/parity?table=user_actions`, { headers: ADMIN })).json()) as { ok: boolean };
    expect(parity.ok).toBe(true);

    const status = (await (await fetch(`${origin}/compact/status`, { headers: ADMIN })).json()) as { runs: { partition: string; state: string }[] };
    expect(status.runs.find((r) => r.partition === partition)?.state).toBe("done");
  });
});
