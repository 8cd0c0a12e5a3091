import { env } from "cloudflare:test";
import { CORPUS_NOW } from "../test/corpus-data.ts";
import { type CorpusQuery, defineCorpusSuite } from "../test/corpus-suite.ts";

// Third-party material, read in place (../shared/ from the repository root) at transform time:
// workerd has no file system. The glob matches nothing when the folder is absent, which skips the suite.
const found = import.meta.glob<CorpusQuery[]>("../../../../shared/data/ae-sql-corpus/queries.json", { eager: true, import: "default" });
const queries = Object.values(found)[0] ?? [];
if (queries.length === 0) console.warn("AE SQL corpus (../shared/data/ae-sql-corpus/queries.json) not found: corpus acceptance tests skipped");

defineCorpusSuite(queries, {
  name: "workerd, Durable Object SQLite",
  answer: (dataset, sql) => env.AE_SQL_CORPUS_STORE.get(env.AE_SQL_CORPUS_STORE.idFromName(dataset)).query(dataset, sql, CORPUS_NOW),
});
