import { describe, expect, it } from "vitest";
import { AnalyticsEngineQueryError, AnalyticsEngineSqlClient, isMissingDatasetAnswer } from "../src/analytics-engine-client.ts";

const answering = (status: number, body: string) =>
  new AnalyticsEngineSqlClient({ baseUrl: "https://ae.example/client/v4", accountId: "local", apiToken: "t" }, async () => new Response(body, { status }));
const QUERY = { name: "events-per-minute", sql: "SELECT 1" };

describe("AnalyticsEngineSqlClient", () => {
  // Found by tests/fuzz.test.ts: every realtime field of a fresh stack was an "Unexpected error." until the first event.
  it("a dataset nothing was written to yet answers empty, not an error", async () => {
    const answer = await answering(422, "Table analytics_events does not exist: no data point has been written to this dataset yet").query(QUERY);
    expect(answer).toEqual({ meta: [], data: [], rows: 0 });
  });

  it("other refusals stay errors, with the status and text", async () => {
    await expect(answering(422, "unknown identifier blob99").query(QUERY)).rejects.toThrowError(AnalyticsEngineQueryError);
    await expect(answering(500, "Table analytics_events does not exist").query(QUERY)).rejects.toMatchObject({ status: 500 });
  });

  it.each([
    [422, "Table analytics_events does not exist: no data point has been written to this dataset yet", true],
    [400, "Unknown table analytics_events", true],
    [422, "Dataset analytics_events doesn't exist", true],
    [422, "Column blob1 does not exist", false],
    [422, "syntax error near FROM", false],
    [503, "Table analytics_events does not exist", false],
  ])("isMissingDatasetAnswer(%i, %j) is %s", (status, text, missing) => {
    expect(isMissingDatasetAnswer(status, text)).toBe(missing);
  });
});
