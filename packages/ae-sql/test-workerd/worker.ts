import { DurableObject } from "cloudflare:workers";
import { DATA_POINTS_DDL, runAeSql, type SqlParam } from "../src/index.ts";
import { answerQuery, type CorpusAnswer } from "../test/corpus-answer.ts";
import { CORPUS_DATASETS, type CorpusDatasetName } from "../test/corpus-data.ts";
import { ms } from "../test/points.ts";

/**
 * Test-only Worker of the `ae-sql-workerd` vitest project: the stand-in executing on workerd's
 * SQLite (a Durable Object's `ctx.storage.sql`), whose limits differ from node:sqlite's
 * (expression depth 100, not 1000). Never deployed.
 */



/** One object per corpus dataset (named after it), filled with that dataset on first use. */
export class AeSqlCorpusStore extends DurableObject<Cloudflare.Env> {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(DATA_POINTS_DDL);
  }

  /** The SQL API's answer to `sql` over `dataset`, with `now()` at `nowMs`. */
  async query(dataset: CorpusDatasetName, sql: string, nowMs: number): Promise<CorpusAnswer> {
    this.fill(dataset);
    return answerQuery(() =>
      runAeSql(sql, { exec: (text: string, params: readonly SqlParam[]) => this.ctx.storage.sql.exec(text, ...params).toArray() }, { now: nowMs }),
    );
  }

  private fill(dataset: CorpusDatasetName): void {
    const sql = this.ctx.storage.sql;
    if (sql.exec("SELECT 1 FROM data_points LIMIT 1").toArray().length > 0) return;
    for (const p of CORPUS_DATASETS[dataset]) {
      const point = { indexes: [p.index1 ?? ""], blobs: p.blobs ?? [], doubles: p.doubles ?? [] };
      sql.exec(
        "INSERT INTO data_points (dataset, timestamp_ms, _sample_interval, index1, point) VALUES (?, ?, ?, ?, ?)",
        p.dataset ?? "analytics_events",
        ms(p.timestamp),
        p.sampleInterval ?? 1,
        point.indexes[0] as string,
        JSON.stringify(point),
      );
    }
  }
}

export default {
  fetch: () => new Response("ae-sql test Worker: the tests call AeSqlCorpusStore directly", { status: 404 }),
} satisfies ExportedHandler;
