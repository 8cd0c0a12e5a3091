import { describe, expect, it } from "vitest";
import { optedOut } from "../src/privacy-signals.ts";

describe("optedOut", () => {
  it("honours Do Not Track and Global Privacy Control", () => {
    expect(optedOut({ doNotTrack: "1" })).toBe(true);
    expect(optedOut({ globalPrivacyControl: true })).toBe(true);
    expect(optedOut({ doNotTrack: "0", globalPrivacyControl: true })).toBe(true);
  });

  it("is false when neither is set", () => {
    expect(optedOut({})).toBe(false);
    expect(optedOut({ doNotTrack: null, globalPrivacyControl: false })).toBe(false);
    expect(optedOut({ doNotTrack: "0" })).toBe(false);
    expect(optedOut({ doNotTrack: "unspecified" })).toBe(false);
  });
});
