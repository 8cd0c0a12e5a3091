import { describe, expect, it } from "vitest";
import { cloudflarePricesFrom, DEFAULT_CLOUDFLARE_PRICES } from "../src/cloudflare-prices.ts";

describe("cloudflarePricesFrom", () => {
  it("answers the list prices, overridden field by field", () => {
    expect(cloudflarePricesFrom(undefined)).toBe(DEFAULT_CLOUDFLARE_PRICES);
    const prices = cloudflarePricesFrom('{"pipelines_usd_per_gb":0.02,"durable_objects_rows_written_usd_per_million":0.9}');
    expect(prices.pipelines_usd_per_gb).toBe(0.02);
    expect(prices.durable_objects_rows_written_usd_per_million).toBe(0.9);
    expect(prices.workers_requests_usd_per_million).toBe(DEFAULT_CLOUDFLARE_PRICES.workers_requests_usd_per_million);
  });

  it("refuses what it cannot price with, naming the field", () => {
    expect(() => cloudflarePricesFrom("{")).toThrow(/not valid JSON/);
    expect(() => cloudflarePricesFrom("[]")).toThrow(/JSON object/);
    expect(() => cloudflarePricesFrom('{"workers_cpu":1}')).toThrow(/CLOUDFLARE_PRICES.workers_cpu/);
    expect(() => cloudflarePricesFrom('{"currency":1}')).toThrow(/currency/);
    expect(() => cloudflarePricesFrom('{"pipelines_usd_per_gb":-1}')).toThrow(/>= 0/);
  });
});
