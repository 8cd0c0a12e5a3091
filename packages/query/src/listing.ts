import { type EventType, lakeColumns } from "@edge-analytics/event-schema";
import { firstCopiesCte } from "./aggregate.ts";
import { QueryError } from "./errors.ts";
import { compileFilter, type Filter, filterFields } from "./filters.ts";
import { type LakeFileCatalog, type RawLoader, type ReadBudget, type SqlRunner, planWithinBudget, rawMeta, type AnswerMeta } from "./run-aggregate.ts";
import type { SqlQuery } from "./sql.ts";
import type { TimeRange } from "./time-range.ts";

/** A listing of raw events, newest first, a page at a time. */
export interface ListingSpec {
  type: EventType;
  projectId: string;
  range: TimeRange;
  filter?: Filter;
  includeBots?: boolean;
  /** Page size. */
  first: number;
  /** The cursor of the last event of the previous page. */
  after?: string;
}

/** Most events one page may list. */
export const MAX_PAGE_SIZE = 1000;

/** Where a page ends: the last event's time and id (events are ordered by both, newest first). */
interface Cursor {
  timestampMs: number;
  eventId: string;
}

/** An opaque cursor: base64url of the last event's time and id. */
export function encodeCursor(cursor: Cursor): string {
  return btoa(JSON.stringify([cursor.timestampMs, cursor.eventId])).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decodeCursor(text: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(atob(text.replace(/-/g, "+").replace(/_/g, "/")));
    if (Array.isArray(parsed) && typeof parsed[0] === "number" && Number.isFinite(parsed[0]) && typeof parsed[1] === "string") {
      return { timestampMs: parsed[0], eventId: parsed[1] };
    }
  } catch {
    // reported below
  }
  throw new QueryError("BAD_ARGUMENT", "is not a cursor this API gave out (pass pageInfo.endCursor as it came)", "after");
}

/**
 * The SQL of one page of raw events: the project's first copies in the range, filtered, newest
 * first by (timestamp, event_id), after the cursor, one more than the page to know if another
 * follows. Timestamps are selected as epoch milliseconds, the same in every engine.
 */
export function listingSql(relation: string, spec: ListingSpec): SqlQuery {
  if (!Number.isInteger(spec.first) || spec.first < 1 || spec.first > MAX_PAGE_SIZE) {
    throw new QueryError("BAD_ARGUMENT", `must be an integer from 1 to ${MAX_PAGE_SIZE}`, "first");
  }
  const filter = compileFilter(spec.type, spec.filter);
  const cursor = spec.after === undefined ? undefined : decodeCursor(spec.after);
  const columns = lakeColumns(spec.type).map((c) => (c.kind === "timestamp" ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`));
  const after = cursor ? `\n  AND (epoch_ms("timestamp") < ? OR (epoch_ms("timestamp") = ? AND "event_id" < ?))` : "";
  const events = firstCopiesCte(relation, spec, filter);
  const sql = `${events.sql}
SELECT ${columns.join(", ")}
FROM events
WHERE TRUE${after}
ORDER BY epoch_ms("timestamp") DESC, "event_id" DESC
LIMIT ${spec.first + 1}`;
  return {
    sql,
    params: [...events.params, ...(cursor ? [cursor.timestampMs, cursor.timestampMs, cursor.eventId] : [])],
  };
}

/** One page of events, as stored (timestamps ISO, properties parsed), and where the next starts. */
export interface EventPage {
  nodes: Record<string, unknown>[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  meta: AnswerMeta;
}

/** Lists raw events from the lake, a page at a time (the read budget applies as to aggregates). */
export async function runRawListing(
  spec: ListingSpec,
  deps: { catalog: LakeFileCatalog; loader: RawLoader; engine: SqlRunner; budget: ReadBudget; now?: () => number },
): Promise<EventPage> {
  const now = deps.now ?? Date.now;
  const started = now();
  const plan = await planWithinBudget(spec.type, spec.range, deps, { unstreamable: "a listing loads its range at once" });
  listingSql("raw_events", spec);
  const loadStarted = now();
  const loaded = await deps.loader.load({
    type: spec.type,
    files: plan.read,
    // Every stored field, plus the properties.<key> columns the filter names.
    columns: [...new Set([...lakeColumns(spec.type).map((c) => c.name), ...filterFields(spec.filter)])],
    projectId: spec.projectId,
    fromMs: spec.range.fromMs,
    toMs: spec.range.toMs,
  });
  const sqlStarted = now();
  let rows: Record<string, unknown>[];
  try {
    const query = listingSql(loaded.name, spec);
    rows = await deps.engine.query(query.sql, query.params);
  } finally {
    await loaded.release();
  }
  const page = rows.slice(0, spec.first);
  const timestampColumns = lakeColumns(spec.type).filter((c) => c.kind === "timestamp").map((c) => c.name);
  const nodes = page.map((row) => {
    const node: Record<string, unknown> = { ...row };
    for (const name of timestampColumns) if (node[name] !== null && node[name] !== undefined) node[name] = new Date(Number(node[name])).toISOString();
    if (typeof node.properties === "string") node.properties = JSON.parse(node.properties);
    return node;
  });
  const last = page.at(-1);
  return {
    nodes,
    pageInfo: {
      hasNextPage: rows.length > spec.first,
      endCursor: last ? encodeCursor({ timestampMs: Number(last.timestamp), eventId: String(last.event_id) }) : null,
    },
    meta: rawMeta(spec.range, plan, loaded.stats, deps.engine, {
      durationMs: Math.round(now() - started),
      loadMs: Math.round(sqlStarted - loadStarted),
      sqlMs: Math.round(now() - sqlStarted),
    }),
  };
}
