/**
 * Crashes at random moments lose nothing acknowledged, and leave nothing twice once compacted.
 *
 * A stack of its own (another port, another state folder) is killed with SIGKILL (its whole
 * process group: watchdog, wrangler, workerd) three times while four clients stream batches into
 * it, each time at a seeded random moment (the seed is printed; CRASH_SEED=<n> replays it), and
 * started again on the same state folder. Then:
 *   1. a flush (`POST /admin/flush`) lands the Pipelines stand-in's buffer, and every event_id any
 *      client got a 202 for is in the lake (at least once);
 *   2. `POST /compact` is killed the same way while its run is unfinished; the 900 s lease the
 *      dead run holds is made to expire (its row in the catalog's SQLite, while the stack is
 *      down: the time a real operator would wait), and after a restart the next compaction
 *      settles it (undoes it, or finishes it if it had swapped) and compacts: every acknowledged
 *      event_id is in the compacted partitions exactly once, no event_id twice, and no object of
 *      the dead run is left in the bucket;
 *   3. dbt, killed with SIGKILL mid-run (`dbt run --full-refresh` through scripts/dbt.mjs),
 *      leaves the raw lake as it was, and the next `dbt run --full-refresh` rebuilds the marts
 *      with the figures the uninterrupted run had (page views per day of agg_daily_metrics).
 * Figures go to the log and to `.test-results/crash-summary.json` (section `crash`).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { AwsClient } from "aws4fetch";
import { afterAll, describe, expect, it } from "vitest";
import type { TableName } from "@edge-analytics/event-schema";
import { readParquetBytes } from "@edge-analytics/test-support/parquet";
import { localS3Credentials, runDbt } from "../scripts/dbt.mjs";
import { freePort, type RunningStack, startStack } from "../scripts/local-stack.mjs";
import { recordCrashFigures } from "./support/crash-summary.ts";
import { allProcesses, hasProcfs } from "./support/processes.ts";
import { copiesById, type RawFile, rawFiles } from "./support/raw-files.ts";

const INJECTIONS = 3;
const CLIENTS = 4;
const BATCH = 40;
/** The kill comes this long after the first acknowledgement of an injection, at the earliest and latest. */
const KILL_AFTER_MS = { min: 200, max: 2_500 };
const ADMIN = { "x-api-key": "local-admin-key" };
const BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`[crash] seed ${seed} (CRASH_SEED=${seed} replays these moments)`);

/** mulberry32: a small seeded generator, so a failing run's moments can be replayed. */
function seeded(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = seeded(seed);

const workDir = mkdtempSync(join(tmpdir(), "analytics-crash-"));
const stateDir = join(workDir, "state");
const registryDir = join(workDir, "registry");
let stack: RunningStack | undefined;
const acknowledged = new Set<string>();
const summary: Record<string, unknown> = { seed };

afterAll(async () => {
  await stack?.stop();
  rmSync(workDir, { recursive: true, force: true });
  recordCrashFigures("crash", { ...summary, stack_start_seconds: startSeconds });
});

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));
const startSeconds: number[] = [];
const start = async () => {
  const began = Date.now();
  stack = await startStack({ port: await freePort(), stateDir, quiet: true, registryDir });
  startSeconds.push((Date.now() - began) / 1000);
  return stack;
};

async function flush(origin: string): Promise<void> {
  const response = await fetch(`${origin}/admin/flush`, { method: "POST", headers: ADMIN });
  expect(response.status, await response.text()).toBe(200);
}

/** SIGKILL to every process of the stack at once (its process group), as a power cut would. */
async function killStack(running: RunningStack): Promise<void> {
  if (running.pid === undefined) throw new Error("the stack has no process id");
  process.kill(-running.pid, "SIGKILL");
  await running.exited;
  await running.stop(); // frees the state folder's lock; nothing is left to stop
}

function batch(size: number): Record<string, unknown>[] {
  return Array.from({ length: size }, (_, i) =>
    i % 2 === 0
      ? { type: "page_view", event_id: randomUUID(), session_id: `crash-${i % 5}`, page_url: `https://crash.example/${i % 7}` }
      : { type: "custom", event_id: randomUUID(), session_id: `crash-${i % 5}`, name: "crash-test" },
  );
}

