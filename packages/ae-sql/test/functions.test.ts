import { describe, expect, it } from "vitest";
import { AeSqlError } from "../src/index.ts";
import { DataPointsFixture } from "./fixture.ts";

const NOW = Date.parse("2026-03-31T12:00:00Z");
const fixture = new DataPointsFixture([
  { timestamp: "2024-01-31 10:00:00", blobs: ["7", "héllo", "2024-01-02 03:04:05"], doubles: [0.1] },
  { timestamp: "2024-02-29 23:30:00", blobs: ["x", "ABC", "not a date"], doubles: [-2.5] },
]);

/** Value and ClickHouse type of one constant expression. */
function one(expression: string): { value: unknown; type: string } {
  const result = fixture.json(`SELECT ${expression} AS v`, { now: NOW });
  return { value: result.data[0]?.v, type: result.meta[0]?.type as string };
}
const value = (expression: string): unknown => one(expression).value;

/** Values of an expression over the fixture's rows, oldest first. */
function column(expression: string, where = ""): unknown[] {
  return fixture.rows(`SELECT ${expression} AS v FROM analytics_events ${where} ORDER BY timestamp`, { now: NOW }).map((r) => r.v);
}

function refusal(run: () => unknown): AeSqlError {
  try {
    run();
  } catch (error) {
    if (error instanceof AeSqlError) return error;
    throw error;
  }
  throw new Error("expected an AeSqlError");
}

describe("arithmetic: ClickHouse result types and values", () => {
  it.each([
    ["1 + 2", 3, "UInt16"],
    ["255 + 1", 256, "UInt16"],
    ["5 - 3", 2, "Int16"],
    ["2 * 3", 6, "UInt16"],
    ["7 / 2", 3.5, "Float64"],
    ["7 % 2", 1, "UInt8"],
    ["-7 % 2", -1, "Int16"],
    ["5.5 % 2", 1.5, "Float64"],
    ["-5.5 % 2", -1.5, "Float64"],
    ["intDiv(7, 2)", 3, "UInt8"],
    ["intDiv(-7, 2)", -3, "Int8"],
    ["intDiv(7.9, 2)", "3", "Int64"],
    ["toUInt32(1) * 300", "300", "UInt64"],
    ["-42", -42, "Int8"],
    ["-(42)", -42, "Int16"],
    ["4.2", 4.2, "Float64"],
    ["abs(-5)", 5, "UInt8"],
    ["abs(-2.5)", 2.5, "Float64"],
    ["1 / 0", null, "Float64"],
    ["0 / 0", null, "Float64"],
    ["5.5 % 0", null, "Float64"],
  ])("%s = %j (%s)", (expression, expected, type) => {
    expect(one(expression)).toEqual({ value: expected, type });
  });

  it("prints inf and nan in TabSeparated where JSON has null", () => {
    expect(fixture.query("SELECT 1 / 0, -1 / 0, 0 / 0 FORMAT TabSeparated").body).toBe("inf\t-inf\tnan\n");
  });

  it("fails the query on integer division by zero, as ClickHouse does", () => {
    for (const expression of ["intDiv(1, 0)", "7 % 0"]) {
      const error = refusal(() => value(expression));
      expect(error).toMatchObject({ code: "runtime", status: 422, message: "Division by zero" });
    }
    expect(refusal(() => column("intDiv(toUInt32(double1), 0)")).message).toBe("Division by zero");
  });
});

