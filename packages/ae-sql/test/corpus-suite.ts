import { afterAll, describe, expect, it } from "vitest";
import type { CorpusAnswer } from "./corpus-answer.ts";
import { CORPUS_DATASET_FOR, CORPUS_NOW, type CorpusDatasetName } from "./corpus-data.ts";
import type { JsonResult } from "./points.ts";

/**
 * The acceptance corpus' expectations (an external set, not shipped in this repository; the tests
 * skip without it), defined once and run in
 * every runtime the stand-in executes in: Node's SQLite (`corpus.test.ts`) and workerd's
 * (`../test-workerd/corpus.test.ts`), whose SQLite has other limits (expression depth 100).
 * No runtime-specific imports here.
 */

export interface CorpusQuery {
  id: string;
  sql: string;
  expect: "ok" | "error" | "unknown";
  doc_says: string | null;
}

/** Where the stand-in runs: answers `sql` over one of the corpus datasets at {@link CORPUS_NOW}. */
export interface CorpusRuntime {
  readonly name: string;
  answer(dataset: CorpusDatasetName, sql: string): CorpusAnswer | Promise<CorpusAnswer>;
}

/**
 * Corpus queries the emulator refuses, each with why. Every one must fail with a clean
 * "unsupported" error, never run. Keep this list as small as possible.
 */
const UNSUPPORTED: Readonly<Record<string, string>> = {};

/** Values the corpus states (doc_says / clickhouse_reference), where a query fixes them. */
const STATED: Readonly<Record<string, Record<string, unknown>>> = {
  "doc-sqlapi-hello": { message: "Hello Workers Analytics Engine" },
  "doc-stmt-show-timezone": { tz: "Etc/UTC" },
  "doc-bit-and-or-xor": { a: 1, o: 3, x1: 3, x2: 0 },
  "doc-bit-rotate-shift": { rl1: 2, rl2: 1, rr1: 128, rr2: 3, sl1: 2, sl2: 0, sr1: 0, sr2: 3 },
  // t2: the docs say 0; ClickHouse (bit 1 of 0b10) says 1, which we follow (README). n1: UInt8 254.
  "doc-bit-test-hamming-not": { t1: 1, t2: 1, h1: 0, h2: 2, n1: 254 },
  "doc-dt-todatetime-literals": {
    from_unix: "1981-04-12 12:00:04",
    from_unix_string: "1981-04-12 12:00:04",
    from_string: "1981-04-12 12:00:04",
    ny_time: "2022-12-01 16:17:00",
  },
  "doc-dt-formatdatetime": { today_utc: "2026-04-20", ny_date: "2022-12-01", utc_date: "2022-12-01" },
  "doc-dt-parts": { y: 2025, m: 10, d: 27, h: 9, mi: 11, s: 13 },
  "doc-dt-dayofweek": { monday: 1, tuesday: 2, sunday: 7 },
  "doc-dt-startof-calendar": {
    soy: "2025-01-01 00:00:00",
    som: "2025-10-01 00:00:00",
    sow_monday: "2025-10-27 00:00:00",
    sow_wednesday: "2025-10-27 00:00:00",
    sod: "2025-10-27 00:00:00",
  },
  "doc-dt-startof-subday": { soh: "2025-10-27 16:00:00", s15: "2025-10-27 16:45:00", s10: "2025-10-27 16:50:00", s5: "2025-10-27 16:55:00", s1: "2025-10-27 16:55:00" },
  "doc-dt-yyyymm": { ym: 202510 },
  "doc-dt-now-today": { current_time: "2026-04-20 12:00:00", current_date: "2026-04-20" },
  "doc-dt-unix": { unix_now: CORPUS_NOW / 1000 },
  "doc-enc-bin-hex": { bin_1: "00000001", bin_abc: "011000010110001001100011", hex_1: "01", hex_abc: "616263" },
  "doc-math-rounding": { r1: 6, r2: 3.1, f1: 5, f2: 3.1, c1: 6, c2: 3.2 },
  "doc-math-intdiv-literal": { q: 3, d: 3.5, m: 1 },
  "doc-ops-arith": { add: 3, sub: 2, mul: 6, div: 3.5, mod: 1, neg: -42 },
  "doc-lit-all": { i: 42, neg_i: -42, d: 4.2, neg_d: -4.2, s: "so long and thanks for all the fish", t: true, f: false },
  "doc-str-length-literal": { s: "8" },
  "doc-str-lower-upper": { l: "string to downcase", u: "STRING TO UPPERCASE" },
  "doc-str-substring": { s1: " world", s2: "hello" },
  "doc-str-extract": { sec: 15, yr: 2022, mon: 6, dy: 6, hr: 11, mn: 30 },
};

/** Stated values that hold on every row of a query over the fixture. */
const STATED_EVERY_ROW: Readonly<Record<string, Record<string, unknown>>> = {
  "doc-str-empty": { b: 0 },
  "doc-str-starts-ends": { sw: 1, ew: 1 },
  "doc-str-position": { p: "6" },
  // ClickHouse's upperUTF8 maps code point by code point: ß has no one-code-point upper case.
  "doc-str-utf8-case": { l8: "äöü string", u8: "STRAßE" },
  "doc-conv": { u8_from_string: 42, u8_from_float: 3 },
};

