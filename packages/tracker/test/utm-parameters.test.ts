import { describe, expect, it } from "vitest";
import { utmParameters } from "../src/utm-parameters.ts";

describe("utmParameters", () => {
  it("reads the three campaign parameters, decoded", () => {
    expect(utmParameters("https://shop.example/?utm_source=news%20letter&utm_medium=email&utm_campaign=spring+sale&x=1")).toEqual({
      utm_source: "news letter",
      utm_medium: "email",
      utm_campaign: "spring sale",
    });
  });

  it("leaves out absent and empty ones, and ignores utm_term and friends", () => {
    expect(utmParameters("https://shop.example/?utm_source=&utm_medium=cpc&utm_term=shoes#utm_campaign=x")).toEqual({ utm_medium: "cpc" });
    expect(utmParameters("https://shop.example/")).toEqual({});
  });

  it("cuts values to the schema's 256 characters", () => {
    expect(utmParameters(`https://shop.example/?utm_campaign=${"c".repeat(300)}`).utm_campaign).toHaveLength(256);
  });

  it("answers nothing for a URL that does not parse", () => {
    expect(utmParameters("not a url")).toEqual({});
  });
});
