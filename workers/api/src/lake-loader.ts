// The planner's loader over R2 and DuckDB-WASM: the planned files' needed columns, decoded from
// Parquet (row groups outside the range or project skipped by their statistics): raw files from
// analytics-source, dbt mart files from analytics-processed with the mart's columns under their
// raw names (and their recorded sources checked); inserted as one relation, kept resident for the
// next question over the same data (packages/query residentRelations) and dropped before other
// data loads.
import { type RawLoader, residentRelations, StaleMartError } from "@edge-analytics/query";
import { LakeFileMetadataMismatch, r2AsyncBuffer, readLakeFiles, type SqlEngine } from "@edge-analytics/query-engine";
import { narrowingOnOutOfMemory } from "./engine-budget.ts";

/** Relations are per isolate; a counter keeps concurrent requests' names apart. */
let relations = 0;
/** The isolate's loader: the relations it keeps live in the isolate's one engine. */
let isolateLoader: RawLoader | undefined;

/**
 * Loads lake files into the engine (opened on first use: realtime-only requests never pay for
 * it). One loader per isolate: bindings do not change within an isolate, and the resident
 * relation must be shared by its requests.
 */
export function lakeLoader(buckets: { source: R2Bucket; processed: R2Bucket }, openEngine: () => Promise<SqlEngine>): RawLoader {
  isolateLoader ??= residentRelations(
    async ({ type, files, mart, columns, projectId, fromMs, toMs }) => {
      const engine = await openEngine();
      const name = `raw_${++relations}`;
      // One file's footer read at a time keeps this request within Workers' six open connections.
      const sources = [];
      for (const file of files) {
        const fromMart = file.tier === "mart" && mart !== undefined;
        sources.push({
          key: file.key,
          file: await r2AsyncBuffer(fromMart ? buckets.processed : buckets.source, file.key, file.bytes),
          ...(fromMart ? { columnNames: mart.columns, ...(file.sources ? { expectMetadata: { key: "lake_source_files", value: file.sources } } : {}) } : {}),
        });
      }
      let lake;
      try {
        lake = await readLakeFiles(sources, { type, columns, rowGroups: { timestamp: { gte: fromMs, lt: toMs }, project_id: { in: [projectId] } } });
      } catch (error) {
        const stale = error instanceof LakeFileMetadataMismatch ? files.find((file) => file.key === error.key) : undefined;
        if (stale?.partition) throw new StaleMartError(stale.partition);
        throw error;
      }
      await narrowingOnOutOfMemory(() => engine.insertArrow(name, lake.ipc));
      return {
        name,
        stats: { rows: lake.rows, rowGroupsRead: lake.rowGroupsRead, rowGroupsSkipped: lake.rowGroupsSkipped, bytesRead: lake.bytesRead },
        drop: () => engine.dropTable(name),
      };
    },
    { keep: 1 },
  );
  return isolateLoader;
}
