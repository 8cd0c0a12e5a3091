// SqlEngine over an instantiated DuckDB-WASM (blocking build): one connection, settings applied
// once, prepared statements for every query, failures mapped to EngineError. Platform-free: the
// DuckDB instance is passed in (src/duckdb.ts in workerd; Node in tests and the thunk capture).
import { ipcChunks } from "./arrow-chunks.ts";
import { rowsFromArrowIPC } from "./arrow-rows.ts";
import { EngineError, engineErrorFrom } from "./engine-error.ts";
import type { InstantiatedDuckDB } from "./instantiate.ts";
import type { SqlEngine, SqlValue } from "./sql-engine.ts";

/** Options of an engine; every one may be changed on a running engine. */
export interface EngineOptions {
  /**
   * DuckDB's `memory_limit` (default {@link DEFAULT_MEMORY_LIMIT}): bounds DuckDB's buffer
   * manager (tables, hash tables, sorts), not the wasm heap, which also holds DuckDB's code data
   * and the copies an Arrow insert makes, and never shrinks. A query over it fails with
   * `EngineError` kind `out_of_memory` (in memory, nothing can spill to disk).
   */
  readonly memoryLimit?: string;
}

/**
 * 64 MB: with DuckDB's own 16-19 MiB of heap, the copies inserts make and a request's JS objects
 * this stays under a Worker isolate's 128 MB. See the package README "Memory" for the measured
 * figures.
 */
export const DEFAULT_MEMORY_LIMIT = "64MB";

/** Settings of every engine, applied once after open (before any caller's SQL), in this order. */
const FIXED_SETTINGS = [
  // Tables live in a compressed in-memory database: measured on 100k page views x 25 columns
  // inserted in 2 MiB pieces, the heap ends at 40 MiB instead of 72 MiB (uncompressed, one
  // insert), for ~0.2 s more insert time and the same query times (README "Memory").
  "ATTACH ':memory:' AS lake (COMPRESS)",
  "USE lake",
  // One thread: the eh build has no pthreads, and a Worker has one core per request anyway.
  "SET threads = 1",
  // Extensions (parquet, json, icu, httpfs) are not linked in; loading one would fetch it at run
  // time, which fails in a Worker. A missing function is a Catalog Error instead.
  "SET autoinstall_known_extensions = false",
  "SET autoload_known_extensions = false",
  // No file or network access from SQL (data arrives as Arrow), and no extension loading: DuckDB
  // still tries to load ICU for TIMESTAMPTZ functions with autoloading off, and the glue's loader
  // then throws inside the call (measured), leaving a transaction open. With access off it is a
  // clean "Extension Autoloading Error".
  "SET enable_external_access = false",
];

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

function tableIdentifier(name: string, operation: string): string {
  if (!IDENTIFIER.test(name)) {
    throw new EngineError("sql", `${operation}: table name ${JSON.stringify(name)} must be a plain identifier ([A-Za-z_][A-Za-z0-9_]*)`, {
      statement: `${operation}(${name})`,
    });
  }
  return `"${name}"`;
}

/**
 * A bound value as duckdb-wasm passes it (JSON): numbers become DOUBLE, strings VARCHAR; DuckDB
 * casts each to the placeholder's inferred type. A bigint goes as its decimal text, the only
 * lossless way through JSON; non-finite numbers have no JSON form and are refused.
 */
function jsonParameter(value: SqlValue, index: number, statement: string): string | number | boolean | null {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new EngineError("sql", `parameter ${index + 1} is ${value}, which cannot be bound`, { statement });
  }
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  throw new EngineError("sql", `parameter ${index + 1} is a ${typeof value}, not a SqlValue`, { statement });
}

/** The live engine; {@link createSqlEngine} builds it. */
class DuckDBSqlEngine implements SqlEngine {
  readonly #duckdb: InstantiatedDuckDB;
  readonly #connection: number;
  readonly #onBroken: (error: EngineError) => void;
  #memoryLimit: string | undefined;
  #broken: EngineError | undefined;

  constructor(duckdb: InstantiatedDuckDB, onBroken: (error: EngineError) => void) {
    this.#duckdb = duckdb;
    this.#onBroken = onBroken;
    this.#connection = duckdb.guard(() => duckdb.bindings.connect()._conn);
  }

