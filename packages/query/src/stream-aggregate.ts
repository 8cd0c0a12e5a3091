import { type AggregateSpec, firstCopiesCte, groupingOf } from "./aggregate.ts";
import { compileFilter } from "./filters.ts";
import { type MetricDefinition, metricsOf } from "./metrics.ts";
import type { PlannedFile } from "./plan.ts";
import type { SqlQuery } from "./sql.ts";

/** A metric that can be computed chunk by chunk, and how. */
type StreamDefinition = NonNullable<MetricDefinition["stream"]>;

/**
 * Why a question cannot be streamed (a metric needs every row at once), or undefined when it can.
 * @example unstreamable({ ...spec, metrics: ["latency_p95"] }) // "latency_p95 needs every row at once"
 */
export function unstreamable(spec: AggregateSpec): string | undefined {
  const definitions = metricsOf(spec.type);
  const blocked = spec.metrics.filter((name) => !definitions[name]?.stream);
  return blocked.length > 0 ? `${blocked.join(", ")} ${blocked.length > 1 ? "need" : "needs"} every row of the range at once` : undefined;
}

/**
 * Splits the planned files into chunks of at most `maxRows` rows, in partition order (the order
 * copies arrive in: a copy lands in the same or a later partition than its first copy).
 */
export function chunkFiles(files: readonly PlannedFile[], maxRows: number): PlannedFile[][] {
  const ordered = [...files].sort((a, b) => (a.partition ?? a.key).localeCompare(b.partition ?? b.key) || a.key.localeCompare(b.key));
  const chunks: PlannedFile[][] = [];
  let current: PlannedFile[] = [];
  let rows = 0;
  for (const file of ordered) {
    if (current.length > 0 && rows + file.rows > maxRows) {
      chunks.push(current);
      current = [];
      rows = 0;
    }
    current.push(file);
    rows += file.rows;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const partName = (metric: string, part: string) => `${metric}__${part}`;

/**
 * The SQL of one chunk's partial aggregates: per group (period, dimensions), the sums each
 * metric's parts need; and per distinct-counted column, the group's distinct values. Copies of
 * events counted in the previous chunk (`counted`) are left out, so a retry that landed in the
 * next partition counts once.
 */
export function partialSql(relation: string, spec: AggregateSpec, counted?: string): { sums: SqlQuery; distinct: Record<string, SqlQuery> } {
  const { dimensions, period, groups } = groupingOf(spec);
  const definitions = metricsOf(spec.type);
  const events = firstCopiesCte(relation, spec, compileFilter(spec.type, spec.filter), counted);
  const groupSelect = [...(period ? [`${period.sql} AS "period"`] : []), ...dimensions];
  const groupParams = period?.params ?? [];
  const parts: string[] = [];
  const distinctColumns = new Set<string>();
  for (const name of new Set(spec.metrics)) {
    const stream = definitions[name]?.stream as StreamDefinition;
    if ("distinct" in stream) distinctColumns.add(stream.distinct);
    else for (const [part, sql] of Object.entries(stream.parts)) parts.push(`${sql} AS "${partName(name, part)}"`);
  }
  const groupBy = groups.length > 0 ? `\nGROUP BY ${groups.join(", ")}` : "";
  const sums: SqlQuery = {
    sql: `${events.sql}\nSELECT ${[...groupSelect, ...parts, 'count(*) AS "__rows"'].join(", ")}\nFROM events${groupBy}`,
    params: [...events.params, ...groupParams],
  };
  const distinct: Record<string, SqlQuery> = {};
  for (const column of distinctColumns) {
    distinct[column] = {
      sql: `${events.sql}\nSELECT DISTINCT ${[...groupSelect, `"${column}" AS "__value"`].join(", ")}\nFROM events\nWHERE "${column}" IS NOT NULL`,
      params: [...events.params, ...groupParams],
    };
  }
  return { sums, distinct };
}

interface Group {
  values: Record<string, unknown>;
  sums: Map<string, number>;
  distinct: Map<string, Set<unknown>>;
}

/** Partial aggregates added up across chunks, then finished into the question's metrics. */
export class PartialAggregates {
  private readonly groups = new Map<string, Group>();
  private readonly groupNames: string[];
  private readonly partNames: string[];

  constructor(private readonly spec: AggregateSpec) {
    this.groupNames = [...(spec.granularity ? ["period"] : []), ...new Set(spec.dimensions)];
    const definitions = metricsOf(spec.type);
    this.partNames = [...new Set(spec.metrics)].flatMap((name) => {
      const stream = definitions[name]?.stream;
      return stream && "parts" in stream ? Object.keys(stream.parts).map((part) => partName(name, part)) : [];
    });
  }

  private group(row: Record<string, unknown>): Group {
    const key = JSON.stringify(this.groupNames.map((name) => row[name] ?? null));
    let group = this.groups.get(key);
    if (!group) {
      group = { values: Object.fromEntries(this.groupNames.map((name) => [name, row[name] ?? null])), sums: new Map(), distinct: new Map() };
      this.groups.set(key, group);
    }
    return group;
  }

  /** Adds one chunk's `sums` rows. */
  addSums(rows: readonly Record<string, unknown>[]): void {
    for (const row of rows) {
      // A chunk without a matching event still answers one all-zero row when there are no groups.
      if (Number(row.__rows ?? 0) === 0) continue;
      const group = this.group(row);
      for (const name of this.partNames) group.sums.set(name, (group.sums.get(name) ?? 0) + Number(row[name] ?? 0));
    }
  }

  /** Adds one chunk's distinct values of `column`. */
  addDistinct(column: string, rows: readonly Record<string, unknown>[]): void {
    for (const row of rows) {
      const group = this.group(row);
      let values = group.distinct.get(column);
      if (!values) group.distinct.set(column, (values = new Set()));
      values.add(row.__value);
    }
  }

  /** Every group with its finished metrics (unordered, unpaged). */
  rows(): Record<string, unknown>[] {
    const definitions = metricsOf(this.spec.type);
    return [...this.groups.values()].map((group) => {
      const row: Record<string, unknown> = { ...group.values };
      for (const name of new Set(this.spec.metrics)) {
        const stream = definitions[name]?.stream as StreamDefinition;
        if ("distinct" in stream) {
          row[name] = group.distinct.get(stream.distinct)?.size ?? 0;
        } else {
          const parts = Object.fromEntries(Object.keys(stream.parts).map((part) => [part, group.sums.get(partName(name, part)) ?? 0]));
          row[name] = stream.finish(parts);
        }
      }
      return row;
    });
  }
}
