// The catalog's storage seen by its protocols: the part of a Durable Object's SQLite API they use,
// so the same modules run over `ctx.storage.sql` in workerd and over node:sqlite in unit tests.

/** A value SQLite stores or binds (a Durable Object's SqlStorageValue). */
export type SqlValue = ArrayBuffer | string | number | null;

/** The rows of one statement (a Durable Object's SqlStorageCursor, the members used). */
export interface SqlCursor<T> {
  toArray(): T[];
  /** The single row; throws unless there is exactly one. */
  one(): T;
  /** Rows the statement wrote (0 for a read). */
  readonly rowsWritten: number;
}

/** One SQLite database: statements with bound parameters, and atomic groups of them. */
export interface CatalogSql {
  /** One statement, parameters bound (`?` or `?N`), never pasted into the text. */
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T>;
  /** Runs `body` atomically: all its writes or none (a Durable Object's `transactionSync`). */
  transaction<T>(body: () => T): T;
}

/** The part of a Durable Object's storage `durableObjectSql` needs (DurableObjectStorage, structurally). */
export interface DurableObjectSqlStorage {
  sql: { exec<T extends Record<string, SqlValue>>(query: string, ...bindings: SqlValue[]): SqlCursor<T> };
  transactionSync<T>(body: () => T): T;
}

/** A Durable Object's SQLite as these protocols see it: `ctx.storage.sql` and `transactionSync`. */
export function durableObjectSql(storage: DurableObjectSqlStorage): CatalogSql {
  return {
    exec: (query, ...bindings) => storage.sql.exec(query, ...bindings),
    transaction: (body) => storage.transactionSync(body),
  };
}
