import { describe, expect, it } from "vitest";
import { AeSqlError, tokenize } from "../src/index.ts";

const kinds = (sql: string) => tokenize(sql).map((t) => t.kind);

describe("tokenize", () => {
  it("splits identifiers, numbers, strings and operators, dropping whitespace and comments", () => {
    const tokens = tokenize("SELECT a1, 4.2, .5, 1e-3 -- a comment\n/* block\ncomment */ FROM t WHERE x <= 'y'");
    expect(tokens.map((t) => (t.kind === "string" ? t.value : t.kind === "end" ? "<end>" : t.text))).toEqual([
      "SELECT", "a1", ",", "4.2", ",", ".5", ",", "1e-3", "FROM", "t", "WHERE", "x", "<=", "y", "<end>",
    ]);
  });

  it("reads ClickHouse string escapes and doubled quotes", () => {
    const [token] = tokenize(String.raw`'it''s \'quoted\' \\ \n\t \x41 \z'`);
    expect(token).toMatchObject({ kind: "string", value: "it's 'quoted' \\ \n\t A z" });
  });

  it("reads double-quoted and backticked identifiers as quoted identifiers", () => {
    expect(tokenize('"link-clicks" `my table`').slice(0, 2)).toMatchObject([
      { kind: "identifier", text: "link-clicks", quoted: true },
      { kind: "identifier", text: "my table", quoted: true },
    ]);
  });

  it("keeps positions for error messages", () => {
    expect(tokenize("SELECT  x")[1]).toMatchObject({ pos: 8 });
  });

  it.each([
    ["'unterminated", "unterminated string literal"],
    ['"unterminated', "unterminated quoted identifier"],
    ["/* never closed", "unterminated comment"],
    ["SELECT $timeSeries", "unexpected character '$'"],
    ["SELECT 0x1F", "unsupported number literal 0x1F"],
    ["SELECT 12abc", "unsupported number literal 12abc"],
    ["SELECT ''", undefined],
  ])("%s", (sql, message) => {
    if (message === undefined) {
      expect(kinds(sql)).toEqual(["identifier", "string", "end"]);
      return;
    }
    expect(() => tokenize(sql)).toThrow(AeSqlError);
    expect(() => tokenize(sql)).toThrow(message);
  });

  it("refuses a \\x escape of a non-ASCII byte rather than guessing its character", () => {
    expect(() => tokenize(String.raw`'\xC3'`)).toThrow("non-ASCII byte");
  });
});
