// The engine's contract with the planner (packages/query) and the API Worker: what goes in
// (Arrow IPC, SQL with bound values) and what comes out (plain rows).

/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | boolean | null | bigint;

/**
 * An in-memory SQL engine (DuckDB-WASM) for one isolate.
 *
 * Result rows are plain objects keyed by column name:
 * - BIGINT/INTEGER/... → `number`, or `bigint` when a 64-bit value is not a safe integer;
 * - DOUBLE, and DECIMAL/HUGEINT (cast to DOUBLE by DuckDB, e.g. `sum` of a BIGINT) → `number`;
 * - VARCHAR, UUID, ENUM → `string`; BOOLEAN → `boolean`; BLOB → `Uint8Array`; NULL → `null`;
 * - TIMESTAMP (any precision) → ISO-8601 text in UTC with milliseconds
 *   (`2026-01-01T10:00:00.000Z`); DATE → `YYYY-MM-DD`;
 * - LIST → array, STRUCT → object, converted the same way.
 * INTERVAL, TIME and other types are refused with an `EngineError` of kind `sql`: cast them in SQL.
 */
export interface SqlEngine {
  /** Creates or replaces table `name` (a plain identifier) from an Arrow IPC stream. */
  insertArrow(name: string, ipc: Uint8Array): Promise<void>;
  /**
   * Runs one statement with `?` placeholders bound to `params` (a prepared statement: a value
   * is never SQL). Rows as plain objects (see {@link SqlEngine} for the type mapping).
   */
  query<T extends Record<string, unknown>>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Drops table `name` if it exists. */
  dropTable(name: string): Promise<void>;
  /** Bytes of the wasm heap now (it never shrinks). */
  memoryBytes(): number;
}
