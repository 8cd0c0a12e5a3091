import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  type AnalyticsEngineQuery,
  apiDurationQuantiles,
  apiErrorRates,
  eventsPerMinute,
  stringLiteral,
  topPages,
  UnsafeLiteralError,
  usageByOrganizationAndSku,
} from "../src/index.ts";

/** One instance of every query the platform sends: the golden files pin their exact SQL. */
const QUERIES: AnalyticsEngineQuery[] = [
  eventsPerMinute({ projectId: "local", minutes: 60 }),
  eventsPerMinute({ projectId: "local", minutes: 60, eventType: "page_view" }),
  topPages({ projectId: "local", minutes: 1440, limit: 10 }),
  apiDurationQuantiles({ projectId: "local", minutes: 60 }),
  apiErrorRates({ projectId: "local", minutes: 60, limit: 20 }),
  usageByOrganizationAndSku({ projectId: "local", minutes: 1440 }),
];

const UPDATE = process.env.UPDATE_GOLDEN === "1";

describe("the SQL sent to Analytics Engine is pinned by golden files", () => {
  const seen = new Map<string, number>();
  for (const query of QUERIES) {
    const count = (seen.get(query.name) ?? 0) + 1;
    seen.set(query.name, count);
    const file = `${query.name}${count > 1 ? `-${count}` : ""}.sql`;
    it(`${file} (update with UPDATE_GOLDEN=1)`, () => {
      const path = fileURLToPath(new URL(`./golden/${file}`, import.meta.url));
      if (UPDATE) writeFileSync(path, `${query.sql}\n`);
      expect(`${query.sql}\n`).toBe(readFileSync(path, "utf8"));
    });
  }
});

describe("caller values never change a statement's structure", () => {
  it("escapes quotes and backslashes in string literals", () => {
    expect(stringLiteral("it's")).toBe("'it\\'s'");
    expect(stringLiteral("a\\' OR 1=1 --")).toBe("'a\\\\\\' OR 1=1 --'");
  });

  it("refuses control characters and invalid project ids", () => {
    expect(() => stringLiteral("a\nb")).toThrow(UnsafeLiteralError);
    expect(() => eventsPerMinute({ projectId: "x' OR '1'='1", minutes: 60 })).toThrow(UnsafeLiteralError);
  });

  it("refuses out-of-range windows and limits", () => {
    expect(() => eventsPerMinute({ projectId: "local", minutes: 0 })).toThrow("minutes must be an integer from 1 to 43200");
    expect(() => topPages({ projectId: "local", minutes: 60, limit: 1e9 })).toThrow("limit must be an integer from 1 to 1000");
    expect(() => topPages({ projectId: "local", minutes: 1.5, limit: 10 })).toThrow(UnsafeLiteralError);
  });
});
