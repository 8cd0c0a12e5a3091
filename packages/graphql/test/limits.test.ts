import { describe, expect, it } from "vitest";
import { documentNesting } from "../src/limits.ts";

describe("documentNesting", () => {
  it("counts the deepest of {, [ and ( nesting", () => {
    expect(documentNesting("{ a(x: [1, [2]]) { b } }")).toBe(4);
    expect(documentNesting(`{ ${"a { ".repeat(50)}${"}".repeat(50)} }`)).toBe(51);
    expect(documentNesting("")).toBe(0);
  });

  it("ignores brackets inside strings, block strings and comments", () => {
    expect(documentNesting('{ a(x: "{{{[[[(((\\" {") }')).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" [[[ """) }')).toBe(2);
    expect(documentNesting("{ a # {{{{{{\n b }")).toBe(1);
  });

  it("is linear and safe on any input: unbalanced, unterminated, huge", () => {
    expect(documentNesting("}}}]]]{")).toBe(1);
    expect(documentNesting('{ "unterminated')).toBe(1);
    expect(documentNesting("[".repeat(1_000_000))).toBe(1_000_000);
  });
});
