import { AeSqlError, type AeSqlErrorCode, type FormattedResult } from "../src/index.ts";

/** The SQL API's answer to one query, as a recorder's `query()` returns it to the Worker's edge. */
export interface CorpusAnswer {
  status: number;
  /** The `AeSqlError` code of a refusal (the wire answer carries only status and message). */
  code?: AeSqlErrorCode;
  /** The result, or the error message. */
  body: string;
}

/**
 * Runs one query the way the recorder answers it: a refusal is its status and message; any other
 * error (SQLite refusing the generated SQL, a bug) is what the Worker would turn into a 500.
 * Shared by the Node and workerd harnesses so both count failures alike.
 */
export function answerQuery(run: () => FormattedResult): CorpusAnswer {
  try {
    return { status: 200, body: run().body };
  } catch (error) {
    if (error instanceof AeSqlError) return { status: error.status, code: error.code, body: error.message };
    return { status: 500, body: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
