import type { EventType } from "@edge-analytics/event-schema";
import { QueryError } from "./errors.ts";
import { dimensionIdentifier, kindOf } from "./fields.ts";
import { joinFragments, type SqlFragment, type SqlValue } from "./sql.ts";

/** Conditions on one field (each present key must hold). */
export interface FieldCondition {
  eq?: SqlValue;
  neq?: SqlValue;
  in?: SqlValue[];
  contains?: string;
  starts_with?: string;
  gt?: number | string;
  gte?: number | string;
  lt?: number | string;
  lte?: number | string;
  is_set?: boolean;
}

/** A filter: conditions per field, all of which hold, plus nested `and` / `or` groups. */
export interface Filter {
  and?: Filter[];
  or?: Filter[];
  [field: string]: FieldCondition | Filter[] | undefined;
}

/** How deep `and` / `or` may nest, and how many values `in` may list. */
export const FILTER_LIMITS = { depth: 5, inValues: 1000, conditions: 100 } as const;

const OPERATORS = ["eq", "neq", "in", "contains", "starts_with", "gt", "gte", "lt", "lte", "is_set"] as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function scalar(value: unknown, argument: string): SqlValue {
  if (value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value))) return value;
  throw new QueryError("BAD_ARGUMENT", "must be a string, a finite number, a boolean or null", argument);
}

function text(value: unknown, argument: string): string {
  if (typeof value === "string") return value;
  throw new QueryError("BAD_ARGUMENT", "must be a string", argument);
}

function fieldCondition(type: EventType, field: string, condition: unknown, argument: string): SqlFragment[] {
  const column = dimensionIdentifier(type, field, argument);
  if (!isPlainObject(condition)) throw new QueryError("BAD_ARGUMENT", "must be an object of operators such as { eq: ... }", argument);
  const parts: SqlFragment[] = [];
  const isText = kindOf(type, field) === "string";
  for (const [operator, value] of Object.entries(condition)) {
    const at = `${argument}.${operator}`;
    if (value === undefined) continue;
    switch (operator as (typeof OPERATORS)[number]) {
      case "eq":
        parts.push(value === null ? { sql: `${column} IS NULL`, params: [] } : { sql: `${column} = ?`, params: [scalar(value, at)] });
        break;
      case "neq":
        // SQL's <> drops nulls; "not equal" should keep rows whose field is unset.
        parts.push(value === null ? { sql: `${column} IS NOT NULL`, params: [] } : { sql: `${column} IS DISTINCT FROM ?`, params: [scalar(value, at)] });
        break;
      case "in": {
        if (!Array.isArray(value) || value.length === 0) throw new QueryError("BAD_ARGUMENT", "must be a non-empty list", at);
        if (value.length > FILTER_LIMITS.inValues) throw new QueryError("BAD_ARGUMENT", `lists at most ${FILTER_LIMITS.inValues} values`, at);
        parts.push({ sql: `${column} IN (${value.map(() => "?").join(", ")})`, params: value.map((v, i) => scalar(v, `${at}.${i}`)) });
        break;
      }
      case "contains":
      case "starts_with":
        if (!isText) throw new QueryError("BAD_ARGUMENT", `${operator} applies to text fields only`, at);
        parts.push({ sql: `${operator === "contains" ? "contains" : "starts_with"}(${column}, ?)`, params: [text(value, at)] });
        break;
      case "gt":
      case "gte":
      case "lt":
      case "lte": {
        const sign = { gt: ">", gte: ">=", lt: "<", lte: "<=" }[operator as "gt"];
        parts.push({ sql: `${column} ${sign} ?`, params: [scalar(value, at)] });
        break;
      }
      case "is_set":
        if (typeof value !== "boolean") throw new QueryError("BAD_ARGUMENT", "must be true or false", at);
        parts.push({ sql: `${column} IS ${value ? "NOT " : ""}NULL`, params: [] });
        break;
      default:
        throw new QueryError("BAD_ARGUMENT", `unknown operator "${operator}"; one of ${OPERATORS.join(", ")}`, at);
    }
  }
  return parts;
}

/**
 * Compiles a filter into a SQL condition with bound values. Field names are checked against the
 * event type's dimensions (generated from the schemas); values are only ever bound.
 * @example compileFilter("page_view", { country: { in: ["DE", "FR"] }, or: [{ utm_source: { eq: "x" } }] })
 */
export function compileFilter(type: EventType, filter: Filter | undefined, argument = "filter"): SqlFragment {
  let count = 0;
  const walk = (node: unknown, at: string, depth: number): SqlFragment => {
    if (depth > FILTER_LIMITS.depth) throw new QueryError("BAD_ARGUMENT", `and/or nest at most ${FILTER_LIMITS.depth} levels deep`, at);
    if (!isPlainObject(node)) throw new QueryError("BAD_ARGUMENT", "must be an object", at);
    const parts: SqlFragment[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (value === undefined || value === null) continue;
      if (++count > FILTER_LIMITS.conditions) throw new QueryError("BAD_ARGUMENT", `at most ${FILTER_LIMITS.conditions} conditions`, argument);
      if (key === "and" || key === "or") {
        if (!Array.isArray(value) || value.length === 0) throw new QueryError("BAD_ARGUMENT", "must be a non-empty list of filters", `${at}.${key}`);
        const children = value.map((child, i) => walk(child, `${at}.${key}.${i}`, depth + 1));
        const joined = joinFragments(children, key === "and" ? " AND " : " OR ");
        parts.push({ sql: `(${joined.sql})`, params: joined.params });
      } else {
        parts.push(...fieldCondition(type, key, value, `${at}.${key}`));
      }
    }
    if (parts.length === 0) return { sql: "TRUE", params: [] };
    return joinFragments(parts, " AND ");
  };
  return filter === undefined ? { sql: "TRUE", params: [] } : walk(filter, argument, 0);
}

/** The fields a filter names, at any depth: the columns a question must load to apply it. */
export function filterFields(filter: Filter | undefined): string[] {
  const fields = new Set<string>();
  const walk = (node: unknown) => {
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "and" || key === "or") for (const child of Array.isArray(value) ? value : []) walk(child);
      else fields.add(key);
    }
  };
  walk(filter);
  return [...fields];
}
