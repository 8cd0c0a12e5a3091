import { type AePlan, type CompileOptions, compile, type SqlRow, sortRows, TABLE_EXISTS_SQL } from "./compile.ts";
import { AeSqlError, integerOverflow } from "./errors.ts";
import { type FormattedResult, formatResult } from "./format-result.ts";
import { RAISE_PREFIX, type SqlParam } from "./sql-builder.ts";
import { type AeType, typeName } from "./types.ts";
import type { JsValue } from "./values.ts";

/** A query result before encoding: columns (name, ClickHouse type) and rows of JavaScript values. */
export interface AeResult {
  readonly meta: ReadonlyArray<{ readonly name: string; readonly type: string }>;
  readonly types: readonly AeType[];
  readonly data: ReadonlyArray<readonly JsValue[]>;
  readonly rows: number;
  /** Rows there were before LIMIT; only reported when the query has a LIMIT (as ClickHouse does). */
  readonly rowsBeforeLimitAtLeast: number | undefined;
}

/**
 * Turns the rows SQLite returned for `plan.sql` into the result: computes JavaScript-finished
 * columns, sorts/de-duplicates where SQLite could not, applies OFFSET, and refuses a result
 * larger than the maximum rather than cutting it.
 * @example executePlan(plan, ctx.storage.sql.exec(plan.sql, ...plan.params).toArray())
 */
export function executePlan(plan: AePlan, rows: readonly SqlRow[]): AeResult {
  const columns = plan.columns;
  const meta = columns.map((c) => ({ name: c.name, type: typeName(c.type) }));
  const types = columns.map((c) => c.type);
  if (plan.staticRows !== undefined) {
    return { meta, types, data: plan.staticRows, rows: plan.staticRows.length, rowsBeforeLimitAtLeast: undefined };
  }
  let data: JsValue[][];
  let total: number;
  if (plan.js !== undefined) {
    if (rows.length > plan.js.maxRows) {
      throw new AeSqlError("limit", `the query needs more than ${plan.js.maxRows} rows sorted in JavaScript by the local emulator: add a narrower WHERE`);
    }
    const order = plan.js.order;
    let computed = rows.map((row) => ({ values: columns.map((c) => c.read(row)), keys: order.map((o) => o.read(row)) }));
    if (plan.js.distinct) {
      const seen = new Set<string>();
      computed = computed.filter((r) => {
        const key = JSON.stringify(r.values, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v));
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    const sorted = sortRows(
      computed,
      order.map((o, i) => ({ read: (r: (typeof computed)[number]) => r.keys[i] ?? null, descending: o.descending })),
    );
    total = sorted.length;
    data = sorted.map((r) => r.values);
  } else {
    total = plan.totalColumn === undefined ? rows.length : Number((rows[0] as SqlRow | undefined)?.[plan.totalColumn] ?? 0);
    data = rows.map((row) => columns.map((c) => c.read(row)));
  }
  const end = plan.limit === undefined ? undefined : plan.offset + plan.limit;
  data = data.slice(plan.offset, end);
  if (plan.limit === undefined && data.length > plan.maxRows) {
    throw new AeSqlError("limit", `the result has more than ${plan.maxRows} rows: add a LIMIT of at most ${plan.maxRows} (or narrow the query)`);
  }
  return { meta, types, data, rows: data.length, rowsBeforeLimitAtLeast: plan.limit === undefined ? undefined : total };
}

/** Runs one statement against the `data_points` table (the Durable Object passes `ctx.storage.sql`). */
export interface AeSqlRunner {
  exec(sql: string, params: readonly SqlParam[]): readonly SqlRow[];
}

/**
 * SQLite's own limits, which a valid query can reach: their values differ between SQLite builds
 * (workerd's Durable Object SQLite allows expressions 100 deep, node:sqlite 1000), so the query is
 * refused as too complex rather than answered with a server error.
 */
const SQLITE_LIMIT_ERRORS = /Expression tree is too large \(maximum depth \d+\)|LIKE or GLOB pattern too complex|too many SQL variables|string or blob too big|statement too long|parser stack overflow/;

/**
 * A SQLite error raised on purpose by the generated SQL (division by zero, an unparsable
 * DateTime string) as the {@link AeSqlError} it stands for, a SQLite limit or integer overflow as
 * a refusal; any other error unchanged.
 */
export function translateSqliteError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const at = message.indexOf(RAISE_PREFIX);
  if (at !== -1) {
    const end = message.lastIndexOf("'");
    return new AeSqlError("runtime", message.slice(at + RAISE_PREFIX.length, end > at ? end : undefined));
  }
  const limit = SQLITE_LIMIT_ERRORS.exec(message);
  if (limit !== null) return new AeSqlError("limit", `the query is too complex for the local emulator's SQLite (${limit[0]}): simplify it`);
  // sum() of integers beyond the int64 range.
  if (/\binteger overflow\b/.test(message)) return integerOverflow();
  return error;
}

function run(runner: AeSqlRunner, sql: string, params: readonly SqlParam[]): readonly SqlRow[] {
  try {
    return runner.exec(sql, params);
  } catch (error) {
    throw translateSqliteError(error);
  }
}

/**
 * The whole SQL API over one SQLite database: compile, check the dataset exists, run the one
 * statement, format. Throws {@link AeSqlError} (status 422) for every refused or failed query.
 * @example
 * const { contentType, body } = runAeSql(await request.text(), {
 *   exec: (sql, params) => this.ctx.storage.sql.exec(sql, ...params).toArray(),
 * });
 */
export function runAeSql(text: string, runner: AeSqlRunner, options: CompileOptions = {}): FormattedResult {
  const plan = compile(text, options);
  if (plan.table !== undefined && run(runner, TABLE_EXISTS_SQL, [plan.table]).length === 0) {
    // Analytics Engine creates a table on the first write; before that the SQL API reports it missing.
    throw new AeSqlError("unknown-table", `Table ${plan.table} does not exist: no data point has been written to this dataset yet`);
  }
  const rows = plan.sql === undefined ? [] : run(runner, plan.sql, plan.params);
  return formatResult(executePlan(plan, rows), plan.format);
}
