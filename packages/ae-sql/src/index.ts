/**
 * Workers Analytics Engine SQL, locally: parse the API's ClickHouse-like dialect, compile it to
 * one SQLite statement over the recorder's `data_points` table, and format the rows the way the
 * SQL API answers. Pure TypeScript: the Durable Object only runs the SQL it is given.
 */
export type { AeFormat, Expr, SelectQuery, Statement } from "./ast.ts";
export { columnName } from "./column-name.ts";
export { type AeColumn, type AePlan, type CompileOptions, compile, compileStatement, type SqlRow, TABLE_COLUMNS, TABLE_EXISTS_SQL } from "./compile.ts";
export { AeSqlError, type AeSqlErrorCode } from "./errors.ts";
export { type AeResult, type AeSqlRunner, executePlan, runAeSql, translateSqliteError } from "./execute.ts";
export { type FormattedResult, formatResult } from "./format-result.ts";
export { AE_SQL_LIMITS, type AeSqlLimits, resolveLimits } from "./limits.ts";
export { parse } from "./parse.ts";
export type { SqlParam } from "./sql-builder.ts";
export { DEFAULT_TIME_ZONE, supportedTimeZones } from "./timezones.ts";
export { type Token, tokenize } from "./tokenize.ts";
export { type AeType, typeName } from "./types.ts";
export type { JsValue } from "./values.ts";
export { DATA_POINTS_DDL } from "./data-points-table.ts";
