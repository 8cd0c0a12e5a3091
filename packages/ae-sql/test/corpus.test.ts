import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { answerQuery } from "./corpus-answer.ts";
import type { CorpusDatasetName } from "./corpus-data.ts";
import { CORPUS_NOW, corpusDatasetFixture } from "./corpus-fixture.ts";
import { type CorpusQuery, defineCorpusSuite } from "./corpus-suite.ts";
import type { DataPointsFixture } from "./fixture.ts";

// The corpus is an external acceptance set, not shipped in this repository: when a `shared/` folder
// beside the repository root holds it, it is read in place (never copied here); without it these
// tests are skipped with a warning.
const CORPUS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../shared/data/ae-sql-corpus");
const present = existsSync(resolve(CORPUS_DIR, "queries.json"));
if (!present) console.warn(`AE SQL corpus not found at ${CORPUS_DIR}: corpus acceptance tests skipped`);

const queries: CorpusQuery[] = present ? (JSON.parse(readFileSync(resolve(CORPUS_DIR, "queries.json"), "utf8")) as CorpusQuery[]) : [];

// One database per dataset for the whole file: the queries only read.
const fixtures = new Map<CorpusDatasetName, DataPointsFixture>();

defineCorpusSuite(queries, {
  name: "Node, node:sqlite",
  answer(dataset, sql) {
    let fixture = fixtures.get(dataset);
    if (fixture === undefined) {
      fixture = corpusDatasetFixture(dataset);
      fixtures.set(dataset, fixture);
    }
    const db = fixture;
    return answerQuery(() => db.query(sql, { now: CORPUS_NOW }));
  },
});
