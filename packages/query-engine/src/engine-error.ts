// The one error type the engine throws, and how DuckDB's failures map onto it.

/**
 * What went wrong:
 * - `out_of_memory`: DuckDB hit `memory_limit` (or the wasm heap could not grow). The engine stays
 *   usable; the query needs less data or a larger limit.
 * - `sql`: the statement or its parameters are wrong (parse, bind, catalog, conversion errors,
 *   an unsupported parameter or result type). The engine stays usable.
 * - `internal`: DuckDB trapped, the glue threw inside a call, DuckDB reported an internal/fatal
 *   error, or it could not start. The engine that threw is discarded; the next `openDuckDB()`
 *   starts a fresh one.
 */
export type EngineErrorKind = "out_of_memory" | "sql" | "internal";

/** A failure of the SQL engine, with the statement at fault when there is one. */
export class EngineError extends Error {
  override readonly name = "EngineError";
  readonly kind: EngineErrorKind;
  /** The SQL text (never the parameter values) or the operation, e.g. `insertArrow(page_views)`. */
  readonly statement: string | undefined;

  constructor(kind: EngineErrorKind, message: string, options: { statement?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.statement = options.statement;
  }
}

// DuckDB formats its exceptions as "<Type> Error: <message>" (duckdb/common/exception.cpp).
const DUCKDB_ERROR = /^[A-Z][A-Za-z ]* Error: /;
const OUT_OF_MEMORY = /^Out of Memory Error|std::bad_alloc|Cannot allocate Wasm memory|could not allocate/i;
// A transaction left open means an earlier call was cut short; INTERNAL and FATAL invalidate the database.
const INTERNAL = /^(INTERNAL|FATAL|TransactionContext) Error|database has been invalidated/;

/**
 * The kind of a failure thrown by a call into DuckDB-WASM. Memory failures are out_of_memory;
 * DuckDB's own errors ("<Type> Error: ...") are about the statement (sql), except INTERNAL, FATAL
 * and TransactionContext errors. Anything else is internal: a `WebAssembly.RuntimeError` (a trap:
 * `null function or function signature mismatch`, `unreachable`, out of bounds) or a JS exception
 * thrown by the glue inside a call (measured: the extension loader's `homedir is not a function`),
 * which unwinds the wasm stack past C++ destructors and leaves, for example, a transaction open.
 */
export function classifyDuckDBFailure(error: unknown): EngineErrorKind {
  const message = error instanceof Error ? error.message : String(error);
  if (OUT_OF_MEMORY.test(message) || (error instanceof RangeError && /memory|alloc/i.test(message))) return "out_of_memory";
  if (error instanceof WebAssembly.RuntimeError || INTERNAL.test(message)) return "internal";
  return DUCKDB_ERROR.test(message) ? "sql" : "internal";
}

/** Wraps a failure of a call into DuckDB (already an `EngineError` passes through). */
export function engineErrorFrom(error: unknown, statement: string): EngineError {
  if (error instanceof EngineError) return error;
  const kind = classifyDuckDBFailure(error);
  const message = error instanceof Error ? error.message : String(error);
  return new EngineError(kind, message, { statement, cause: error });
}
