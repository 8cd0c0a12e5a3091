import type { LoadedRelation, LoadStats, RawLoader } from "./run-aggregate.ts";

/** A relation as a loader made it, with the way to drop it from the engine. */
export interface DroppableRelation {
  name: string;
  stats: LoadStats;
  drop(): Promise<void>;
}

type LoadRequest = Parameters<RawLoader["load"]>[0];

interface Entry {
  key: string;
  relation: DroppableRelation;
  users: number;
  evicted: boolean;
}

/**
 * Keeps the last loaded relations of an isolate for the next question over the same data (the
 * same files, columns, project and range): a dashboard re-asking with another limit, order or
 * page reads nothing again. DuckDB-WASM's heap never shrinks, so memory held by an idle relation
 * is memory the isolate keeps anyway; before loading new data, idle relations are dropped so that
 * at most `keep` are resident with it, and the heap is reused rather than grown. A relation in use
 * is dropped when its last user releases it.
 */
export function residentRelations(load: (request: LoadRequest) => Promise<DroppableRelation>, options: { keep: number } = { keep: 1 }): RawLoader {
  const entries = new Map<string, Entry>();

  const keyOf = (request: LoadRequest) =>
    JSON.stringify([
      request.type,
      request.projectId,
      request.fromMs,
      request.toMs,
      [...request.columns].sort(),
      request.files.map((file) => [file.key, file.bytes]).sort(),
    ]);

  const evict = async (entry: Entry) => {
    entry.evicted = true;
    entries.delete(entry.key);
    if (entry.users === 0) await entry.relation.drop();
  };

  const lease = (entry: Entry, stats: LoadStats): LoadedRelation => {
    entry.users++;
    let released = false;
    return {
      name: entry.relation.name,
      stats,
      async release() {
        if (released) return;
        released = true;
        entry.users--;
        if (entry.evicted && entry.users === 0) await entry.relation.drop();
      },
    };
  };

  return {
    async load(request) {
      const key = keyOf(request);
      const resident = entries.get(key);
      if (resident) {
        // Nothing read: the rows are already in the engine.
        return lease(resident, { rows: resident.relation.stats.rows, rowGroupsRead: 0, rowGroupsSkipped: 0, bytesRead: 0 });
      }
      // Free the heap for the new rows: idle relations beyond what is kept go first, oldest first.
      const idle = [...entries.values()].filter((entry) => entry.users === 0);
      for (const entry of idle.slice(0, Math.max(0, idle.length - options.keep + 1))) await evict(entry);
      const relation = await load(request);
      const entry: Entry = { key, relation, users: 0, evicted: false };
      entries.set(key, entry);
      return lease(entry, relation.stats);
    },
  };
}
