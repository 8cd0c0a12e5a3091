// The cost benchmark's model runs the production code it prices: this keeps it running, and
// checks its counts against what the code must do per event and per request.
import { cloudflarePricesFrom, DEFAULT_R2_PRICES } from "@edge-analytics/lake";
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs benchmark module without type declarations.
import { priceRun, runCostModel } from "../cost-per-million.mjs";

describe("bench/lib/cost-model.ts", () => {
  it("counts per event what ingestion does per event, and per request at most one counter row", { timeout: 120_000 }, () => {
    const run = runCostModel({ COST_EVENTS: "20000" });
    const requests = 200;
    expect(run.ops.accepted).toBe(20_000);
    expect(run.ops.workerRequests.ingestion).toBe(requests);
    expect(run.ops.aePoints).toBe(20_000);
    expect(run.ops.pipelinesRecords).toBe(20_000);
    // Six tables per mixed batch: one send each.
    expect(run.ops.pipelinesRequests).toBe(6 * requests);
    // One add per request (2.6 s apart, the 1 s window is closed each time), plus the alarms.
    expect(run.ops.counterRequests).toBeGreaterThanOrEqual(requests);
    // One hour row per add; markers and alarms only once per report.
    expect(run.ops.counterRows).toBeGreaterThanOrEqual(requests);
    expect(run.ops.counterRows).toBeLessThan(1.2 * requests);
    expect(run.ops.catalogRows.acceptedCounts).toBeGreaterThan(0);
    expect(run.ops.filesWritten).toBeGreaterThan(0);
    for (const bytes of Object.values(run.parquetBytesPerRow) as number[]) expect(bytes).toBeGreaterThan(5);

    const priced = priceRun(run, cloudflarePricesFrom(undefined), DEFAULT_R2_PRICES);
    expect(priced.controlledUsd).toBeGreaterThan(0);
    expect(priced.controlledUsd).toBeLessThan(priced.ledgerUsd);
    const [, ae] = priced.listPrice[0];
    expect(ae).toBe(1_000_000);
    // Pipelines is unpriced until set, then priced per GB.
    expect(priced.listPrice[1][3]).toBeNull();
    const withPipelines = priceRun(run, cloudflarePricesFrom('{"pipelines_usd_per_gb":1}'), DEFAULT_R2_PRICES);
    expect(withPipelines.listPrice[1][3]).toBeCloseTo(withPipelines.listPrice[1][1], 6);
  });
});
