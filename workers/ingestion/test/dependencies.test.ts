import { env } from "cloudflare:test";
import { AnalyticsEngineBindingWriter, AnalyticsEngineStandInWriter } from "@edge-analytics/ingest";
import { describe, expect, it } from "vitest";
import { hotStoreFor } from "../src/dependencies.ts";

describe("the composition root picks the hot writer by what ANALYTICS_ENGINE is", () => {
  it("Cloudflare's dataset binding (no fetch): one writeDataPoint per point, in process", () => {
    const dataset: AnalyticsEngineDataset = { writeDataPoint: () => {} };
    expect(hotStoreFor({ ...env, ANALYTICS_ENGINE: dataset })).toBeInstanceOf(AnalyticsEngineBindingWriter);
  });

  it("the local stand-in behind a service binding (this pool's wrangler.jsonc): the invocation's points in one call", () => {
    expect(hotStoreFor(env)).toBeInstanceOf(AnalyticsEngineStandInWriter);
  });
});
