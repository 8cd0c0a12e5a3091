import { describe, expect, it } from "vitest";
import { outboundHref } from "../src/outbound-link.ts";

describe("outboundHref", () => {
  const host = "shop.example";

  it("gives the URL of a link to another host", () => {
    expect(outboundHref("https://partner.example/deal?id=1", host)).toBe("https://partner.example/deal?id=1");
    expect(outboundHref("http://www.shop.example/", host)).toBe("http://www.shop.example/");
  });

  it("counts another port as another host", () => {
    expect(outboundHref("http://127.0.0.1:9000/", "127.0.0.1:8080")).toBe("http://127.0.0.1:9000/");
    expect(outboundHref("http://127.0.0.1:8080/x", "127.0.0.1:8080")).toBeUndefined();
  });

  it("is undefined for the same host, whatever the scheme or path", () => {
    expect(outboundHref("https://shop.example/pricing", host)).toBeUndefined();
    expect(outboundHref("http://shop.example/", host)).toBeUndefined();
  });

  it("is undefined for links that do not load a page elsewhere", () => {
    for (const href of ["mailto:a@partner.example", "tel:+441234", "javascript:void(0)", "ftp://files.example/x", "not a url", ""]) {
      expect(outboundHref(href, host), href).toBeUndefined();
    }
  });
});
