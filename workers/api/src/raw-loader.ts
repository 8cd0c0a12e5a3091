// The planner's RawLoader over R2 and DuckDB-WASM: the planned files' needed columns, decoded
// from Parquet (row groups outside the range or project skipped by their statistics), inserted
// as one relation, dropped when the answer is out.
import type { RawLoader } from "@edge-analytics/query";
import { r2AsyncBuffer, readLakeFiles, type SqlEngine } from "@edge-analytics/query-engine";
import { narrowingOnOutOfMemory } from "./engine-budget.ts";

/** Relations are per isolate; a counter keeps concurrent requests' names apart. */
let relations = 0;

/** Loads raw lake files from `bucket` into the engine (opened on first use: realtime-only requests never pay for it). */
export function r2RawLoader(bucket: R2Bucket, openEngine: () => Promise<SqlEngine>): RawLoader {
  return {
    async load({ type, files, columns, projectId, fromMs, toMs }) {
      const engine = await openEngine();
      const name = `raw_${++relations}`;
      // One file's footer read at a time keeps this request within Workers' six open connections.
      const sources = [];
      for (const file of files) sources.push({ key: file.key, file: await r2AsyncBuffer(bucket, file.key, file.bytes) });
      const lake = await readLakeFiles(sources, { type, columns, rowGroups: { timestamp: { gte: fromMs, lt: toMs }, project_id: { in: [projectId] } } });
      await narrowingOnOutOfMemory(() => engine.insertArrow(name, lake.ipc));
      return {
        name,
        stats: { rows: lake.rows, rowGroupsRead: lake.rowGroupsRead, rowGroupsSkipped: lake.rowGroupsSkipped, bytesRead: lake.bytesRead },
        release: () => engine.dropTable(name),
      };
    },
  };
}
