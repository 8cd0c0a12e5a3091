import { describe, expect, it } from "vitest";
import { readTrackerConfig, type TrackerScript } from "../src/tracker-config.ts";

function script(attributes: Record<string, string>, src = "http://127.0.0.1:8787/tracker.js"): TrackerScript {
  return { src, getAttribute: (name) => attributes[name] ?? null };
}

describe("readTrackerConfig", () => {
  it("posts to the script's own origin with the key in the query string", () => {
    expect(readTrackerConfig(script({ "data-key": "local-pub-key" }), "http://localhost:3000/")).toEqual({
      endpoint: "http://127.0.0.1:8787/events?key=local-pub-key",
      auto: true,
      memoryOnly: false,
      respectDnt: false,
    });
  });

  it("takes data-api, data-auto, data-storage and data-respect-dnt", () => {
    const config = readTrackerConfig(
      script({ "data-key": "k&y", "data-api": "https://collect.example/", "data-auto": "false", "data-storage": "none", "data-respect-dnt": "true" }),
      "https://shop.example/",
    );
    expect(config).toEqual({ endpoint: "https://collect.example/events?key=k%26y", auto: false, memoryOnly: true, respectDnt: true });
  });

  it("stays off on pages that are not http(s), without a script element or without a key", () => {
    expect(readTrackerConfig(script({ "data-key": "k" }), "file:///home/me/page.html")).toMatch(/^off: /);
    expect(readTrackerConfig(null, "https://shop.example/")).toMatch(/^off: /);
    expect(readTrackerConfig(script({}), "https://shop.example/")).toBe("off: no data-key");
    expect(readTrackerConfig(script({ "data-key": "k" }, ""), "https://shop.example/")).toBe("off: bad data-api");
  });
});
