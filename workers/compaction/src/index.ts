// analytics-compaction: merges closed hour partitions' small Parquet files (packages/lake's
// compactPartition) through the catalog's atomic swap. POST /compact, GET /compact/status, cron.
import { WorkerEntrypoint } from "cloudflare:workers";
import { type CompactionEnv, runCompaction } from "./compaction-service.ts";
import { createHttpApp } from "./http-app.ts";

const app = createHttpApp();

export default class CompactionWorker extends WorkerEntrypoint<CompactionEnv> {
  override fetch(request: Request): Response | Promise<Response> {
    return app.fetch(request, this.env, this.ctx);
  }

  override async scheduled(): Promise<void> {
    const summary = await runCompaction(this.env, {}, (line) => console.log(JSON.stringify({ level: "info", worker: "analytics-compaction", ...line })));
    console.log(JSON.stringify({ level: "info", worker: "analytics-compaction", stage: "done", ...summary, runs: summary.runs.length }));
  }
}
