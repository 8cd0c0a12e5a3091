import { ANALYTICS_ENGINE_DATASET, ANALYTICS_ENGINE_MAP, analyticsEngineColumn as column, type EventType, projectIdSchema } from "@edge-analytics/event-schema";
import { numberLiteral, stringLiteral, UnsafeLiteralError } from "./analytics-engine-literals.ts";
import type { AnalyticsEngineQuery } from "./hot-queries.ts";

/** One condition Analytics Engine can apply: a text field equal to (or not) one of some values. */
export interface RealtimeCondition {
  field: string;
  op: "eq" | "neq" | "in";
  values: string[];
}

/**
 * The part of an aggregate question Analytics Engine answers: one event type's events of one
 * project whose own timestamp falls in [fromMs, toMs), grouped by text fields, counted (or a
 * double summed). Built by the read planner (packages/query) for the minutes the lake has not
 * got yet.
 */
export interface RealtimeAggregate {
  type: EventType;
  projectId: string;
  fromMs: number;
  toMs: number;
  dimensions: string[];
  /** Output name → what it adds up: every event, or a double field's values. */
  measures: Record<string, { count: true } | { sum: string }>;
  conditions: RealtimeCondition[];
  includeBots: boolean;
}

/** Whether Analytics Engine keeps `field` of `type` as text (a blob), so it can group or filter by it. */
export function realtimeTextField(type: EventType, field: string): boolean {
  return ANALYTICS_ENGINE_MAP[type].blobs.includes(field);
}

/** Whether Analytics Engine keeps `field` of `type` as a number (a double), so it can sum it. */
export function realtimeNumberField(type: EventType, field: string): boolean {
  return ANALYTICS_ENGINE_MAP[type].doubles.includes(field);
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * The Analytics Engine SQL of a realtime aggregate. Counts weight by `_sample_interval` (Analytics
 * Engine samples); absent text is `''` there (it has no nulls), which callers read as null. Names
 * come from the generated column map, values through the literal renderers.
 * @example realtimeAggregateQuery({ type: "page_view", projectId: "local", fromMs, toMs, dimensions: ["page_url"], measures: { view_count: { count: true } }, conditions: [], includeBots: false })
 */
export function realtimeAggregateQuery(question: RealtimeAggregate): AnalyticsEngineQuery {
  const { type } = question;
  if (!projectIdSchema.safeParse(question.projectId).success) throw new UnsafeLiteralError(`invalid project id "${question.projectId}"`);
  const select: string[] = [];
  for (const dimension of question.dimensions) {
    if (!realtimeTextField(type, dimension)) throw new UnsafeLiteralError(`"${dimension}" is not a text field of ${type} in Analytics Engine`);
    select.push(`${column(type, dimension)} AS ${dimension}`);
  }
  for (const [name, measure] of Object.entries(question.measures)) {
    if (!NAME.test(name)) throw new UnsafeLiteralError(`invalid measure name "${name}"`);
    if ("count" in measure) select.push(`sum(_sample_interval) AS ${name}`);
    else if (realtimeNumberField(type, measure.sum)) select.push(`sum(_sample_interval * ${column(type, measure.sum)}) AS ${name}`);
    else throw new UnsafeLiteralError(`"${measure.sum}" is not a number field of ${type} in Analytics Engine`);
  }
  select.push(`max(${column(type, "timestamp_ms")}) AS through_ms`);
  const where = [
    `index1 = ${stringLiteral(question.projectId)}`,
    `${column(type, "type")} = ${stringLiteral(type)}`,
    `${column(type, "timestamp_ms")} >= ${numberLiteral(question.fromMs)}`,
    `${column(type, "timestamp_ms")} < ${numberLiteral(question.toMs)}`,
  ];
  if (!question.includeBots) where.push(`${column(type, "is_bot")} = 0`, `${column(type, "device_type")} != 'bot'`);
  for (const condition of question.conditions) {
    if (!realtimeTextField(type, condition.field)) throw new UnsafeLiteralError(`"${condition.field}" is not a text field of ${type} in Analytics Engine`);
    const slot = column(type, condition.field);
    const values = condition.values.map(stringLiteral);
    if (values.length === 0) throw new UnsafeLiteralError("a condition needs at least one value");
    where.push(condition.op === "neq" ? `${slot} != ${values[0]}` : condition.op === "eq" ? `${slot} = ${values[0]}` : `${slot} IN (${values.join(", ")})`);
  }
  return {
    name: "realtime-aggregate",
    sql: [
      `SELECT ${select.join(", ")}`,
      `FROM ${ANALYTICS_ENGINE_DATASET}`,
      `WHERE ${where.join("\n  AND ")}`,
      ...(question.dimensions.length > 0 ? [`GROUP BY ${question.dimensions.map((d) => column(type, d)).join(", ")}`] : []),
      "FORMAT JSON",
    ].join("\n"),
  };
}