/** Clients sending batches until `sending()` is false; a batch counts as acknowledged when all of it was accepted. */
function streamClients(origin: string, sending: () => boolean, onAck: (ids: string[]) => void): Promise<void[]> {
  const client = async () => {
    while (sending()) {
      const events = batch(BATCH);
      try {
        const response = await fetch(`${origin}/events`, {
          method: "POST",
          // A browser's User-Agent: enrichment marks Node's own as a bot, which the marts leave out.
          headers: { "content-type": "application/json", "x-api-key": "local-dev-key", "user-agent": BROWSER_UA },
          body: JSON.stringify({ events }),
          signal: AbortSignal.timeout(10_000),
        });
        if (response.status === 202) {
          const result = (await response.json()) as { accepted: number };
          if (result.accepted === events.length) onAck(events.map((e) => String(e.event_id)));
        }
      } catch {
        // The stack died under this request: it was never acknowledged.
        await sleep(50);
      }
    }
  };
  return Promise.all(Array.from({ length: CLIENTS }, client));
}

const LAKE_TABLES: TableName[] = ["page_views", "custom_events"];

async function lakeFiles(origin: string): Promise<RawFile[]> {
  return (await Promise.all(LAKE_TABLES.map((table) => rawFiles(origin, table)))).flat();
}

/** The catalog DO's SQLite file (miniflare keeps one per Durable Object under v3/do/). */
function catalogDatabase(options: { readOnly?: boolean } = {}): DatabaseSync {
  const dir = join(stateDir, "v3", "do");
  for (const namespace of readdirSync(dir).filter((name) => name.startsWith("analytics-catalog-"))) {
    for (const file of readdirSync(join(dir, namespace)).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")) {
      const db = new DatabaseSync(join(dir, namespace, file), options);
      const hasRuns = db.prepare("SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = 'compaction_runs'").get();
      if (hasRuns) return db;
      db.close();
    }
  }
  throw new Error(`no catalog database with compaction_runs under ${dir}`);
}

const s3 = new AwsClient({ ...localS3Credentials(), service: "s3", region: "auto" });

/** Every object under `prefix` of `bucket`: key, and ETag with LastModified (a rewrite of equal bytes keeps the ETag). */
async function listObjects(origin: string, bucket: string, prefix: string): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const query = new URLSearchParams({ "list-type": "2", prefix, ...(token ? { "continuation-token": token } : {}) });
    const xml = await (await s3.fetch(`${origin}/${bucket}?${query}`)).text();
    for (const [, body = ""] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1] ?? "";
      objects.set(field("Key"), `${field("ETag")} ${field("LastModified")}`);
    }
    token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]*)</.exec(xml)?.[1] : undefined;
  } while (token);
  return objects;
}

/** agg_daily_metrics' page views per day of project `local`, from the files the catalog lists. */
async function martPageViewsPerDay(origin: string): Promise<Record<string, number>> {
  const listing = await fetch(`${origin}/catalog/files?table=agg_daily_metrics`, { headers: ADMIN });
  expect(listing.status).toBe(200);
  const { files } = (await listing.json()) as { files: { key: string }[] };
  const perDay: Record<string, number> = {};
  for (const file of files) {
    const response = await s3.fetch(`${origin}/analytics-processed/${file.key}`);
    expect(response.status, file.key).toBe(200);
    for (const row of (await readParquetBytes(await response.arrayBuffer())).rows) {
      if (row.project_id !== "local") continue;
      const day = row.metric_date instanceof Date ? row.metric_date.toISOString().slice(0, 10) : String(row.metric_date).slice(0, 10);
      perDay[day] = (perDay[day] ?? 0) + Number(row.page_views);
    }
  }
  return perDay;
}

/** The same figure from the raw lake: each event_id once, no bots, by the UTC day of its timestamp. */
async function rawPageViewsPerDay(origin: string): Promise<Record<string, number>> {
  const seen = new Set<string>();
  const perDay: Record<string, number> = {};
  for (const file of await rawFiles(origin, "page_views")) {
    for (const row of file.rows) {
      if (row.project_id !== "local" || row.is_bot === true || row.device_type === "bot" || seen.has(String(row.event_id))) continue;
      seen.add(String(row.event_id));
      const day = new Date(Number(row.timestamp)).toISOString().slice(0, 10);
      perDay[day] = (perDay[day] ?? 0) + 1;
    }
  }
  return perDay;
}