describe("rounding and math", () => {
  it.each([
    ["round(5.5)", 6],
    ["round(2.5)", 2],
    ["round(3.5)", 4],
    ["round(-2.5)", -2],
    ["round(3.14, 1)", 3.1],
    ["round(2.675, 2)", 2.68],
    ["round(0.125, 2)", 0.12],
    ["round(1234.5, -2)", 1200],
    ["floor(5.5)", 5],
    ["floor(-0.5)", -1],
    ["floor(3.14, 1)", 3.1],
    ["floor(-3.14, 1)", -3.2],
    ["ceil(5.5)", 6],
    ["ceil(3.14, 1)", 3.2],
    ["round(5)", 5],
    ["log(1)", 0],
    ["ln(2.718281828459045)", 1],
    ["pow(2, 10)", 1024],
    ["log(0)", null],
  ])("%s = %j", (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it("computes log and pow over columns, and refuses them where SQLite would need them", () => {
    expect(column("pow(double1, 2)")).toEqual([0.010000000000000002, 6.25]);
    expect(refusal(() => column("double1", "WHERE log(double1) > 0")).message).toContain("log() is computed after the query");
    expect(refusal(() => value("floor(1234, -2)")).code).toBe("unsupported");
  });
});

describe("bit functions: literal widths as in ClickHouse", () => {
  it.each([
    ["bitAnd(1, 3)", 1, "UInt8"],
    ["bitAnd(-1, 255)", 255, "Int16"],
    ["bitOr(1, 2)", 3, "UInt8"],
    ["bitXor(3, 3)", 0, "UInt8"],
    ["bitXor(-1, 1)", -2, "Int16"],
    ["bitNot(1)", 254, "UInt8"],
    ["bitNot(-1)", 0, "Int8"],
    ["bitNot(toUInt32(0))", 4294967295, "UInt32"],
    ["bitShiftLeft(1, 7)", 128, "UInt8"],
    ["bitShiftLeft(128, 1)", 0, "UInt8"],
    ["bitShiftLeft(64, 1) + 0", 128, "UInt16"],
    ["bitShiftRight(-8, 1)", -4, "Int8"],
    ["bitShiftRight(toUInt32(4294967295), 31)", 1, "UInt32"],
    ["bitRotateLeft(128, 1)", 1, "UInt8"],
    ["bitRotateRight(1, 1)", 128, "UInt8"],
    ["bitRotateLeft(toUInt32(1), 33)", 2, "UInt32"],
    ["bitTest(3, 1)", 1, "UInt8"],
    ["bitTest(2, 1)", 1, "UInt8"],
    ["bitTest(2, 0)", 0, "UInt8"],
    ["bitCount(255)", 8, "UInt8"],
    ["bitCount(-1)", 8, "UInt8"],
    ["bitCount(toUInt32(4294967295))", 32, "UInt8"],
    ["bitCount(1.0)", 10, "UInt8"],
    ["bitHammingDistance(3, 0)", 2, "UInt8"],
    ["bitHammingDistance(-1, 0)", 64, "UInt8"],
    ["bitAnd(5.7, 3)", "1", "Int64"],
  ])("%s = %j (%s)", (expression, expected, type) => {
    expect(one(expression)).toEqual({ value: expected, type });
  });

  it("counts the IEEE-754 bits of doubles in SQL exactly as the bytes say (also in WHERE)", () => {
    const doubles = [0, 1, -1, 0.1, -0.1, 3, 123456.789, 1e-310, 5e-324, -2.5e-300, 1.7976931348623157e308, 2 ** 52 + 1, 1e300];
    const f = new DataPointsFixture(doubles.map((d, i) => ({ timestamp: 1_000_000 + i * 1000, doubles: [d] })));
    const expected = doubles.map((d) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, d);
      return [...view.getBigUint64(0).toString(2)].filter((c) => c === "1").length;
    });
    const rows = f.rows("SELECT bitCount(double1) AS n FROM analytics_events ORDER BY timestamp");
    expect(rows.map((r) => r.n)).toEqual(expected);
    const filtered = f.rows("SELECT double1 FROM analytics_events WHERE bitCount(double1) > 30 ORDER BY timestamp");
    expect(filtered.map((r) => r.double1)).toEqual(doubles.filter((_, i) => (expected[i] as number) > 30));
  });

  it("bitTest on a double tests the bits of its integer part (README)", () => {
    expect(column("bitTest(double1, 1)")).toEqual([0, 1]);
  });
});

describe("encoding", () => {
  it.each([
    ["hex(1)", "01"],
    ["hex(255)", "FF"],
    ["hex(256)", "0100"],
    ["hex(0)", "00"],
    ["hex(-1)", "FF"],
    ["hex('abc')", "616263"],
    ["hex('é')", "C3A9"],
    ["hex(1.0)", "000000000000F03F"],
    ["hex(toDateTime(1))", "01"],
    ["bin(1)", "00000001"],
    ["bin(256)", "0000000100000000"],
    ["bin('abc')", "011000010110001001100011"],
    ["bin(-1)", "11111111"],
  ])("%s = %s", (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });
});

