// The catalog's protocols over node:sqlite, with the Durable Object SQLite limits Node does not
// enforce (https://developers.cloudflare.com/durable-objects/platform/limits/), as in
// packages/ae-sql/test/fixture.ts.
import { DatabaseSync } from "node:sqlite";
import { rawObjectKey, type ParquetFileFacts } from "@edge-analytics/lake";
import type { TableName } from "@edge-analytics/event-schema";
import { type CatalogSql, runMigrations, type SqlCursor, type SqlValue } from "../src/index.ts";

const DO_MAX_BOUND_PARAMETERS = 100;
const DO_MAX_SQL_BYTES = 100_000;

/** A CatalogSql over an in-memory (or given) node:sqlite database, behaving like `ctx.storage.sql` + `transactionSync`. */
export function memoryCatalogSql(db = new DatabaseSync(":memory:")): CatalogSql & { db: DatabaseSync; statements: string[]; rowsWritten: () => number } {
  const statements: string[] = [];
  let depth = 0;
  // Every statement's rows written, summed: what a SQLite-backed Durable Object bills.
  let written = 0;
  const totalChanges = () => (db.prepare("SELECT total_changes() AS n").get() as { n: number }).n;
  return {
    db,
    statements,
    rowsWritten: () => written,
    exec<T extends Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T> {
      statements.push(query);
      if (bindings.length > DO_MAX_BOUND_PARAMETERS) throw new Error(`${bindings.length} bound parameters; Durable Object SQLite allows ${DO_MAX_BOUND_PARAMETERS}`);
      if (new TextEncoder().encode(query).byteLength > DO_MAX_SQL_BYTES) throw new Error("SQL statement too long for Durable Object SQLite");
      const before = totalChanges();
      // node:sqlite binds ArrayBuffer views, not ArrayBuffers; the catalog binds none, but stay faithful.
      const rows = db.prepare(query).all(...bindings.map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : b))) as T[];
      const rowsWritten = totalChanges() - before;
      written += rowsWritten;
      return {
        toArray: () => rows,
        one: () => {
          if (rows.length !== 1) throw new Error(`expected exactly one row, got ${rows.length}`);
          return rows[0] as T;
        },
        rowsWritten,
      };
    },
    transaction<T>(body: () => T): T {
      // Savepoints nest, as transactionSync does inside a Durable Object.
      const name = `catalog_tx_${depth++}`;
      db.exec(`SAVEPOINT ${name}`);
      try {
        const result = body();
        db.exec(`RELEASE ${name}`);
        return result;
      } catch (error) {
        db.exec(`ROLLBACK TO ${name}`);
        db.exec(`RELEASE ${name}`);
        throw error;
      } finally {
        depth -= 1;
      }
    },
  };
}

export const COLUMNS = [
  { name: "event_id", type: "BYTE_ARRAY", nullable: false },
  { name: "timestamp", type: "INT64", nullable: false },
];

/** A raw file's key in the hour `at` falls in. */
export function keyIn(table: TableName, at: number, id: string): string {
  return rawObjectKey(table, new Date(at), id);
}

/** A file's facts: `rows` received in `hour` (`2026-11-25T09`) unless spread otherwise. */
export function facts(rowsByReceivedHour: Record<string, number>, options: Partial<ParquetFileFacts> = {}): ParquetFileFacts {
  const rows = Object.values(rowsByReceivedHour).reduce((a, b) => a + b, 0);
  return { rows, bytes: rows * 100, minTimestampMs: 1_000, maxTimestampMs: 2_000, columns: COLUMNS, rowsByReceivedHour, ...options };
}

/** The tests' clock: 2026-11-25 12:00 UTC, and 09:00 of that day. */
export const NOW = Date.UTC(2026, 10, 25, 12);
export const HOUR9 = Date.UTC(2026, 10, 25, 9);

/** A migrated catalog over in-memory node:sqlite, as the Durable Object has it before any method. */
export function migratedCatalogSql() {
  const sql = memoryCatalogSql();
  runMigrations(sql, undefined, NOW);
  return sql;
}
