import { describe, expect, it } from "vitest";
import { hourPartition, inventoryGroupOf, isLakeTable, parseHourPartition, parseLakeObjectKey, rawObjectKey, tableLocation } from "../src/layout.ts";

describe("lake layout (README \"The lake (R2)\")", () => {
  it("names a raw file by table, UTC hour and id", () => {
    const at = new Date("2026-03-05T07:59:59.999+01:00");
    expect(hourPartition(at)).toBe("year=2026/month=03/day=05/hour=06");
    expect(rawObjectKey("page_views", at, "f1")).toBe("events/page_views/year=2026/month=03/day=05/hour=06/f1.parquet");
  });

  it("accepts only real UTC hours as partitions", () => {
    expect(parseHourPartition("year=2024/month=02/day=29/hour=23")).toMatchObject({ partition: "year=2024/month=02/day=29/hour=23" });
    for (const bad of ["year=2023/month=02/day=29/hour=00", "year=2026/month=11/day=25/hour=24", "year=2026/month=1/day=25/hour=01", "../year=2026", "year=2026/month=11/day=25/hour=09/"]) {
      expect(parseHourPartition(bad), bad).toHaveProperty("error");
    }
  });

  it("maps object keys back to tables and partitions, and nothing else", () => {
    expect(parseLakeObjectKey("analytics-source", "events/api_requests/year=2026/month=11/day=25/hour=09/a-b.parquet")).toEqual({
      table: "api_requests",
      partition: "year=2026/month=11/day=25/hour=09",
    });
    expect(parseLakeObjectKey("analytics-processed", "facts/fact_page_views/date=2026-11-25/part-0.parquet")).toEqual({
      table: "fact_page_views",
      partition: "date=2026-11-25",
    });
    expect(parseLakeObjectKey("analytics-processed", "aggregates/agg_daily_metrics/all.parquet")).toEqual({ table: "agg_daily_metrics", partition: "" });
    for (const [bucket, key] of [
      ["analytics-processed", "events/page_views/year=2026/month=11/day=25/hour=09/a.parquet"],
      ["analytics-source", "events/page_views/year=2026/month=11/day=25/a.parquet"],
      ["analytics-source", "events/page_views/year=2026/month=11/day=25/hour=09/a.json"],
      ["analytics-source", "events/sessions/year=2026/month=11/day=25/hour=09/a.parquet"],
      ["analytics-processed", "facts/fact_page_views/../x/a.parquet"],
    ] as const) {
      expect(parseLakeObjectKey(bucket, key), key).toBeUndefined();
    }
  });

  it("groups objects for the costs report by table or top folder", () => {
    expect(inventoryGroupOf("analytics-source", "events/usage_events/x.parquet")).toEqual({ group: "usage_events", table: true });
    expect(inventoryGroupOf("analytics-processed", "temp/run-1/x")).toEqual({ group: "temp", table: false });
    expect(inventoryGroupOf("analytics-catalog", "readme.txt")).toEqual({ group: "(top level)", table: false });
    expect(isLakeTable("dim_users") && isLakeTable("custom_events") && !isLakeTable("toString")).toBe(true);
    expect(tableLocation("dim_content")).toEqual({ bucket: "analytics-processed", prefix: "dimensions/dim_content/", layer: "processed" });
  });
});