describe("strings: code points, ASCII-only lower/upper", () => {
  it.each([
    ["length('a string')", "8"],
    ["length('héllo')", "5"],
    ["length('😀')", "1"],
    ["empty('')", 1],
    ["isEmpty('a')", 0],
    ["lower('ÄB')", "Äb"],
    ["upper('straße')", "STRAßE"],
    ["lowerUTF8('ÄÖÜ STRING')", "äöü string"],
    ["toUpper('straße')", "STRAßE"],
    ["startsWith('abc', '')", 1],
    ["startsWith('abc', 'abcd')", 0],
    ["endsWith('abc', '')", 1],
    ["endsWith('a', 'abc')", 0],
    ["endsWith('héllo', 'llo')", 1],
    ["position('hello: world', ':')", "6"],
    ["position(':' IN 'hello: world')", "6"],
    ["position('héllo', 'l')", "3"],
    ["position('abc', 'z')", "0"],
    ["substring('hello world', 6)", " world"],
    ["substring('hello', 0)", ""],
    ["substring('hello', -3)", "llo"],
    ["substring('héllo', 2, 2)", "él"],
    ["substring('hello', 1, -1)", "hell"],
    ["substring('hello', -3, -1)", "ll"],
    ["format('{} + {} = {}', 1, 2.5, 'x')", "1 + 2.5 = x"],
    ["format('{1}-{0}', 'a', 'b')", "b-a"],
    ["format('{{}} {}', 'x')", "{} x"],
    ["format('at {}', toDateTime('2024-01-02 03:04:05'))", "at 2024-01-02 03:04:05"],
    ["format('{}', 0.1 + 0.2)", "0.30000000000000004"],
    ["extract(YEAR FROM toDateTime('2022-06-06 11:30:15'))", 2022],
  ])("%s = %j", (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it("applies string functions to columns", () => {
    expect(column("length(blob2)")).toEqual(["5", "3"]);
    expect(column("upperUTF8(blob2)")).toEqual(["HÉLLO", "ABC"]);
    expect(column("substring(blob2, 2, 3)")).toEqual(["éll", "BC"]);
  });
});

describe("LIKE and ILIKE", () => {
  it.each([
    ["'abc' LIKE 'A%'", 0],
    ["'abc' LIKE 'a%'", 1],
    ["'abc' ILIKE 'A%'", 1],
    ["'ABC' ILIKE '%bc'", 1],
    ["'a_c' LIKE 'a\\\\_c'", 1],
    ["'abc' LIKE 'a\\\\_c'", 0],
    ["'é' LIKE '_'", 1],
    ["'ab*c' LIKE 'ab*c'", 1],
    ["'abXc' LIKE 'ab*c'", 0],
    ["'a?c' LIKE 'a?%'", 1],
    ["'[x]' LIKE '[x]%'", 1],
    ["'log12' LIKE 'log__'", 1],
    ["'log1' LIKE 'log__'", 0],
    ["'abc' NOT LIKE '%b%'", 0],
    ["'' LIKE '%'", 1],
    ["'my test file' LIKE '%test%'", 1],
    ["'photo.JPG' ILIKE '%.jpg'", 1],
    ["'photo.JPG' LIKE '%.jpg'", 0],
    ["'Debug' NOT ILIKE '%debug%'", 0],
  ])("%s = %j", (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it("handles long prefix/contains patterns, and refuses what SQLite cannot match faithfully", () => {
    const long = "x".repeat(80);
    expect(value(`'${long}yz' LIKE '${long}%'`)).toBe(1);
    expect(refusal(() => value(`'a' LIKE '%${"a_".repeat(30)}%'`)).message).toContain("too complex");
    expect(refusal(() => column("blob1 LIKE blob2")).message).toContain("must be a string literal");
    expect(refusal(() => value("'É' ILIKE 'é'")).message).toContain("non-ASCII");
  });
});

describe("conversions and conditionals", () => {
  it.each([
    ["toUInt8('42')", 42, "UInt8"],
    ["toUInt8(3.7)", 3, "UInt8"],
    ["toUInt8(300)", 44, "UInt8"],
    ["toUInt8(-1)", 255, "UInt8"],
    ["toUInt32('4294967295')", 4294967295, "UInt32"],
    ["toUInt32(toDateTime('2024-01-01 00:00:00'))", 1704067200, "UInt32"],
    ["if(1, 1, -1)", 1, "Int16"],
    ["if(0, 1, 2.5)", 2.5, "Float64"],
    ["if(1 > 2, 'a', 'b')", "b", "String"],
  ])("%s = %j (%s)", (expression, expected, type) => {
    expect(one(expression)).toEqual({ value: expected, type });
  });

  it("refuses what ClickHouse refuses", () => {
    expect(refusal(() => value("toUInt8('300')")).message).toContain("Cannot parse string '300' as UInt8");
    expect(refusal(() => value("toUInt8('abc')")).message).toContain("Cannot parse string 'abc' as UInt8");
    expect(refusal(() => value("if(1, 'a', 1)")).message).toContain("There is no supertype for types String, UInt8");
    expect(refusal(() => value("if('a', 1, 2)")).message).toContain("first argument of function if");
    expect(refusal(() => column("blob1 = 1")).code).toBe("type");
  });

  it("converts string columns at run time and fails on text that is not a number", () => {
    expect(column("toUInt8(blob1)", "WHERE blob1 = '7'")).toEqual([7]);
    expect(refusal(() => column("toUInt8(blob1)")).message).toBe("Cannot parse string as UInt8");
  });
});

describe("comparisons", () => {
  it.each([
    ["1 = 1.0", 1],
    ["'a' < 'b'", 1],
    ["'B' < 'a'", 1],
    ["'1' = 1", 1],
    ["toDateTime('2024-01-01 00:00:00') = '2024-01-01 00:00:00'", 1],
    ["toDateTime('2024-01-01 00:00:00') = 1704067200", 1],
    ["today() = toDateTime('2026-03-31 00:00:00')", 1],
    ["today() < now()", 1],
    ["5 BETWEEN 1 AND 5", 1],
    ["5 NOT BETWEEN 1 AND 4", 1],
    ["'b' IN ('a', 'b')", 1],
    ["3 NOT IN (1, 2)", 1],
    ["toDateTime('2024-01-01 00:00:00') IN ('2024-01-01 00:00:00')", 1],
  ])("%s = %j", (expression, expected) => {
    expect(value(expression)).toBe(expected);
  });

  it("compares the timestamp column with a string, as repos do", () => {
    expect(column("blob1", "WHERE timestamp >= '2024-02-01 00:00:00'")).toEqual(["x"]);
  });
});

describe("date and time (UTC unless a zone is given)", () => {
  it.each([
    ["now()", "2026-03-31 12:00:00", "DateTime"],
    ["today()", "2026-03-31", "Date"],
    ["today() - 1", "2026-03-30", "Date"],
    ["now('Asia/Tokyo')", "2026-03-31 21:00:00", "DateTime('Asia/Tokyo')"],
    ["toDateTime(1.9)", "1970-01-01 00:00:01", "DateTime"],
    ["toDateTime('2022-12-01 16:17:00', 'America/New_York')", "2022-12-01 16:17:00", "DateTime('America/New_York')"],
    ["toDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), 'Etc/UTC')", "2022-12-01 21:17:00", "DateTime('Etc/UTC')"],
    ["toUnixTimestamp('2024-01-01 00:00:00')", 1704067200, "UInt32"],
    ["now() - INTERVAL '1' MONTH", "2026-02-28 12:00:00", "DateTime"],
    ["toDateTime('2024-01-31 10:00:00') + INTERVAL 1 MONTH", "2024-02-29 10:00:00", "DateTime"],
    ["toDateTime('2024-02-29 10:00:00') - INTERVAL 1 YEAR", "2023-02-28 10:00:00", "DateTime"],
    ["now() + 60", "2026-03-31 12:01:00", "DateTime"],
    ["today() + INTERVAL 1 HOUR", "2026-03-31 01:00:00", "DateTime"],
    ["toHour(toDateTime('2024-01-01 00:30:00'), 'Asia/Tokyo')", 9, "UInt8"],
    ["toStartOfWeek(toDateTime('2025-11-02 10:00:00'))", "2025-10-27 00:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 30 SECOND)", "2025-10-27 16:55:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 2 HOUR)", "2025-10-27 16:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 3 HOUR)", "2025-10-27 15:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 7 DAY)", "2025-10-23 00:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 2 MONTH)", "2025-09-01 00:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 1 YEAR)", "2025-01-01 00:00:00", "DateTime"],
    ["toStartOfInterval(toDateTime('2025-10-27 16:55:25'), INTERVAL 2 YEAR)", "2024-01-01 00:00:00", "DateTime"],
    ["toStartOfDay(toDateTime('2024-03-10 12:00:00', 'America/New_York'))", "2024-03-10 00:00:00", "DateTime('America/New_York')"],
    ["toDateTime(toStartOfDay(toDateTime('2024-03-10 12:00:00', 'America/New_York')), 'UTC')", "2024-03-10 05:00:00", "DateTime('UTC')"],
    ["toDateTime(toStartOfDay(toDateTime('2024-03-11 12:00:00', 'America/New_York')), 'UTC')", "2024-03-11 04:00:00", "DateTime('UTC')"],
    ["toStartOfHour(toDateTime('2024-01-01 10:45:00', 'Asia/Kolkata'))", "2024-01-01 10:00:00", "DateTime('Asia/Kolkata')"],
  ])("%s = %j (%s)", (expression, expected, type) => {
    expect(one(expression)).toEqual({ value: expected, type });
  });

  it("formats every formatDateTime specifier like current ClickHouse", () => {
    const format = "%Y-%m-%d %H:%i:%S|%a %b %M %W %p %I %e %j %u %w %y %C %D %F %R %T %Q %V %G %g %k %l %c %h %s %f %z %%";
    expect(value(`formatDateTime(toDateTime('2025-10-27 16:05:09'), '${format}')`)).toBe(
      "2025-10-27 16:05:09|Mon Oct October Monday PM 04 27 300 1 1 25 20 10/27/25 2025-10-27 16:05 16:05:09 4 44 2025 25 16 04 10 04 09 000000 +0000 %",
    );
    expect(value("formatDateTime(toDateTime('2025-10-27 16:05:09', 'America/New_York'), '%H %z')")).toBe("16 -0400");
    expect(value("formatDateTime(toDateTime('2022-12-01 16:17:00', 'America/New_York'), '%Y-%m-%d %H', 'Etc/UTC')")).toBe("2022-12-01 21");
    expect(refusal(() => value("formatDateTime(now(), '%E')")).message).toContain("%E is not supported");
  });

  it("applies calendar functions to the timestamp column (SQL path), also across month ends", () => {
    expect(column("timestamp + INTERVAL 1 MONTH")).toEqual(["2024-02-29 10:00:00", "2024-03-29 23:30:00"]);
    expect(column("timestamp - INTERVAL 1 YEAR")).toEqual(["2023-01-31 10:00:00", "2023-02-28 23:30:00"]);
    expect(column("toStartOfDay(timestamp, 'Asia/Tokyo')")).toEqual(["2024-01-31 00:00:00", "2024-03-01 00:00:00"]);
    expect(column("toStartOfMonth(timestamp)")).toEqual(["2024-01-01 00:00:00", "2024-02-01 00:00:00"]);
    expect(column("toDayOfWeek(timestamp)")).toEqual([3, 4]);
    expect(column("formatDateTime(timestamp, '%F %T', 'America/New_York')")).toEqual(["2024-01-31 05:00:00", "2024-02-29 18:30:00"]);
  });

  it("parses DateTime strings from columns and fails on anything else", () => {
    expect(column("toDateTime(blob3)", "WHERE blob1 = '7'")).toEqual(["2024-01-02 03:04:05"]);
    expect(refusal(() => column("toDateTime(blob3)")).message).toContain("Cannot parse string as DateTime");
  });

  it("refuses invalid zones, intervals and dates", () => {
    expect(refusal(() => value("toDateTime(0, 'Mars/Olympus')")).message).toContain("Invalid time zone: Mars/Olympus");
    expect(refusal(() => value("toDateTime(0, 'america/new_york')")).message).toContain("did you mean America/New_York");
    expect(refusal(() => value("toStartOfInterval(now(), INTERVAL 0 DAY)")).message).toContain("must be positive");
    expect(refusal(() => value("toDateTime('2024-01-01T00:00:00Z')")).message).toContain("Cannot parse string");
    expect(refusal(() => value("now() - now()")).code).toBe("unsupported");
  });
});

describe("time zones over aggregates", () => {
  it("computes zone-dependent functions of an aggregate in JavaScript (SQLite refuses aggregates in the offset lookups)", () => {
    expect(fixture.rows("SELECT toStartOfDay(max(timestamp), 'America/New_York') AS d, toHour(max(timestamp), 'Asia/Tokyo') AS h FROM analytics_events")).toEqual([
      { d: "2024-02-29 00:00:00", h: 8 },
    ]);
    expect(fixture.rows("SELECT formatDateTime(max(timestamp), '%F %T') AS t FROM analytics_events")).toEqual([{ t: "2024-02-29 23:30:00" }]);
    expect(refusal(() => fixture.query("SELECT formatDateTime(max(timestamp), '%F', 'Europe/Paris') FROM analytics_events")).code).toBe("unsupported");
  });
});
