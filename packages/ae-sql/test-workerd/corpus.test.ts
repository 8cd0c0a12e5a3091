import { env } from "cloudflare:test";
import { CORPUS_NOW } from "../test/corpus-data.ts";
import { type CorpusQuery, defineCorpusSuite } from "../test/corpus-suite.ts";

// The corpus is an external acceptance set, not shipped in this repository: when a `shared/` folder
// beside the repository root holds it, it is read in place at transform time (workerd has no file
// system). Without it the glob matches nothing and the suite is skipped with a warning.
const found = import.meta.glob<CorpusQuery[]>("../../../../shared/data/ae-sql-corpus/queries.json", { eager: true, import: "default" });
const queries = Object.values(found)[0] ?? [];
if (queries.length === 0) console.warn("AE SQL corpus (../shared/data/ae-sql-corpus/queries.json) not found: corpus acceptance tests skipped");

defineCorpusSuite(queries, {
  name: "workerd, Durable Object SQLite",
  answer: (dataset, sql) => env.AE_SQL_CORPUS_STORE.get(env.AE_SQL_CORPUS_STORE.idFromName(dataset)).query(dataset, sql, CORPUS_NOW),
});
