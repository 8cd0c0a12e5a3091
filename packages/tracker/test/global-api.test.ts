import { describe, expect, it, vi } from "vitest";
import { type EdgeAnalytics, installGlobalApi, isRunningApi, OFF_API } from "../src/global-api.ts";

function recordingApi() {
  const calls: unknown[][] = [];
  const api: EdgeAnalytics = {
    track: (...args) => void calls.push(["track", ...args]),
    identify: (...args) => void calls.push(["identify", ...args]),
    page: () => void calls.push(["page"]),
    flush: () => void calls.push(["flush"]),
  };
  return { api, calls };
}

describe("installGlobalApi", () => {
  it("replays the calls queued in the stub, in order, then takes calls directly", () => {
    const target = {
      edgeAnalytics: { q: [["identify", "u-1"], ["track", "signup", { plan: "pro" }], ["nope", 1], "junk", ["page"]] },
    };
    const { api, calls } = recordingApi();
    const installed = installGlobalApi(target, api);
    expect(target.edgeAnalytics).toBe(installed);
    expect(calls).toEqual([["identify", "u-1"], ["track", "signup", { plan: "pro" }], ["page"]]);
    installed.flush();
    expect(calls.at(-1)).toEqual(["flush"]);
  });

  it("works without a stub", () => {
    const target: { edgeAnalytics?: unknown } = {};
    const { api, calls } = recordingApi();
    installGlobalApi(target, api);
    expect(isRunningApi(target.edgeAnalytics)).toBe(true);
    expect(calls).toEqual([]);
  });

  it("never lets a method throw into the page", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const failing: EdgeAnalytics = {
      ...OFF_API,
      track() {
        throw new Error("tracker bug");
      },
    };
    const target = { edgeAnalytics: { q: [["track", "x"]] } };
    const installed = installGlobalApi(target, failing);
    expect(() => installed.track("y")).not.toThrow();
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
  });
});

describe("isRunningApi", () => {
  it("tells a running tracker from a stub or nothing", () => {
    expect(isRunningApi(undefined)).toBe(false);
    expect(isRunningApi({ q: [] })).toBe(false);
    expect(isRunningApi({ q: [], track() {} })).toBe(false);
    expect(isRunningApi({ ...OFF_API })).toBe(true);
  });
});
