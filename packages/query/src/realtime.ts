import { type RealtimeAggregate, type RealtimeCondition, realtimeTextField } from "@edge-analytics/sql";
import type { AggregateSpec } from "./aggregate.ts";
import type { Filter } from "./filters.ts";
import { metricsOf } from "./metrics.ts";

/** Analytics Engine as the read path needs it: the rows of a realtime aggregate (counts may be sampled). */
export interface RealtimeSource {
  aggregate(question: RealtimeAggregate): Promise<Record<string, unknown>[]>;
}

/** How long Analytics Engine keeps data points (Cloudflare: three months); older minutes are the lake's alone. */
export const ANALYTICS_ENGINE_RETENTION_MS = 90 * 24 * 3_600_000;

/** Why a question's newest minutes were not added from Analytics Engine (for meta), or the question to ask. */
export type RealtimePlan = { question: RealtimeAggregate } | { skipped: string };

/** A filter Analytics Engine can apply: field conditions with eq / neq / in on text fields, no nesting. */
function realtimeConditions(spec: AggregateSpec, filter: Filter | undefined): RealtimeCondition[] | string {
  const conditions: RealtimeCondition[] = [];
  for (const [field, condition] of Object.entries(filter ?? {})) {
    if (condition === undefined || condition === null) continue;
    if (field === "and" || field === "or") return "the filter nests and/or";
    if (!realtimeTextField(spec.type, field)) return `Analytics Engine does not keep ${field} as text`;
    for (const [op, value] of Object.entries(condition as Record<string, unknown>)) {
      if (value === undefined || value === null) continue;
      if ((op === "eq" || op === "neq") && typeof value === "string") conditions.push({ field, op, values: [value] });
      else if (op === "in" && Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string")) conditions.push({ field, op, values: value as string[] });
      else return `the filter uses ${op} on ${field}`;
    }
  }
  return conditions;
}

/**
 * The realtime tier's part of an aggregate: the events newer than every raw file (`rawThroughMs`)
 * up to the end of the range, when Analytics Engine can answer the question (additive metrics,
 * text dimensions it keeps, simple filters, no time series). Events up to `rawThroughMs` are the
 * lake's; later ones are only in Analytics Engine, so the two parts never overlap.
 */
export function planRealtime(spec: AggregateSpec, rawThroughMs: number | null, nowMs: number): RealtimePlan {
  const fromMs = Math.max(spec.range.fromMs, rawThroughMs === null ? spec.range.fromMs : rawThroughMs + 1, nowMs - ANALYTICS_ENGINE_RETENTION_MS);
  // A minute of clock skew between the producer and us is still "now".
  const toMs = Math.min(spec.range.toMs, nowMs + 60_000);
  if (fromMs >= toMs) return { skipped: rawThroughMs !== null && rawThroughMs + 1 >= toMs ? "the lake holds the whole range" : "the range is older than Analytics Engine keeps" };
  if (spec.granularity) return { skipped: "time series are answered from the lake" };
  const definitions = metricsOf(spec.type);
  const measures: RealtimeAggregate["measures"] = {};
  for (const name of spec.metrics) {
    const realtime = definitions[name]?.realtime;
    if (!realtime) return { skipped: `${name} is not additive` };
    measures[name] = realtime;
  }
  for (const dimension of spec.dimensions) {
    if (!realtimeTextField(spec.type, dimension)) return { skipped: `Analytics Engine does not keep ${dimension} as text` };
  }
  const conditions = realtimeConditions(spec, spec.filter);
  if (typeof conditions === "string") return { skipped: conditions };
  return {
    question: { type: spec.type, projectId: spec.projectId, fromMs, toMs, dimensions: [...new Set(spec.dimensions)], measures, conditions, includeBots: spec.includeBots ?? false },
  };
}

const groupKey = (row: Record<string, unknown>, dimensions: readonly string[]) => JSON.stringify(dimensions.map((d) => row[d] ?? null));

/**
 * Adds the realtime rows to the lake's groups (every group, before ordering and paging): counts and
 * sums add up; Analytics Engine's `''` is the lake's null. Returns the merged groups and the
 * latest event timestamp Analytics Engine reported.
 */
export function mergeRealtime(
  lakeRows: readonly Record<string, unknown>[],
  realtimeRows: readonly Record<string, unknown>[],
  question: RealtimeAggregate,
): { rows: Record<string, unknown>[]; throughMs: number | null } {
  const groups = new Map(lakeRows.map((row) => [groupKey(row, question.dimensions), { ...row }]));
  let throughMs: number | null = null;
  for (const raw of realtimeRows) {
    const row: Record<string, unknown> = { ...raw };
    for (const dimension of question.dimensions) if (row[dimension] === "") row[dimension] = null;
    const measures = Object.keys(question.measures);
    if (measures.every((name) => Number(row[name] ?? 0) === 0)) continue;
    const through = Number(row.through_ms);
    if (Number.isFinite(through) && through > 0) throughMs = Math.max(throughMs ?? 0, through);
    const key = groupKey(row, question.dimensions);
    const group = groups.get(key) ?? Object.fromEntries([...question.dimensions.map((d) => [d, row[d] ?? null]), ...measures.map((m) => [m, 0])]);
    for (const name of measures) group[name] = Number(group[name] ?? 0) + Number(row[name] ?? 0);
    groups.set(key, group);
  }
  return { rows: [...groups.values()], throughMs };
}

/** Orders merged groups as the SQL would have (the asked order, then the groups ascending, nulls last), then pages them. */
export function orderAndPage(rows: Record<string, unknown>[], spec: AggregateSpec): Record<string, unknown>[] {
  const order = spec.orderBy && spec.orderBy.length > 0 ? spec.orderBy : [{ field: spec.metrics[0] as string, direction: "DESC" as const }];
  const terms = [...order, ...spec.dimensions.map((field) => ({ field, direction: "ASC" as const }))];
  const compare = (a: unknown, b: unknown): number => {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    return typeof a === "number" && typeof b === "number" ? a - b : String(a) < String(b) ? -1 : 1;
  };
  const sorted = [...rows].sort((x, y) => {
    for (const term of terms) {
      const a = x[term.field];
      const b = y[term.field];
      // Nulls last in either direction, as NULLS LAST.
      if ((a === null || a === undefined) !== (b === null || b === undefined)) return a === null || a === undefined ? 1 : -1;
      const c = compare(a, b);
      if (c !== 0) return term.direction === "ASC" ? c : -c;
    }
    return 0;
  });
  const offset = spec.offset ?? 0;
  return sorted.slice(offset, offset + spec.limit);
}
