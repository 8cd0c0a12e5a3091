import { describe, expect, it } from "vitest";
import { formatResult, jsonString, jsonValue } from "../src/format-result.ts";
import type { AeResult } from "../src/index.ts";
import { DataPointsFixture } from "./fixture.ts";

const fixture = new DataPointsFixture([
  { timestamp: "2024-01-02 03:04:05", index1: "a", sampleInterval: 3, blobs: ["tab\there", "quote ' and \\ and\nnewline", "/path"], doubles: [0.5] },
]);

describe("JSON values", () => {
  it.each([
    [{ kind: "String" }, 'a"b\\c/d\n\t\u0001\u2028é', '"a\\"b\\\\c\\/d\\n\\t\\u0001\\u2028é"'],
    [{ kind: "UInt", bits: 64 }, 18446744073709551615n, '"18446744073709551615"'],
    [{ kind: "Int", bits: 64 }, -5n, '"-5"'],
    [{ kind: "UInt", bits: 32 }, 4294967295, "4294967295"],
    [{ kind: "Float64" }, 0.1, "0.1"],
    [{ kind: "Float64" }, 1e21, "1e21"],
    [{ kind: "Float64" }, Number.NaN, "null"],
    [{ kind: "Float64" }, Infinity, "null"],
    [{ kind: "Bool" }, 1, "true"],
    [{ kind: "DateTime", tz: undefined }, 0, '"1970-01-01 00:00:00"'],
    [{ kind: "DateTime", tz: "America/New_York" }, 0, '"1969-12-31 19:00:00"'],
    [{ kind: "Date" }, 86_400, '"1970-01-02"'],
    [{ kind: "Array", element: { kind: "UInt", bits: 64 } }, [1n, 2n], '["1","2"]'],
    [{ kind: "Array", element: { kind: "String" } }, ["a", "b"], '["a","b"]'],
  ] as const)("%j %s", (type, value, json) => {
    expect(jsonValue(type, value)).toBe(json);
  });

  it("escapes strings as ClickHouse does (forward slash included)", () => {
    expect(jsonString("</script>")).toBe('"<\\/script>"');
  });
});

describe("formats", () => {
  it("FORMAT JSON: ClickHouse's layout, 64-bit integers quoted, no rows_before_limit_at_least without LIMIT", () => {
    const { contentType, body } = fixture.query("SELECT index1, sum(_sample_interval) AS n, avg(double1) AS a, min(timestamp) AS t FROM analytics_events GROUP BY index1");
    expect(contentType).toBe("application/json; charset=UTF-8");
    expect(body).toBe(
      [
        "{",
        '\t"meta":',
        "\t[",
        "\t\t{",
        '\t\t\t"name": "index1",',
        '\t\t\t"type": "String"',
        "\t\t},",
        "\t\t{",
        '\t\t\t"name": "n",',
        '\t\t\t"type": "UInt64"',
        "\t\t},",
        "\t\t{",
        '\t\t\t"name": "a",',
        '\t\t\t"type": "Float64"',
        "\t\t},",
        "\t\t{",
        '\t\t\t"name": "t",',
        '\t\t\t"type": "DateTime"',
        "\t\t}",
        "\t],",
        "",
        '\t"data":',
        "\t[",
        "\t\t{",
        '\t\t\t"index1": "a",',
        '\t\t\t"n": "3",',
        '\t\t\t"a": 0.5,',
        '\t\t\t"t": "2024-01-02 03:04:05"',
        "\t\t}",
        "\t],",
        "",
        '\t"rows": 1',
        "}",
        "",
      ].join("\n"),
    );
  });

  it("FORMAT JSON with LIMIT reports rows_before_limit_at_least; an empty result has an empty data list", () => {
    expect(JSON.parse(fixture.query("SELECT blob1 FROM analytics_events LIMIT 0").body)).toEqual({ meta: [{ name: "blob1", type: "String" }], data: [], rows: 0, rows_before_limit_at_least: 1 });
  });

  it("FORMAT JSONEachRow: one compact object per line", () => {
    const { contentType, body } = fixture.query("SELECT index1, _sample_interval, count() AS c FROM analytics_events GROUP BY index1, _sample_interval FORMAT JSONEachRow");
    expect(contentType).toBe("application/x-ndjson; charset=UTF-8");
    expect(body).toBe('{"index1":"a","_sample_interval":3,"c":"1"}\n');
  });

  it("FORMAT TabSeparated: no header, ClickHouse escaping, unquoted numbers", () => {
    const { contentType, body } = fixture.query("SELECT blob1, blob2, blob3, count() AS c, toDateTime(0, 'Asia/Tokyo') AS t, 1 = 1 AS b, true AS bool, topK(blob3) AS k FROM analytics_events GROUP BY blob1, blob2, blob3 FORMAT TabSeparated");
    expect(contentType).toBe("text/tab-separated-values; charset=UTF-8");
    expect(body).toBe("tab\\there\tquote \\' and \\\\ and\\nnewline\t/path\t1\t1970-01-01 09:00:00\t1\ttrue\t['/path']\n");
  });

  it("formats a result built by hand (the Durable Object can format its own rows)", () => {
    const result: AeResult = { meta: [{ name: "x", type: "Float64" }], types: [{ kind: "Float64" }], data: [[1.5], [Number.NaN]], rows: 2, rowsBeforeLimitAtLeast: undefined };
    expect(formatResult(result, "TabSeparated").body).toBe("1.5\nnan\n");
    expect(formatResult(result, "JSONEachRow").body).toBe('{"x":1.5}\n{"x":null}\n');
  });
});
