import { describe, expect, it } from "vitest";
import { graphqlFilter } from "../src/filters.ts";
import { DEFAULT_VIEW, keyFromFragment, parseViewState, serializeViewState, shareLink, type ViewState } from "../src/view-state.ts";

describe("view state in the URL", () => {
  it("round-trips a view with filters, including an unset value", () => {
    const view: ViewState = { preset: "custom", from: "2026-11-01", to: "2026-11-30", interval: "week", metric: "visitors", filters: { referrer: "https://www.google.com/", utm_source: null } };
    const search = serializeViewState(view);
    expect(search).toBe("?range=custom&from=2026-11-01&to=2026-11-30&interval=week&metric=visitors&f.referrer=https%3A%2F%2Fwww.google.com%2F&f.utm_source=");
    expect(parseViewState(search)).toEqual(view);
  });

  it("writes nothing for the default view and ignores what it does not know", () => {
    expect(serializeViewState(DEFAULT_VIEW)).toBe("");
    expect(parseViewState("?range=forever&interval=second&metric=x&f.password=1&f.country=DE")).toEqual({ ...DEFAULT_VIEW, filters: { country: "DE" } });
  });

  it("keeps the key out of the query: share links carry it in the fragment", () => {
    const link = shareLink("https://a.example", { ...DEFAULT_VIEW, filters: { country: "DE" } }, "rk&x=1");
    expect(link).toBe("https://a.example/?f.country=DE#key=rk%26x%3D1");
    expect(keyFromFragment(new URL(link).hash)).toBe("rk&x=1");
    expect(new URL(link).search).not.toContain("rk");
    expect(keyFromFragment("#other=1")).toBeUndefined();
  });
});

describe("filters as the API's filter object", () => {
  it("ANDs one condition per field; an unset value is is_set: false", () => {
    expect(graphqlFilter({})).toBeNull();
    expect(graphqlFilter({ referrer: null, country: "DE" })).toEqual({ referrer: { is_set: false }, country: { eq: "DE" } });
  });

  it("keeps only the fields asked for (the context fields every event type has)", () => {
    expect(graphqlFilter({ referrer: "x", country: "DE" }, ["country"])).toEqual({ country: { eq: "DE" } });
    expect(graphqlFilter({ referrer: "x" }, ["country"])).toBeNull();
  });
});
