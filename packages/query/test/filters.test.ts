import { describe, expect, it } from "vitest";
import { compileFilter } from "../src/filters.ts";

describe("compileFilter", () => {
  it("compiles operators to SQL with every value bound", () => {
    expect(
      compileFilter("page_view", {
        country: { in: ["DE", "FR"] },
        page_url: { contains: "/pricing", neq: "https://x.example/" },
        utm_source: { is_set: true },
        or: [{ browser: { eq: "Chrome" } }, { browser: { starts_with: "Fire" } }],
      }),
    ).toEqual({
      sql: '"country" IN (?, ?) AND contains("page_url", ?) AND "page_url" IS DISTINCT FROM ? AND "utm_source" IS NOT NULL AND ("browser" = ? OR starts_with("browser", ?))',
      params: ["DE", "FR", "/pricing", "https://x.example/", "Chrome", "Fire"],
    });
  });

  it("an absent or empty filter is TRUE", () => {
    expect(compileFilter("page_view", undefined)).toEqual({ sql: "TRUE", params: [] });
    expect(compileFilter("page_view", {})).toEqual({ sql: "TRUE", params: [] });
  });

  it("SQL in a value stays a value", () => {
    expect(compileFilter("page_view", { page_url: { eq: "x' OR 1=1; --" } })).toEqual({ sql: '"page_url" = ?', params: ["x' OR 1=1; --"] });
  });

  it.each([
    [{ 'page_url" OR 1=1 --': { eq: "x" } }, 'unknown field "page_url\\" OR 1=1 --"'],
    [{ properties: { eq: "x" } }, 'unknown field "properties"'],
    [{ page_url: { like: "%" } }, 'unknown operator "like"'],
    [{ time_on_page: { eq: 1 } }, 'unknown field "time_on_page"'],
    [{ is_bot: { contains: "t" } }, "contains applies to text fields only"],
    [{ country: { in: [] } }, "must be a non-empty list"],
    [{ country: { in: [{ nested: 1 }] } }, "must be a string, a finite number, a boolean or null"],
    [{ country: "DE" }, "must be an object of operators"],
  ])("refuses %j", (filter, message) => {
    expect(() => compileFilter("page_view", filter as never)).toThrow(message.replace(/\\"/g, '"'));
  });

  it("bounds nesting and size", () => {
    let deep: Record<string, unknown> = { country: { eq: "DE" } };
    for (let i = 0; i < 7; i++) deep = { and: [deep] };
    expect(() => compileFilter("page_view", deep as never)).toThrow("nest at most 5 levels");
    expect(() => compileFilter("page_view", { country: { in: Array.from({ length: 1001 }, (_, i) => String(i)) } })).toThrow("at most 1000 values");
  });
});
