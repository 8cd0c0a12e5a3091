import { QueryError } from "./errors.ts";

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | boolean | null;

/** SQL as data: text with `?` placeholders and the values bound to them, in order. */
export interface SqlQuery {
  sql: string;
  params: SqlValue[];
}

/** A fragment of SQL with its own bound values, composed into a {@link SqlQuery}. */
export interface SqlFragment {
  sql: string;
  params: SqlValue[];
}

/**
 * Quotes an identifier that is on `allowed`. User input never becomes SQL text except through
 * this check: a name is either one of the schema's columns (generated from the zod schemas) or
 * refused.
 */
export function identifier(name: string, allowed: ReadonlySet<string>, argument: string): string {
  if (!allowed.has(name)) {
    throw new QueryError("BAD_ARGUMENT", `unknown field "${name}"; one of: ${[...allowed].sort().join(", ")}`, argument);
  }
  return `"${name}"`;
}

/** Joins fragments with `separator`, keeping their parameters in order. */
export function joinFragments(fragments: SqlFragment[], separator: string): SqlFragment {
  return { sql: fragments.map((f) => f.sql).join(separator), params: fragments.flatMap((f) => f.params) };
}