describe("kill -9 at random moments", () => {
  it(`loses no acknowledged event over ${INJECTIONS} crashes while clients stream`, { timeout: 240_000 }, async () => {
    const injections: { kill_after_ms: number; acknowledged: number }[] = [];
    for (let i = 0; i < INJECTIONS; i++) {
      const running = await start();
      // What the last crash left in the stand-in's buffer lands now, as its own files: the
      // partition then has several files for the compaction below to merge.
      if (i > 0) await flush(running.origin);
      let sending = true;
      let count = 0;
      let firstAck: () => void = () => {};
      const acked = new Promise<void>((done) => (firstAck = done));
      const clients = streamClients(
        running.origin,
        () => sending,
        (ids) => {
          for (const id of ids) acknowledged.add(id);
          count += ids.length;
          firstAck();
        },
      );
      await acked;
      const killAfter = Math.round(KILL_AFTER_MS.min + random() * (KILL_AFTER_MS.max - KILL_AFTER_MS.min));
      await sleep(killAfter);
      await killStack(running);
      sending = false;
      await clients;
      injections.push({ kill_after_ms: killAfter, acknowledged: count });
      console.log(`[crash] injection ${i + 1}: SIGKILL ${killAfter} ms after the first 202; ${count} events acknowledged before it`);
    }

    // A new stack on the same state: the stand-in's buffer survived every crash; flush it.
    const running = await start();
    await flush(running.origin);
    const copies = copiesById(await lakeFiles(running.origin));
    const ids = [...acknowledged];
    const missing = ids.filter((id) => !copies.has(id));
    const found = ids.length - missing.length;
    const extraCopies = ids.reduce((n, id) => n + Math.max((copies.get(id) ?? 0) - 1, 0), 0);
    Object.assign(summary, { injections, acknowledged: ids.length, found_after_flush: found, lost: missing.length, raw_extra_copies: extraCopies });
    console.log(`[crash] after ${INJECTIONS} crashes and a flush: ${ids.length} acknowledged, ${found} found, ${missing.length} lost, ${extraCopies} extra raw copies (at least once)`);
    expect(ids.length).toBeGreaterThan(0);
    expect(missing, `${missing.length} of ${ids.length} acknowledged events are not in the lake`).toEqual([]);
  });

  it("a kill -9 during POST /compact: after recovery every acknowledged event is compacted exactly once", { timeout: 120_000 }, async () => {
    if (!stack) throw new Error("the previous test left no stack");
    let running = stack;
    const before = await lakeFiles(running.origin);
    // The partitions that hold this file's events, oldest first (the look-back only looks back).
    const targets = [...new Map(before.map((f) => [`${f.key.split("/")[1]}|${f.partition}`, { table: f.key.split("/")[1] as TableName, partition: f.partition }])).values()]
      .sort((a, b) => a.partition.localeCompare(b.partition) || a.table.localeCompare(b.table));
    const partitionFiles = (t: { table: string; partition: string }) => before.filter((f) => f.key.includes(`/${t.table}/`) && f.partition === t.partition).length;
    const victim = targets.find((t) => partitionFiles(t) >= 2);
    if (!victim) throw new Error(`no partition with several files to compact: ${JSON.stringify(targets)}`);

    // The kill comes at a seeded step of the run: while it writes its outputs (planned), or once
    // they are swapped in but the inputs not yet deleted (swapped); the two recovery paths (undo,
    // finish). The run is watched in the catalog's SQLite file, read-only: the compaction isolate
    // is busy encoding, so /compact/status would answer only once the run is over.
    const killAt = random() < 0.5 ? "planned" : "swapped";
    const order = ["planned", "staged", "swapped", "done", "aborting", "aborted"];
    const watch = catalogDatabase({ readOnly: true });
    const compacting = fetch(`${running.origin}/compact`, { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify(victim) }).catch(() => undefined);
    let observed: string | undefined;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const run = watch.prepare("SELECT state FROM compaction_runs WHERE table_name = ? AND partition = ? ORDER BY started_at_ms DESC LIMIT 1").get(victim.table, victim.partition) as { state: string } | undefined;
      if (run && order.indexOf(run.state) >= order.indexOf(killAt)) {
        observed = run.state;
        break;
      }
      await sleep(2);
    }
    watch.close();
    await killStack(running);
    await compacting;
    if (!observed) throw new Error(`the compaction of ${victim.table}/${victim.partition} never reached ${killAt}`);

    // The dead run holds its partition for COMPACTION_LEASE_SECONDS (900 s): let that time pass.
    const db = catalogDatabase();
    const runs = db.prepare("SELECT run_id, state FROM compaction_runs WHERE table_name = ? AND partition = ?").all(victim.table, victim.partition) as { run_id: string; state: string }[];
    db.prepare("UPDATE compaction_runs SET lease_until_ms = ? WHERE state NOT IN ('done', 'aborted')").run(Date.now() - 1);
    db.close();
    // Which step the kill interrupted: none (before the run began), planned/staged/swapped, or done.
    const killedRun = runs.find((r) => r.state !== "done" && r.state !== "aborted");
    const stateAtCrash = killedRun?.state ?? (runs.length > 0 ? "done (finished before the kill)" : "not begun");
    console.log(`[crash] compaction of ${victim.table}/${victim.partition} killed once its run was ${killAt}: run left ${stateAtCrash}`);

    running = await start();
    const recovered = { finished: [] as string[], undone: [] as string[] };
    const reports: { table: string; partition: string; files_in?: number; files_out?: number; status?: string }[] = [];
    for (const target of targets) {
      const response = await fetch(`${running.origin}/compact`, { method: "POST", headers: { ...ADMIN, "content-type": "application/json" }, body: JSON.stringify(target) });
      expect(response.status, await response.clone().text()).toBe(200);
      const result = (await response.json()) as { recovered: typeof recovered; runs: { status: string; report?: { files_in: number; files_out: number } }[] };
      recovered.finished.push(...result.recovered.finished);
      recovered.undone.push(...result.recovered.undone);
      const run = result.runs[0];
      reports.push({ ...target, status: run?.status, files_in: run?.report?.files_in, files_out: run?.report?.files_out });
    }
    // The kill caught the run unfinished, and the next pass settled it: finished when it had
    // swapped, undone otherwise.
    expect(killedRun, `the run was ${stateAtCrash} when the stack died`).toBeDefined();
    expect(killedRun?.state === "swapped" ? recovered.finished : recovered.undone).toContain(killedRun?.run_id);
    const status = (await (await fetch(`${running.origin}/compact/status`, { headers: ADMIN })).json()) as { unfinished: unknown[] };
    expect(status.unfinished).toEqual([]);

    const after = await lakeFiles(running.origin);
    const copies = copiesById(after);
    const ids = [...acknowledged];
    const missing = ids.filter((id) => !copies.has(id));
    const duplicates = [...copies.values()].filter((n) => n > 1).length;
    // Every visited partition is now one compacted file per table and partition.
    for (const target of targets) {
      const files = after.filter((f) => f.key.includes(`/${target.table}/`) && f.partition === target.partition);
      expect(files.length, `${target.table}/${target.partition}`).toBeGreaterThanOrEqual(1);
      expect(files.every((f) => f.key.includes("/compacted-")), `${target.table}/${target.partition}: ${files.map((f) => f.key).join(", ")}`).toBe(true);
    }
    // Nothing of the dead run (its outputs) or of retired inputs is left in the bucket.
    const stray: string[] = [];
    for (const table of LAKE_TABLES) {
      const keys = [...(await listObjects(running.origin, "analytics-source", `events/${table}/`)).keys()];
      stray.push(...keys.filter((key) => !after.some((f) => f.key === key)));
    }
    Object.assign(summary, {
      compaction: {
        kill_at: killAt,
        killed_run_state: stateAtCrash,
        recovered,
        partitions: reports,
        acknowledged: ids.length,
        found: ids.length - missing.length,
        lost: missing.length,
        duplicates_after_compaction: duplicates,
        stray_objects: stray.length,
      },
    });
    console.log(
      `[crash] after the compaction crash and recovery (${recovered.undone.length} run(s) undone, ${recovered.finished.length} finished): ` +
        `${ids.length} acknowledged, ${ids.length - missing.length} found, ${missing.length} lost, ${duplicates} event_id(s) more than once, ${stray.length} stray object(s)`,
    );
    expect(missing).toEqual([]);
    expect(duplicates).toBe(0);
    expect(stray).toEqual([]);
  });
  it.skipIf(!hasProcfs)("dbt killed mid-run leaves raw intact, and --full-refresh rebuilds the marts", { timeout: 300_000 }, async () => {
    if (!stack) throw new Error("the previous tests left no stack");
    const origin = stack.origin;
    const targetPath = join(workDir, "dbt-target");
    const dbt = () => runDbt(["run", "--full-refresh"], { origin, targetPath, capture: true, log: () => {} });

    const began = Date.now();
    const complete = await dbt();
    const seconds = (Date.now() - began) / 1000;
    expect(complete.exitCode, complete.output.slice(-3000)).toBe(0);
    const expected = await rawPageViewsPerDay(origin);
    const before = await martPageViewsPerDay(origin);
    expect(Object.keys(expected).length).toBeGreaterThan(0);
    expect(before).toEqual(expected);
    const rawBefore = await listObjects(origin, "analytics-source", "");

    // The same run again, its dbt process (the venv's Python, our child through runDbt) killed
    // with SIGKILL mid-run: once it has rewritten its first mart file (the analytics-processed
    // listing changes), after a further seeded delay of up to 300 ms.
    const processedBefore = await listObjects(origin, "analytics-processed", "");
    const interrupted = dbt();
    let finished = false;
    void interrupted.then(() => (finished = true));
    const began2 = Date.now();
    for (;;) {
      const now = await listObjects(origin, "analytics-processed", "");
      if (finished || [...now].some(([key, version]) => processedBefore.get(key) !== version)) break;
      await sleep(100);
    }
    const firstWriteMs = Date.now() - began2;
    const jitter = Math.round(random() * 300);
    await sleep(jitter);
    const killAfter = Date.now() - began2;
    const dbtProcess = finished ? undefined : allProcesses().find((p) => p.ppid === process.pid && p.cmdline.includes(join(".venv", "bin", "dbt")));
    if (dbtProcess) process.kill(dbtProcess.pid, "SIGKILL");
    const killed = await interrupted;
    console.log(`[crash] dbt run --full-refresh (${seconds.toFixed(1)} s uninterrupted) wrote its first mart file after ${firstWriteMs} ms, killed after ${killAfter} ms: ${dbtProcess ? `exit ${killed.exitCode}` : "it had already finished"}`);
    const processedAfterKill = await listObjects(origin, "analytics-processed", "");
    const processedChanged = [...processedAfterKill].filter(([key, etag]) => processedBefore.get(key) !== etag).length + [...processedBefore.keys()].filter((key) => !processedAfterKill.has(key)).length;
    console.log(`[crash] the killed dbt run had added, changed or removed ${processedChanged} of ${processedBefore.size} processed object(s)`);

    // Raw is dbt's input only: not one object added, changed or removed.
    const rawAfter = await listObjects(origin, "analytics-source", "");
    expect([...rawAfter]).toEqual([...rawBefore]);

    const rebuilt = await dbt();
    expect(rebuilt.exitCode, rebuilt.output.slice(-3000)).toBe(0);
    const after = await martPageViewsPerDay(origin);
    summary.dbt = {
      uninterrupted_seconds: seconds,
      first_mart_write_ms: firstWriteMs,
      killed_after_ms: killAfter,
      killed_mid_run: dbtProcess !== undefined,
      killed_exit_code: killed.exitCode,
      processed_objects_touched_by_killed_run: processedChanged,
      raw_objects: rawBefore.size,
      raw_objects_changed: [...rawBefore].filter(([key, etag]) => rawAfter.get(key) !== etag).length + [...rawAfter.keys()].filter((key) => !rawBefore.has(key)).length,
      page_views_per_day_before: before,
      page_views_per_day_after: after,
      page_views_per_day_from_raw: expected,
    };
    console.log(`[crash] agg_daily_metrics page views per day: before ${JSON.stringify(before)}, after the kill and a full refresh ${JSON.stringify(after)}, from raw ${JSON.stringify(expected)}`);
    expect(dbtProcess, "dbt finished before the kill").toBeDefined();
    expect(processedChanged, "the killed run had written part of the marts").toBeGreaterThan(0);
    expect(after).toEqual(before);
  });
});
