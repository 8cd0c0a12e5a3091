import { CORPUS_DATASETS, type CorpusDatasetName } from "./corpus-data.ts";
import { DataPointsFixture } from "./fixture.ts";

export { CORPUS_NOW } from "./corpus-data.ts";

/** A node:sqlite database holding one of the corpus' datasets (`corpus-data.ts`). */
export function corpusDatasetFixture(name: CorpusDatasetName): DataPointsFixture {
  return new DataPointsFixture(CORPUS_DATASETS[name]);
}