/** For queries ending in `ORDER BY <output> [ASC|DESC]`, checks the rows are in that order (numbers as numbers). */
function expectSortedAsQueried(sql: string, result: JsonResult): void {
  const match = /ORDER\s+BY\s+([A-Za-z_]\w*)(?:\s+(ASC|DESC))?\s*(?:LIMIT\b[^)]*|FORMAT\s+\w+)?\s*;?\s*$/i.exec(sql);
  if (match === null || !result.meta.some((m) => m.name === match[1])) return;
  const key = match[1] as string;
  const descending = match[2]?.toUpperCase() === "DESC";
  const values = result.data.map((row) => row[key]);
  const numeric = values.every((v) => typeof v === "number" || (typeof v === "string" && /^-?\d+$/.test(v)));
  for (let i = 1; i < values.length; i++) {
    const a = values[i - 1];
    const b = values[i];
    const c = numeric ? Number(a) - Number(b) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
    expect(descending ? c >= 0 : c <= 0, `${key}: ${String(a)} before ${String(b)}`).toBe(true);
  }
}

/** Registers one test per corpus query (and a summary) for `runtime`; skipped when `queries` is empty. */
export function defineCorpusSuite(queries: readonly CorpusQuery[], runtime: CorpusRuntime): void {
  const outcomes: Array<{ id: string; outcome: "ok" | "refused" | "unsupported" }> = [];
  /** Queries answered with a 5xx: the stand-in failed (e.g. SQLite refused the generated SQL). */
  const serverErrors: Array<{ id: string; status: number; body: string }> = [];

  async function answer(query: CorpusQuery): Promise<CorpusAnswer> {
    const result = await runtime.answer(CORPUS_DATASET_FOR[query.id] ?? "shared", query.sql);
    if (result.status >= 500) serverErrors.push({ id: query.id, status: result.status, body: result.body });
    return result;
  }

  function expectRefused(result: CorpusAnswer): void {
    expect(result.status, result.body).toBe(422);
    expect(result.code, result.body).toBe("unsupported");
  }

  describe.skipIf(queries.length === 0)(`AE SQL corpus (${runtime.name})`, () => {
    afterAll(() => {
      const count = (o: string): number => outcomes.filter((x) => x.outcome === o).length;
      console.log(
        `AE SQL corpus (${runtime.name}): ${count("ok") + count("refused")} of ${queries.length} queries supported ` +
          `(${count("unsupported")} refused as unsupported: ${Object.keys(UNSUPPORTED).join(", ") || "none"}); ` +
          `${serverErrors.length} answers with a 5xx${serverErrors.length > 0 ? `: ${serverErrors.map((e) => e.id).join(", ")}` : ""}`,
      );
    });

    it("has the queries the README describes", () => {
      expect(queries).toHaveLength(149);
      for (const id of [...Object.keys(UNSUPPORTED), ...Object.keys(STATED), ...Object.keys(STATED_EVERY_ROW), ...Object.keys(CORPUS_DATASET_FOR)]) {
        expect(queries.map((q) => q.id)).toContain(id);
      }
    });

    for (const query of queries) {
      const reason = UNSUPPORTED[query.id];
      if (reason !== undefined) {
        it(`${query.id}: refused as unsupported (${reason})`, async () => {
          expectRefused(await answer(query));
          outcomes.push({ id: query.id, outcome: "unsupported" });
        });
      } else if (query.expect === "error") {
        it(`${query.id}: refused with a clear error`, async () => {
          const result = await answer(query);
          expectRefused(result);
          const construct = query.id === "neg-case-when" ? "CASE WHEN" : query.id === "neg-join" ? "JOIN" : "UNION";
          expect(result.body).toContain(construct);
          outcomes.push({ id: query.id, outcome: "refused" });
        });
      } else {
        // `ok`, and the one `unknown` (a design doc's parametric quantileWeighted(q)(x, w), which ClickHouse accepts).
        it(`${query.id}: runs`, async () => {
          const result = await answer(query);
          expect(result.status, result.body).toBe(200);
          expect(result.body.length).toBeGreaterThan(0);
          const format = /FORMAT\s+(\w+)\s*;?\s*$/i.exec(query.sql)?.[1] ?? "JSON";
          if (format === "JSON") {
            const parsed = JSON.parse(result.body) as JsonResult;
            expect(parsed.rows).toBe(parsed.data.length);
            for (const row of parsed.data) expect(Object.keys(row).sort()).toEqual([...new Set(parsed.meta.map((m) => m.name))].sort());
            expectSortedAsQueried(query.sql, parsed);
            const stated = STATED[query.id];
            if (stated !== undefined) expect(parsed.data).toEqual([expect.objectContaining(stated)]);
            const everyRow = STATED_EVERY_ROW[query.id];
            if (everyRow !== undefined) {
              expect(parsed.data.length).toBeGreaterThan(0);
              for (const row of parsed.data) expect(row).toEqual(expect.objectContaining(everyRow));
            }
          }
          outcomes.push({ id: query.id, outcome: "ok" });
        });
      }
    }

    // Runs after every query above (a file's tests run in order): the acceptance criterion itself.
    it("answers no query with a 5xx", () => {
      expect(serverErrors).toEqual([]);
    });
  });
}