  /** Applies `options` (only what changed). */
  configure(options: EngineOptions): void {
    const memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
    if (memoryLimit === this.#memoryLimit) return;
    if (!/^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i.test(memoryLimit)) {
      throw new EngineError("sql", `memoryLimit ${JSON.stringify(memoryLimit)} is not a size such as "64MB"`);
    }
    this.#run(`SET memory_limit = '${memoryLimit}'`);
    this.#memoryLimit = memoryLimit;
  }

  /** Applies the fixed settings; called once. */
  initialise(): void {
    for (const statement of FIXED_SETTINGS) this.#run(statement);
  }

  async insertArrow(name: string, ipc: Uint8Array): Promise<void> {
    const table = tableIdentifier(name, "insertArrow");
    const statement = `insertArrow(${name})`;
    let chunks: Uint8Array[];
    try {
      chunks = ipcChunks(ipc);
    } catch (error) {
      throw new EngineError("sql", `${statement}: not an Arrow IPC stream: ${error instanceof Error ? error.message : String(error)}`, { statement, cause: error });
    }
    this.#run(`DROP TABLE IF EXISTS ${table}`);
    chunks.forEach((chunk, index) => {
      // The first piece creates the table, the others append to it.
      this.#call(statement, () => this.#duckdb.bindings.insertArrowFromIPCStream(this.#connection, chunk, { name, create: index === 0 }));
    });
  }

  async query<T extends Record<string, unknown>>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const values = params.map((value, index) => jsonParameter(value, index, sql));
    const { bindings } = this.#duckdb;
    const ipc = this.#call(sql, () => {
      // Prepared even without parameters: DuckDB refuses to prepare several statements at once,
      // so one call is always one statement.
      const statement = bindings.createPrepared(this.#connection, sql);
      let result: Uint8Array;
      try {
        result = bindings.runPrepared(this.#connection, statement, values);
      } catch (failure) {
        // The run's failure is the one to report, even if closing fails too.
        try {
          bindings.closePrepared(this.#connection, statement);
        } catch {}
        throw failure;
      }
      bindings.closePrepared(this.#connection, statement);
      return result;
    });
    return rowsFromArrowIPC<T>(ipc, sql);
  }

  async dropTable(name: string): Promise<void> {
    this.#run(`DROP TABLE IF EXISTS ${tableIdentifier(name, "dropTable")}`);
  }

  memoryBytes(): number {
    return this.#duckdb.bindings.mod.HEAPU8.buffer.byteLength;
  }

  #run(sql: string): void {
    this.#call(sql, () => this.#duckdb.bindings.runQuery(this.#connection, sql));
  }

  #call<T>(statement: string, call: () => T): T {
    if (this.#broken) {
      throw new EngineError("internal", `this engine was discarded after an earlier failure: call openDuckDB() again (${this.#broken.message})`, {
        statement,
        cause: this.#broken,
      });
    }
    try {
      return this.#duckdb.guard(call);
    } catch (failure) {
      const error = engineErrorFrom(failure, statement);
      // A trap unwinds the wasm stack without C++ destructors or the glue's stackRestore: locks,
      // the stack pointer and allocations may be left inconsistent, so this instance is not used again.
      if (error.kind === "internal") {
        this.#broken = error;
        this.#onBroken(error);
      }
      throw error;
    }
  }
}

/** A running engine: the SqlEngine and how to change its options. */
export interface ConfigurableSqlEngine extends SqlEngine {
  configure(options: EngineOptions): void;
}

/**
 * The SqlEngine over an instantiated DuckDB: one connection with `threads = 1`, extension
 * autoloading off and `memory_limit` from `options`. `onBroken` hears when an internal failure
 * (a trap) makes the engine unusable, so its owner can start a new one.
 */
export function createSqlEngine(
  duckdb: InstantiatedDuckDB,
  options: EngineOptions = {},
  onBroken: (error: EngineError) => void = () => {},
): ConfigurableSqlEngine {
  const engine = new DuckDBSqlEngine(duckdb, onBroken);
  engine.initialise();
  engine.configure(options);
  return engine;
}
