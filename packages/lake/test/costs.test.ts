import { describe, expect, it } from "vitest";
import { costReport, DEFAULT_R2_PRICES, priceListFrom } from "../src/costs.ts";

const BUCKETS = ["analytics-source", "analytics-processed", "analytics-catalog"];

describe("costReport", () => {
  it("prices storage per bucket, table and folder with the price list", () => {
    const report = costReport(
      BUCKETS,
      [
        { bucket: "analytics-source", group: "page_views", table: true, bytes: 2_000_000_000, objects: 10 },
        { bucket: "analytics-source", group: "usage_events", table: true, bytes: 1_000_000_000, objects: 5 },
        { bucket: "analytics-catalog", group: "metadata", table: false, bytes: 1000, objects: 2 },
      ],
      { window_hours: 24, bytes: 100_000_000, files: 288, rows: 1_000_000 },
      DEFAULT_R2_PRICES,
      new Date("2026-11-25T00:00:00Z"),
    );
    expect(report.buckets).toEqual([
      { bucket: "analytics-source", bytes: 3_000_000_000, objects: 15, monthly_usd: 0.045 },
      { bucket: "analytics-processed", bytes: 0, objects: 0, monthly_usd: 0 },
      { bucket: "analytics-catalog", bytes: 1000, objects: 2, monthly_usd: 0 },
    ]);
    expect(report.tables.find((t) => t.table === "page_views")?.monthly_usd).toBe(0.03);
    expect(report.other).toEqual([{ bucket: "analytics-catalog", folder: "metadata", bytes: 1000, objects: 2, monthly_usd: 0 }]);
    expect(report.total).toMatchObject({ bytes: 3_000_001_000, objects: 17 });
    // 24 h of 100 MB → 3 GB a month; 288 files a day → 8,640 files, 2 Class A and 4 Class B each.
    expect(report.projection).toMatchObject({
      bytes_per_month: 3_000_000_000,
      files_per_month: 8640,
      rows_per_month: 30_000_000,
      bytes_in_30_days: 6_000_001_000,
      class_a_requests_per_month: 17_280,
      class_b_requests_per_month: 34_560,
    });
    expect(report.projection.monthly_storage_usd_in_30_days).toBeCloseTo(0.09, 6);
    // 6 GB is inside the 10 GB-month free tier, and so are the requests.
    expect(report.projection.monthly_usd_after_free_tier_in_30_days).toBe(0);
  });

  it("charges past the free tier", () => {
    const report = costReport(BUCKETS, [{ bucket: "analytics-source", group: "page_views", table: true, bytes: 110e9, objects: 1 }], { window_hours: 24, bytes: 0, files: 0, rows: 0 }, DEFAULT_R2_PRICES, new Date());
    expect(report.projection.monthly_usd_after_free_tier_in_30_days).toBeCloseTo(1.5, 6);
  });
});

describe("priceListFrom (R2_PRICES)", () => {
  it("overrides fields of the defaults", () => {
    const prices = priceListFrom('{"storage_usd_per_gb_month":0.02,"free_tier":{"storage_gb_month":0}}');
    expect(prices.storage_usd_per_gb_month).toBe(0.02);
    expect(prices.free_tier).toEqual({ ...DEFAULT_R2_PRICES.free_tier, storage_gb_month: 0 });
    expect(priceListFrom(undefined)).toBe(DEFAULT_R2_PRICES);
  });

  it("refuses unknown fields and wrong types with the field's name", () => {
    expect(() => priceListFrom('{"storage_usd":1}')).toThrow(/R2_PRICES.storage_usd/);
    expect(() => priceListFrom('{"class_a_usd_per_million":"4.5"}')).toThrow(/class_a_usd_per_million/);
    expect(() => priceListFrom('{"free_tier":{"gb":1}}')).toThrow(/free_tier.gb/);
    expect(() => priceListFrom("0.015")).toThrow(/R2_PRICES must be a JSON object/);
    expect(() => priceListFrom("{storage")).toThrow(/R2_PRICES is not valid JSON/);
  });
});
