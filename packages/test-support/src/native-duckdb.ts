import { DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";

/** A value bound to a `?` placeholder. */
export type NativeSqlValue = string | number | boolean | null;

/** Native DuckDB (the reference the API's answers are compared with), behind the read path's runner shape. */
export interface NativeDuckDB {
  query<T extends Record<string, unknown>>(sql: string, params?: readonly NativeSqlValue[]): Promise<T[]>;
  run(sql: string): Promise<void>;
  close(): void;
}

/** BIGINT and HUGEINT come back as bigint; the API answers numbers, so compare numbers. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return value.toISOString();
  return value;
}

/**
 * An in-memory native DuckDB (`@duckdb/node-api`, with parquet built in): an independent engine
 * for tests and benchmarks to compute what the API must answer.
 */
export async function openNativeDuckDB(): Promise<NativeDuckDB> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await DuckDBConnection.create(instance);
  return {
    async query<T extends Record<string, unknown>>(sql: string, params: readonly NativeSqlValue[] = []): Promise<T[]> {
      const reader = await connection.runAndReadAll(sql, [...params]);
      return reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, plain(v)])) as T);
    },
    async run(sql: string): Promise<void> {
      await connection.run(sql);
    },
    close(): void {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
