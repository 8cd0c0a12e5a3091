// DuckDB running out of its memory limit is the same problem as a question over the read budget
// (too much data for one isolate), so the caller gets the same error, saying how to narrow it.
import { QueryError } from "@edge-analytics/query";
import { EngineError } from "@edge-analytics/query-engine";

/** Runs `work`, turning an engine out-of-memory failure into the planner's OVER_BUDGET error. */
export async function narrowingOnOutOfMemory<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof EngineError && error.kind === "out_of_memory") {
      throw new QueryError(
        "OVER_BUDGET",
        "this question needs more memory than one request may use: narrow it with a shorter timeRange, a coarser granularity or fewer dimensions",
        "timeRange",
      );
    }
    throw error;
  }
}
